// The dashboard page in real Chromium after a season of weekly runs through the shipped
// default flow (test/support/season): its bookings-after-contact figures equal an
// independent count from the CRM test server's requests, the rows the runs read and the
// office's feed; the sends chart, the runs with their health, the suppressions and the
// failed key with its Clear button likewise. Leaves a screenshot in test-artifacts/
// (and in DASHBOARD_SCREENSHOT when set: scripts/dashboard-screenshot.sh).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromiumMissing, launchBrowser, type Browser } from '../support/browser';
import { query } from '../lib/ledger/inspect';
import { ROOT } from '../support/paths';
import { runFlowSeason, type FlowSeason } from '../support/season/default-flow-season';
import { countOutcomes, sendsPerWeek, type CountedFigure } from '../support/season/outcome-count';

// a quarter of weekly runs: every week's contacts are inside the 90-day window
const WEEKS = 13;
const FIELDS = ['contacted', 'bookedWithin30', 'conversionPct', 'medianDaysToBooking', 'optedOutAfterContact', 'bounced'] as const;

/** "41.7 %" / "-" / "12" as the page shows them, back to numbers. */
const number = (text: string): number | null => (text.trim() === '-' ? null : Number(text.replace('%', '').trim()));

describe('the dashboard page after a season (real runtime, default flow, Chromium)', function () {
  this.timeout(600_000);
  let season: FlowSeason;
  let browser: Browser;
  let counted: ReturnType<typeof countOutcomes>;

  before(async function () {
    const missing = chromiumMissing();
    if (missing) {
      console.warn(`    SKIPPED: ${missing}`);
      this.skip();
    }
    // week 0's first request is refused for good: a failed key to clear on the page
    season = await runFlowSeason({ weeks: WEEKS, refuseFirstIn: [0] });
    counted = countOutcomes(season.office, season.weeks, season.feed, season.secret);
    browser = await launchBrowser({ width: 1400, height: 1000 }, { httpCredentials: season.login });
    await browser.page.goto(`${season.red.url}/dashboard/recall`);
    await browser.page.waitForSelector('[data-testid^="conv-90-"]', { timeout: 60_000 });
    await browser.page.waitForSelector('[data-testid^="failed-"]', { timeout: 60_000 });
  });
  after(async () => {
    await browser?.close();
    await season?.stop();
  });

  it('the season went through: every run ok, bookings, opt-outs and a bounce after contact', () => {
    assert.equal(season.weeks.length, WEEKS);
    assert.ok(season.weeks.every((w) => w.summary.ok), 'every run ended well');
    const ninety = counted.figures.find((f) => f.days === 90 && f.segment === 'all')!;
    assert.ok(ninety.contacted >= 20 && ninety.bookedWithin30 >= 5, JSON.stringify(ninety));
    assert.ok(counted.figures.some((f) => f.optedOutAfterContact > 0), 'an opt-out after contact');
    assert.ok(counted.figures.some((f) => f.bounced > 0), 'a bounce after contact');
  });

  it("the page's bookings-after-contact figures equal the independent count", async () => {
    const page = browser.page;
    const shown: CountedFigure[] = [];
    for (const row of await page.locator('[data-testid^="conv-"]').all()) {
      const id = (await row.getAttribute('data-testid'))!; // conv-<days>-<office>-<segment>
      const [, days, office, ...segment] = id.split('-');
      const f: Record<string, unknown> = { office, segment: segment.join('-'), days: Number(days) };
      for (const field of FIELDS) f[field] = number(await row.locator(`td[data-field="${field}"]`).innerText());
      shown.push(f as unknown as CountedFigure);
    }
    const key = (f: CountedFigure) => `${f.days}|${f.office}|${f.segment}`;
    const sort = (xs: CountedFigure[]) => [...xs].sort((a, b) => key(a).localeCompare(key(b)));
    const line = (xs: CountedFigure[]) => xs.filter((f) => f.segment === 'all').map((f) => `${f.days} days: ${f.contacted} contacted, ${f.bookedWithin30} booked within 30 days (${f.conversionPct} %), median ${f.medianDaysToBooking} days, ${f.optedOutAfterContact} opted out, ${f.bounced} bounced`).join('; ');
    // the closing note's figures come from these two lines
    console.log(`      page:              ${line(shown)}`);
    console.log(`      independent count: ${line(counted.figures)}`);
    for (const f of sort(counted.figures).filter((x) => x.segment !== 'all')) console.log(`        ${f.days} days ${f.segment}: ${f.contacted} contacted, ${f.bookedWithin30} booked (${f.conversionPct} %)`);
    assert.deepEqual(sort(shown), sort(counted.figures));
    assert.match(await page.locator('[data-testid="conversion"]').innerText(), new RegExp(`as of ${counted.asOf}`));
  });

  it('the sends chart holds the messages the CRM took per week and segment (the last 12 weeks)', async () => {
    const res = await fetch(`${season.red.url}/dashboard/_debug/datastore/dash-sends-chart`, { headers: { Authorization: season.basic } });
    assert.equal(res.status, 200);
    // the chart keeps one point per week and segment; zero points only fix the series order
    const points = ((await res.json()) as { payload: { week: string; segment: string; sent: number } }[]).map((m) => m.payload).filter((p) => p.sent > 0);
    // the 12 weeks up to the last week with a send
    const all = sendsPerWeek(season.weeks);
    const last = all.map((p) => p.week).sort().at(-1)!;
    const from = new Date(Date.parse(`${last}T00:00:00Z`) - 77 * 86_400_000).toISOString().slice(0, 10);
    const expected = all.filter((p) => p.week >= from);
    assert.ok(expected.length >= 10, `${expected.length} points`);
    const k = (p: { week: string; segment: string }) => `${p.week}|${p.segment}`;
    assert.deepEqual([...points].sort((a, b) => k(a).localeCompare(k(b))), [...expected].sort((a, b) => k(a).localeCompare(k(b))));
    assert.ok(await browser.page.locator('[data-testid="conversion"]').isVisible());
    assert.equal(await browser.page.locator('canvas').count() > 0, true, 'the chart is drawn');
  });

  it('lists the last 10 runs with their health and delivery counts, newest first', async () => {
    const rows = await browser.page.locator('[data-testid="runs"] tbody tr').all();
    assert.equal(rows.length, 10);
    const last = season.weeks.slice(-10).reverse();
    for (let i = 0; i < 10; i++) {
      assert.equal(await rows[i].getAttribute('data-health'), 'green');
      const taken = last[i].requests.filter((r) => r.answer === 200 || r.answer === 201 || r.answer === 202).length;
      assert.equal(number(await rows[i].locator('td[data-field="delivered"]').innerText()), taken, `week ${last[i].week}`);
      assert.ok((await rows[i].innerText()).includes(last[i].asOf));
    }
  });

  it('shows the suppression list by channel and reason as the feed filled it', async () => {
    const text = await browser.page.locator('.nrdb-ui-group', { hasText: 'Suppression list' }).locator('table').innerText();
    const pairs = new Map<string, string>(); // value|channel -> reason, as the list keeps it
    for (const e of season.feed) {
      const channel = ['sms', 'email', 'voice', 'all'].includes(e.channel) ? e.channel : 'all';
      const reason = ['opted-out', 'bad-number', 'bounced-email'].includes(e.reason) ? e.reason : 'opted-out';
      pairs.set(`${e.value}|${channel}`, reason);
    }
    const byGroup = new Map<string, number>();
    for (const [k, reason] of pairs) byGroup.set(`${k.split('|')[1]} ${reason}`, (byGroup.get(`${k.split('|')[1]} ${reason}`) ?? 0) + 1);
    assert.ok(byGroup.size >= 2, JSON.stringify([...byGroup]));
    const flat = text.replace(/\s+/g, ' ');
    for (const [group, n] of byGroup) assert.ok(flat.includes(`${group} ${n}`), `"${group} ${n}" in "${flat}"`);
  });

  it('shows no name, phone or e-mail anywhere on the page', async () => {
    const text = await browser.page.locator('body').innerText();
    for (const p of season.office.patients) {
      for (const value of [p.firstName, p.lastName, p.mobile, p.home, p.email]) {
        if (value) assert.ok(!text.includes(value), `${value} on the page`);
      }
    }
  });

  it('saves a screenshot of the page', async () => {
    const dir = path.join(ROOT, 'test-artifacts');
    fs.mkdirSync(dir, { recursive: true });
    await browser.page.screenshot({ path: path.join(dir, 'dashboard.png'), fullPage: true });
    const extra = process.env.DASHBOARD_SCREENSHOT;
    if (extra) await browser.page.screenshot({ path: path.resolve(ROOT, extra), fullPage: true });
  });

  it('the failed key (the CRM refused it in week 0) is cleared with its button; the ledger has it no more', async () => {
    const failed = await query<{ key: string }>(season.ledgerFile, "SELECT key FROM keys WHERE state = 'failed'");
    assert.equal(failed.length, 1);
    const page = browser.page;
    await page.locator(`[data-testid="clear-${failed[0].key}"]`).click();
    await page.locator(`[data-testid="failed-${failed[0].key}"]`).waitFor({ state: 'detached', timeout: 30_000 });
    assert.match(await page.locator('[data-testid="failed"]').innerText(), /No failed keys/);
    assert.deepEqual(await query(season.ledgerFile, "SELECT key FROM keys WHERE state = 'failed'"), []);
    assert.deepEqual(browser.errors, []);
  });
});
