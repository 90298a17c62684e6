// A season: 26 weekly runs of an office of 50+ patients in households through the pack's
// nodes in a real Node-RED runtime, with a real ledger file, the CRM test server and a
// suppression feed (test/support/season). An oracle written apart from the nodes judges
// every run: nobody due is missed, no suppressed channel is used, no recall row is sent
// twice, no phone or e-mail gets two messages in a run, nobody booked is contacted.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addDays } from '../support/season/office';
import { figuresLine, judgeSeason, type SeasonFigures } from '../support/season/oracle';
import { reachedBy, runSeason, SEASON_OFFICE, type SeasonResult } from '../support/season/run-season';

const WEEKS = 26;

describe('a season of weekly runs (real runtime, ledger, CRM and feed servers)', function () {
  this.timeout(180_000);
  let season: SeasonResult;
  let figures: SeasonFigures;

  before(async () => {
    season = await runSeason({ weeks: WEEKS });
    figures = judgeSeason(season.weeks, SEASON_OFFICE, season.secret);
    // the figures of the closing note come from this line
    console.log(`      season figures: ${figuresLine(figures)}`);
  });
  after(() => {
    if (season) fs.rmSync(path.dirname(season.ledgerFile), { recursive: true, force: true });
  });

  it('the office lived through what a real one does', () => {
    const o = season.office;
    assert.equal(season.weeks.length, WEEKS);
    assert.ok(figures.patients >= 50, `${figures.patients} patients`);
    assert.ok(season.weeks.every((w) => w.summary.ok), 'every run ended well');
    const afterMessage = season.bookings.filter((b) => b.afterWeek !== undefined);
    assert.ok(afterMessage.length >= 10, `${afterMessage.length} bookings after a message`);
    assert.ok(afterMessage.every((b) => b.bookedOn > o.asOf(b.afterWeek!)), 'bookings come after the message');
    const stops = o.feed.filter((e) => e.channel === 'sms' && e.reason === 'opted-out');
    assert.ok(stops.length >= 1, 'a STOP reply reached the feed');
    assert.ok(o.feed.some((e) => e.reason === 'bounced-email'), 'a bounce reached the feed');
    assert.ok(o.feed.some((e) => e.reason === 'dnd'), "a do-not-disturb in the CRM's own words reached the feed");
    assert.ok(season.weeks[WEEKS - 1].rows.some((r) => r.status === '3'), 'a patient went inactive');
    assert.ok(new Set(season.weeks[WEEKS - 1].rows.map((r) => r.patient_id)).size > new Set(season.weeks[0].rows.map((r) => r.patient_id)).size, 'new patients');
    // visits moved due dates forward
    const first = new Map(season.weeks[0].rows.map((r) => [`${r.patient_id} ${r.recall_type}`, String(r.due_date)]));
    const moved = season.weeks[WEEKS - 1].rows.filter((r) => first.has(`${r.patient_id} ${r.recall_type}`) && String(r.due_date) > addDays(first.get(`${r.patient_id} ${r.recall_type}`)!, 90));
    assert.ok(moved.length >= 10, `${moved.length} recalls moved on by a visit`);
  });

  it('households whose members fall due at different times: each is reached when due, in its own week', () => {
    const o = season.office;
    const grandma = o.patients.find((p) => p.id === o.roles.grandma)!;
    const family = o.patients.filter((p) => p.householdId === grandma.id).map((p) => p.id);
    const weeksReached = new Map<string, number[]>();
    season.weeks.forEach((w) => {
      for (const r of reachedBy(o, w.requests)) if (family.includes(r.patientId)) weeksReached.set(r.patientId, [...(weeksReached.get(r.patientId) ?? []), w.week]);
    });
    assert.equal(weeksReached.size, 3, `every member reached: ${JSON.stringify([...weeksReached])}`);
    const firstWeek = family.map((id) => Math.min(...weeksReached.get(id)!));
    assert.ok(new Set(firstWeek).size >= 2, `members due at different times are reached in different weeks: ${firstWeek}`);
  });

  it('one patient with a stale and a current recall row: the current one is sent, the stale one listed on it once', () => {
    const o = season.office;
    const sent = season.requests.map((r) => r.json as any).filter((b) => b.contactKey && reachedBy(o, [{ json: b } as never])[0]?.patientId === o.roles.stale);
    assert.ok(sent.length >= 1);
    assert.equal(sent[0].recallType, 'PROPHY');
    const listed = sent.flatMap((b) => (b.otherRecalls ?? []).filter((x: any) => x.recallType === 'FMX'));
    assert.equal(listed.length, 1, JSON.stringify(sent));
  });

  it('the oracle finds no miss, no suppressed send, no repeat, no same-run duplicate, no appointment leak', () => {
    assert.ok(figures.due >= 80, `${figures.due} due rows over the season`);
    const bad = { misses: figures.misses, suppressedSends: figures.suppressedSends, repeats: figures.repeats, sameRunDuplicates: figures.sameRunDuplicates, appointmentLeaks: figures.appointmentLeaks };
    assert.deepEqual(bad, { misses: 0, suppressedSends: 0, repeats: 0, sameRunDuplicates: 0, appointmentLeaks: 0 }, figures.findings.slice(0, 40).join('\n'));
  });
});
