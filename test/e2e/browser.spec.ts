// The editor in Debian's Chromium: the default flow opens, the pack's nodes are
// in their palette category, every pack node's edit dialog opens and closes,
// Deploy works, and the page logs no error. Leaves a screenshot of the flow.
// At 1280x800 after "zoom to fit" every node of both tabs is on screen and no wire
// runs backwards; the schedule dialog shows the schedule in effect, and a changed
// schedule deploys and fires at its new time.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromiumMissing, launchBrowser, type Browser } from '../support/browser';
import { canvasView, layoutProblems, openNodeDialog, zoomToFit } from '../support/editor-view';
import { wallAt } from '../../nodes/lib/calendar/zone';
import { ROOT } from '../support/paths';
import { startRuntime, type StartedRuntime } from '../support/runtime';

const PACK_TYPES = ['recall-schedule', 'dentrix-odbc-in', 'batch-export-in', 'recall-normalize', 'consent-filter', 'idempotency-gate', 'crm-webhook-out'];
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const NODE_RED_MODULE = process.env.NODE_RED_MODULE || 'node-red';
const OFFICE_TZ = 'Pacific/Auckland';

declare const RED: any; // the editor's global, inside page.evaluate

/** The markdown help of a node type, as shipped (locales/en-US/<type>.html first, else the node's .html). */
function helpSource(type: string): string {
  const files = [path.join(ROOT, 'dist', 'nodes', type, 'locales', 'en-US', `${type}.html`), path.join(ROOT, 'dist', 'nodes', type, `${type}.html`)];
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const m = new RegExp(`<script type="text/markdown" data-help-name="${type}">([\\s\\S]*?)</script>`).exec(fs.readFileSync(file, 'utf8'));
    if (m) return m[1];
  }
  throw new Error(`no help for ${type}`);
}

describe('editor in a real browser (Chromium)', function () {
  this.timeout(180_000);
  let red: StartedRuntime;
  let browser: Browser;
  let flowNodes: { id: string; type: string; name?: string; z?: string }[];

  before(async function () {
    const missing = chromiumMissing();
    if (missing) {
      console.warn(`    SKIPPED: ${missing}`);
      this.skip();
    }
    const watch = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-browser-watch-'));
    // an office far from the machine's zone: the schedule must run on office time
    red = await startRuntime({ env: { RECALL_WATCH_DIR: watch, OFFICE_TZ: OFFICE_TZ } });
    flowNodes = (await red.api<{ flows: typeof flowNodes }>('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' })).flows;
    browser = await launchBrowser();
    // The palette manager fetches the public node catalogue; this machine has no
    // internet, so answer that one request with an empty catalogue.
    await browser.page.route('https://catalogue.nodered.org/**', (route) =>
      route.fulfill({ json: { name: 'offline test catalogue', updated_at: new Date().toISOString(), modules: [] } }),
    );
    await browser.page.goto(red.url, { waitUntil: 'load' });
    // the editor is ready when the flow's nodes are on the canvas
    await browser.page.waitForFunction(() => typeof RED !== 'undefined' && RED.nodes && RED.nodes.node('normalize') && document.querySelector('#red-ui-workspace-chart svg'), undefined, { timeout: 60_000 });
    await browser.page.waitForSelector('.red-ui-flow-node-group', { timeout: 60_000 });
  });

  after(async () => {
    if (browser) await browser.close();
    if (red) await red.stop();
  });

  it('shows the pack node types in the "dental recall" palette category', async () => {
    const types = await browser.page.$$eval('#red-ui-palette-base-category-dental_recall .red-ui-palette-node', (els) => els.map((e) => e.getAttribute('data-palette-type')));
    for (const type of PACK_TYPES) assert.ok(types.includes(type), `${type} in the palette category: ${types}`);
    // labels come from the message catalogs: an unresolved key would show as "<type>.label..."
    const labels = await browser.page.$$eval('#red-ui-palette-base-category-dental_recall .red-ui-palette-label', (els) => els.map((e) => e.textContent!.trim()));
    assert.equal(labels.length, types.length);
    for (const label of labels) assert.ok(label !== '' && !/^[a-z-]+\.[a-z]/.test(label), `palette label "${label}"`);
  });

  it('loads the default flow with every node valid (no red triangle)', async () => {
    const invalid = await browser.page.evaluate(() => {
      const bad: string[] = [];
      RED.nodes.eachNode((n: any) => {
        if (n.valid === false) bad.push(`${n.type} "${n.name || n.id}"`);
      });
      RED.nodes.eachConfig((n: any) => {
        if (n.valid === false) bad.push(`${n.type} "${n.name || n.id}"`);
      });
      return bad;
    });
    assert.deepEqual(invalid, []);
  });

  it('saves a screenshot of the default flow to test-artifacts/default-flow.png', async () => {
    const page = browser.page;
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.evaluate(() => {
      RED.workspaces.show('recall-tab');
      RED.view.select({});
      RED.actions.invoke('core:toggle-sidebar', false);
    });
    await page.waitForTimeout(500); // the sidebar slides away (a picture, not an assertion)
    await page.evaluate(() => document.getElementById('red-ui-workspace-chart')!.scrollTo(0, 0));
    // one picture per Node-RED major when the matrix runs the suite twice
    const file = path.join(ARTIFACTS, NODE_RED_MODULE === 'node-red' ? 'default-flow.png' : `default-flow-${NODE_RED_MODULE}.png`);
    await page.screenshot({ path: file });
    assert.ok(fs.statSync(file).size > 10_000, 'a real picture');
  });

  it('opens and closes the edit dialog of every pack node on the canvas (double-click)', async () => {
    const page = browser.page;
    const ours = flowNodes.filter((n) => PACK_TYPES.includes(n.type) || n.type === 'recall-summary');
    assert.ok(ours.length >= PACK_TYPES.length, 'the default flow holds the pack nodes');
    const opened: string[] = [];
    for (const node of ours) {
      // the node's own form, not an empty tray
      await openNodeDialog(page, node);
      opened.push(`${node.type}:${node.id}`);
      await page.locator('#node-dialog-cancel').click();
      await page.locator('.red-ui-tray').waitFor({ state: 'detached' });
    }
    assert.equal(opened.length, ours.length);
  });

  it('shows no raw message-catalog key in any dialog of the pack (nodes and config nodes) or palette entry', async () => {
    const page = browser.page;
    const CONFIG: Record<string, string> = { 'dentrix-connection': 'cfg-dentrix', 'recall-ledger': 'cfg-ledger', 'crm-endpoint': 'cfg-crm' };
    const types = [...PACK_TYPES, 'recall-summary'];
    // a raw key: "node-red:..." or "<type>.<a top-level key of its catalog>" (e.g. crm-endpoint.dialog.label.url)
    const keyed = [...types, ...Object.keys(CONFIG)].map((t) => {
      const catalog = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'nodes', t, 'locales', 'en-US', `${t}.json`), 'utf8'))[t];
      return `${t}\\.(${Object.keys(catalog).join('|')})\\b`;
    });
    const rawKey = new RegExp(`node-red:|\\b(${keyed.join('|')})`);
    const problems: string[] = [];
    let shown = 0;
    const scan = (where: string) =>
      page.locator('.red-ui-tray').last().evaluate((tray) => {
        const texts: string[] = [];
        const walker = document.createTreeWalker(tray, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const el = walker.currentNode.parentElement;
          if (el && el.offsetParent !== null && el.tagName !== 'SCRIPT' && el.tagName !== 'STYLE' && !el.closest('pre,textarea')) texts.push(walker.currentNode.textContent!.trim());
        }
        tray.querySelectorAll('[placeholder]').forEach((e) => texts.push(e.getAttribute('placeholder')!));
        tray.querySelectorAll('option').forEach((o) => texts.push(o.textContent!));
        // a data-i18n element left empty: its key is missing from the catalog
        const empty = Array.from(tray.querySelectorAll('[data-i18n]'))
          .filter((e) => !e.getAttribute('data-i18n')!.startsWith('[') && e.tagName !== 'INPUT' && e.textContent!.trim() === '')
          .map((e) => e.getAttribute('data-i18n')!);
        return { texts: texts.filter(Boolean), empty };
      }).then((r) => {
        shown += r.texts.length;
        for (const t of r.texts) if (rawKey.test(t)) problems.push(`${where}: shows "${t}"`);
        for (const k of r.empty) problems.push(`${where}: ${k} is empty (not in the catalog)`);
      });
    for (const type of types) {
      const node = flowNodes.find((n) => n.type === type)!;
      assert.ok(node, `the default flow holds a ${type}`);
      await openNodeDialog(page, node);
      await scan(type);
      await page.locator('#node-dialog-cancel').click();
      await page.locator('.red-ui-tray').waitFor({ state: 'detached' });
    }
    for (const [type, id] of Object.entries(CONFIG)) {
      await page.evaluate(([t, i]) => RED.editor.editConfig('', t, i), [type, id]);
      await page.locator('#node-config-dialog-edit-form .form-row').first().waitFor();
      await scan(type);
      await page.locator('#node-config-dialog-cancel').click();
      await page.locator('.red-ui-tray').waitFor({ state: 'detached' });
    }
    const palette = await page.$$eval('#red-ui-palette-base-category-dental_recall .red-ui-palette-node', (els) => els.map((e) => e.textContent!.trim() + ' ' + (e.getAttribute('data-palette-label') ?? '')));
    for (const t of palette) if (rawKey.test(t) || t.trim() === '') problems.push(`palette: "${t}"`);
    console.log(`      ${types.length} node dialogs, ${Object.keys(CONFIG).length} config dialogs, ${palette.length} palette entries: ${shown} texts read`);
    assert.ok(shown > 150, `${shown} texts read`);
    assert.deepEqual(problems, []);
  });

  it('saves every pack node unchanged when its dialog is closed with Done, then deploys an edit', async () => {
    const page = browser.page;
    const ours = flowNodes.filter((n) => PACK_TYPES.includes(n.type) || n.type === 'recall-summary');
    for (const node of ours) {
      await openNodeDialog(page, node);
      const name = node.id === 'consent' ? 'Consent (edited in the browser test)' : undefined;
      if (name) await page.locator('#node-input-name').fill(name);
      await page.locator('#node-dialog-ok').click();
      await page.locator('.red-ui-tray').waitFor({ state: 'detached' });
    }
    await page.locator('#red-ui-header-button-deploy').click();
    // a confirm dialog (invalid or unused config nodes) would stop here: fail on it
    await page.locator('.red-ui-notification:has-text("Successfully deployed")').waitFor({ timeout: 30_000 });
    const after = await red.api<{ flows: typeof flowNodes }>('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
    const byId = new Map(after.flows.map((n) => [n.id, n]));
    for (const node of flowNodes) {
      const now = byId.get(node.id) as Record<string, unknown> | undefined;
      assert.ok(now, `${node.type} ${node.id} still deployed`);
      // a new name makes the node wider; the editor keeps its left edge, so x moves.
      // A group is fitted again around the nodes it holds as this browser draws their
      // labels (node widths go in steps of 20 px): its box may move with the fonts of
      // the machine, everything else of it may not
      const box = (n: Record<string, unknown>) => ({ x: n.x, y: n.y, w: n.w, h: n.h });
      const expected = node.id === 'consent' ? { ...node, name: 'Consent (edited in the browser test)', x: now.x } : node.type === 'group' ? { ...node, ...box(now) } : node;
      assert.deepEqual(now, expected, `${node.type} "${node.name ?? node.id}" came back from the editor as it went in`);
    }
    assert.equal(after.flows.length, flowNodes.length);
  });

  it('shows sidebar help for every pack node: Inputs, Outputs, Details, an example, every message property listed', async () => {
    const page = browser.page;
    const problems: string[] = [];
    for (const type of [...PACK_TYPES, 'recall-summary']) {
      const source = helpSource(type);
      const firstLine = source.split('\n').find((l) => l.trim() !== '')!.trim();
      const listed = source.split('\n').filter((l) => /^:\s*\S.*\(.+\)\s*:/.test(l)).length;
      await page.evaluate((t) => {
        RED.actions.invoke('core:toggle-sidebar', true); // the screenshot hid it
        RED.sidebar.help.show(t);
      }, type);
      const help = page.locator('.red-ui-sidebar-help-stack .red-ui-help .red-ui-help');
      await help.filter({ hasText: firstLine.replace(/[`*_]/g, '').slice(0, 30) }).waitFor();
      const seen = await help.evaluate((el) => ({
        headings: Array.from(el.querySelectorAll('h3'), (h) => h.textContent!.trim()),
        inList: el.querySelectorAll('dl.message-properties > dt').length,
        all: el.querySelectorAll('dt').length,
        text: el.textContent ?? '',
      }));
      for (const h of ['Inputs', 'Outputs', 'Details']) if (!seen.headings.includes(h)) problems.push(`${type}: no "${h}" section (has ${seen.headings.join(', ')})`);
      if (!/example/i.test(seen.text)) problems.push(`${type}: no example`);
      // a colon inside a property's description ends Node-RED's property list early
      if (seen.inList !== listed || seen.all !== listed) problems.push(`${type}: ${listed} message properties in the help source, ${seen.inList} rendered in a property list, ${seen.all} in all (a ':' inside a description breaks the list)`);
    }
    assert.deepEqual(problems, []);
  });

  it('marks a misconfigured pack node red on the canvas, and clears it when fixed', async () => {
    const page = browser.page;
    const bad: [string, Record<string, unknown>][] = [
      ['odbc', { sql: 'DELETE FROM patient' }],
      ['exports', { stableMs: 'soon' }],
      ['normalize', { region: 'USA' }],
      ['consent', { pullTimeout: '0' }],
      ['reserve', { mode: 'maybe', modeType: 'mode' }],
      ['crm', { dryRun: 'perhaps', dryRunType: 'bool' }],
      ['summary', { healthUrl: 'hc-ping.com/abc', healthUrlType: 'str' }],
    ];
    const result = await page.evaluate(async (cases) => {
      const out: Record<string, { badValid: boolean; badge: boolean; fixedValid: boolean; badgeAfter: boolean }> = {};
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      for (const [id, props] of cases) {
        const node = RED.nodes.node(id);
        const saved: Record<string, unknown> = {};
        for (const k of Object.keys(props)) saved[k] = node[k];
        const check = async () => {
          RED.editor.validateNode(node);
          node.dirty = true;
          RED.view.redraw(true);
          await frame();
          return { valid: node.valid, badge: document.querySelectorAll(`[id="${id}"] .red-ui-flow-node-error:not(.hide)`).length > 0 };
        };
        RED.workspaces.show(node.z);
        Object.assign(node, props);
        const broken = await check();
        Object.assign(node, saved);
        const fixed = await check();
        out[id] = { badValid: broken.valid, badge: broken.badge, fixedValid: fixed.valid, badgeAfter: fixed.badge };
      }
      return out;
    }, bad);
    for (const [id] of bad) {
      assert.deepEqual(result[id], { badValid: false, badge: true, fixedValid: true, badgeAfter: false }, `${id}: ${JSON.stringify(result[id])}`);
    }
  });

  it('shows every node of both tabs at 1280x800 after "zoom to fit", with no wire running backwards', async () => {
    const page = browser.page;
    await page.setViewportSize({ width: 1280, height: 800 });
    try {
      await page.evaluate(() => RED.actions.invoke('core:toggle-sidebar', true)); // as a person first sees it
      const problems: string[] = [];
      for (const tab of ['recall-tab', 'ledger-tab']) {
        await zoomToFit(page, tab);
        const view = await canvasView(page);
        assert.ok(view.nodes.length >= (tab === 'recall-tab' ? 25 : 15), `${tab}: ${view.nodes.length} nodes`);
        assert.ok(view.wires.length >= view.nodes.length / 2, `${tab}: ${view.wires.length} wires`);
        const back = Math.max(0, ...view.wires.map((w) => w.x1 - w.x2));
        console.log(`      ${tab}: ${view.nodes.length} nodes, ${view.wires.length} wires at zoom ${view.scale.toFixed(2)} in a ${Math.round(view.viewport.right - view.viewport.left)}x${Math.round(view.viewport.bottom - view.viewport.top)} canvas; largest right-to-left wire ${Math.round(back)} px`);
        problems.push(...layoutProblems(view).map((p) => `${tab}: ${p}`));
      }
      assert.deepEqual(problems, []);
    } finally {
      await page.setViewportSize({ width: 1920, height: 1080 });
    }
  });

  it('shows the schedule in effect in the schedule dialog; a changed time deploys and fires then', async function () {
    this.timeout(240_000);
    const page = browser.page;
    await openNodeDialog(page, { id: 'schedule', z: 'recall-tab' });
    const effect = page.locator('#recall-schedule-effective');
    await effect.filter({ hasText: 'Next run' }).waitFor();
    const shown = (await effect.textContent())!;
    assert.match(shown, /In effect \(set here\):/);
    assert.ok(shown.includes(`Mon–Fri at 08:00, 10:00, 12:00, 14:00, 16:00 (${OFFICE_TZ})`), shown);
    assert.deepEqual(await page.$$eval('#recall-schedule-days input:checked', (els) => els.map((e) => (e as HTMLInputElement).value)), ['1', '2', '3', '4', '5']);

    // a time 40 s ahead on the office's clock, on the office's weekday then
    const at = Math.ceil((Date.now() + 40_000) / 1000) * 1000;
    const w = wallAt(at, OFFICE_TZ);
    const p2 = (n: number) => String(n).padStart(2, '0');
    const time = `${p2(w.hour)}:${p2(w.minute)}:${p2(w.second)}`;
    const weekday = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
    const box = page.locator(`#recall-schedule-day-${weekday}`);
    if (!(await box.isChecked())) await box.check();
    await page.locator('#node-input-times').fill(time);
    const dayName = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][weekday];
    // a loaded machine answers the preview slowly: wait as long as the deploy below may take
    await effect.filter({ hasText: `Next run: ${dayName} ${time} (${OFFICE_TZ})` }).waitFor({ timeout: 60_000 });
    await page.locator('#node-dialog-ok').click();
    await page.locator('.red-ui-tray').waitFor({ state: 'detached' });
    const from = red.output().length;
    await page.locator('#red-ui-header-button-deploy').click();
    // this deploy, not an earlier one's notification: the editor has nothing left to deploy
    await page.waitForFunction(() => !RED.nodes.dirty(), undefined, { timeout: 30_000 });
    const deployed = (await red.api<{ flows: { id: string; times?: string; days?: string }[] }>('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' })).flows.find((n) => n.id === 'schedule')!;
    assert.equal(deployed.times, time);
    // the node fires at that time (its log line), and its status says so, in office time
    await red.waitForOutput(/\[recall-schedule:Recall schedule\] run started \(scheduled\)/, from, 120_000);
    assert.ok(Date.now() >= at, `fired at ${new Date().toISOString()}, set for ${new Date(at).toISOString()}`);
    await page.locator('[id="schedule"] .red-ui-flow-node-status-label', { hasText: `ran ${dayName} ${time}, next` }).waitFor({ timeout: 30_000 });
  });

  it('says in the schedule dialog when RECALL_SCHEDULE overrides it (here set on the tab, as a fleet would)', async () => {
    const page = browser.page;
    const deploy = async () => {
      await page.locator('#red-ui-header-button-deploy').click();
      await page.waitForFunction(() => !RED.nodes.dirty(), undefined, { timeout: 30_000 });
    };
    await page.evaluate(() => {
      const tab = RED.nodes.workspace('recall-tab');
      tab.env = [...(tab.env || []).filter((e: any) => e.name !== 'RECALL_SCHEDULE'), { name: 'RECALL_SCHEDULE', value: '0 7 * * 1-5', type: 'str' }];
      tab.changed = true;
      RED.nodes.dirty(true);
    });
    await deploy();
    await openNodeDialog(page, { id: 'schedule', z: 'recall-tab' });
    const effect = page.locator('#recall-schedule-effective');
    await effect.filter({ hasText: 'overrides' }).waitFor();
    const shown = (await effect.textContent())!;
    assert.ok(shown.includes('RECALL_SCHEDULE is set to "0 7 * * 1-5" and overrides the days and times below'), shown);
    assert.ok(shown.includes(`Mon–Fri at 07:00 (${OFFICE_TZ})`), shown);
    assert.match(shown, /Next run: (Mon|Tue|Wed|Thu|Fri) 07:00/);
    await page.locator('#node-dialog-cancel').click();
    await page.locator('.red-ui-tray').waitFor({ state: 'detached' });
    await page.locator('[id="schedule"] .red-ui-flow-node-status-label', { hasText: '(RECALL_SCHEDULE)' }).waitFor({ timeout: 30_000 });
    await page.evaluate(() => {
      const tab = RED.nodes.workspace('recall-tab');
      tab.env = (tab.env || []).filter((e: any) => e.name !== 'RECALL_SCHEDULE');
      tab.changed = true;
      RED.nodes.dirty(true);
    });
    await deploy();
  });

  it('logged no console error and no page error', () => {
    assert.deepEqual(browser.errors, []);
  });
});
