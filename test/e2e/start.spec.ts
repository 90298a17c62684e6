// `npm start` for real: flows/start.js in a child process, checked through the admin API.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DENTRIX_CONTINUING_CARE, EDITOR_TEMPLATES } from '../../nodes/lib/export/template';
import { DENTRIX_G_RECALL_PRESET, DENTRIX_G_RECALL_SQL } from '../../nodes/lib/presets/dentrix-g-query';
import { ROOT } from '../support/paths';
import { startRuntime, type StartedRuntime } from '../support/runtime';

const NODE_TYPES = ['dentrix-odbc-in', 'batch-export-in', 'recall-normalize', 'idempotency-gate', 'consent-filter', 'crm-webhook-out'];

interface NodeSetInfo { module: string; types: string[]; enabled: boolean; err?: string }

describe('npm start (a real Node-RED runtime with the default flow)', function () {
  this.timeout(120_000);

  describe('demo mode (RECALL_WATCH_DIR not set)', () => {
    let red: StartedRuntime;
    before(async () => {
      red = await startRuntime({ env: { RECALL_WATCH_DIR: '' } });
    });
    after(async () => red && (await red.stop()));

    it('runs the Node-RED under test from this checkout', () => {
      const major = process.env.NODE_RED_MODULE === 'node-red-5' ? 5 : 4;
      assert.match(red.output(), new RegExp(`Node-RED version: v${major}\\.`));
    });

    it('binds the editor to 127.0.0.1 only', () => {
      assert.match(red.output(), /Server now running at http:\/\/127\.0\.0\.1:\d+\//);
    });

    it('lists the six node types of the pack, enabled and without errors', async () => {
      const sets = await red.api<NodeSetInfo[]>('GET', '/nodes');
      const ours = sets.filter((s) => s.module === 'node-red-contrib-dentrix-recall');
      for (const set of ours) assert.equal(set.err, undefined, `${set.types}: ${set.err}`);
      const types = ours.flatMap((s) => s.types);
      for (const type of NODE_TYPES) assert.ok(types.includes(type), `${type} is registered`);
      assert.ok(ours.every((s) => s.enabled));
    });

    it('hands the runtime\'s preset SQL to the editor (RED.settings), where the dialog\'s preset button reads it', async () => {
      const settings = await red.api<{ dentrixOdbcInPresets?: Record<string, string> }>('GET', '/settings');
      assert.equal(settings.dentrixOdbcInPresets?.[DENTRIX_G_RECALL_PRESET], DENTRIX_G_RECALL_SQL);
      const html = fs.readFileSync(path.join(ROOT, 'nodes', 'dentrix-odbc-in', 'dentrix-odbc-in.html'), 'utf8');
      assert.match(html, /RED\.settings\.dentrixOdbcInPresets/);
      assert.doesNotMatch(html, /COALESCE\(a\.broken/, 'no copy of the SQL in the dialog');
    });

    it('hands the export preset\'s columns and the column-key rule to the editor (RED.settings)', async () => {
      const settings = await red.api<{ batchExportInTemplates?: typeof EDITOR_TEMPLATES }>('GET', '/settings');
      assert.deepEqual(settings.batchExportInTemplates?.presetColumns, DENTRIX_CONTINUING_CARE.columns);
      assert.deepEqual(settings.batchExportInTemplates, JSON.parse(JSON.stringify(EDITOR_TEMPLATES)));
      const key = new RegExp(settings.batchExportInTemplates!.keyPattern);
      assert.deepEqual(['chart', 'due_date', '1st', 'a-b'].map((k) => key.test(k)), [true, true, false, false]);
      const html = fs.readFileSync(path.join(ROOT, 'nodes', 'batch-export-in', 'batch-export-in.html'), 'utf8');
      assert.match(html, /RED\.settings\.batchExportInTemplates/);
      assert.doesNotMatch(html, /Prior Treat\./, 'no copy of the preset columns in the dialog');
    });

    it('installed the default flow, which holds all six node types', async () => {
      const { flows } = await red.api<{ flows: { type: string }[] }>('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
      const types = new Set(flows.map((n) => n.type));
      for (const type of NODE_TYPES) assert.ok(types.has(type), `${type} in the default flow`);
      assert.ok(fs.existsSync(path.join(red.userDir, 'flows.json')));
    });

    it('placed a synthetic demo export in the default watch folder', () => {
      const inbox = path.join(red.userDir, 'recall-inbox');
      const seen = fs.readdirSync(inbox, { recursive: true }).map(String);
      assert.ok(seen.some((f) => /demo-continuing-care-\d+\.csv$/.test(f)), `demo export in ${inbox}: ${seen}`);
    });

    it('warns loudly that the demo credential secret is in use only when it is', () => {
      assert.doesNotMatch(red.output(), /NODE_RED_CREDENTIAL_SECRET is not set/);
      assert.match(red.output(), /WARNING: RECALL_LEDGER_SECRET is not set/);
    });
  });

  describe('with RECALL_WATCH_DIR set', () => {
    let red: StartedRuntime;
    let watchDir: string;
    before(async () => {
      watchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-watch-'));
      red = await startRuntime({ env: { RECALL_WATCH_DIR: watchDir, NODE_RED_CREDENTIAL_SECRET: '' } });
    });
    after(async () => red && (await red.stop()));

    it('puts nothing in the watched folder', () => {
      const files = fs.readdirSync(watchDir, { recursive: true }).map(String).filter((f) => f.endsWith('.csv'));
      assert.deepEqual(files, []);
    });

    it('warns loudly when the demo credential secret is used', () => {
      assert.match(red.output(), /WARNING: NODE_RED_CREDENTIAL_SECRET is not set/);
    });
  });
});

/** flows/start.js in a child process until it exits by itself: its exit code and output. */
function runStart(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-refuse-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'flows', 'start.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', RECALL_USER_DIR: userDir, NODE_RED_CREDENTIAL_SECRET: '', NODE_RED_ADMIN_PASSWORD_HASH: '', RECALL_LEDGER_SECRET: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve) => child.once('exit', (code) => (running.delete(child), resolve({ code, out }))));
}
const running = new Set<ChildProcess>();

describe('a live run (RECALL_DRY_RUN=false) without a login or with a demo secret does not start', function () {
  this.timeout(60_000);
  // on the old code Node-RED starts and never exits: the test times out and the child is killed here
  afterEach(() => running.forEach((c) => c.kill('SIGKILL')));
  const watch = () => fs.mkdtempSync(path.join(os.tmpdir(), 'recall-refuse-watch-'));
  const REAL = { NODE_RED_CREDENTIAL_SECRET: 'a-real-credential-secret', RECALL_LEDGER_SECRET: 'a-real-ledger-secret', NODE_RED_ADMIN_PASSWORD_HASH: '$2a$08$abcdefghijklmnopqrstuuJ0Sx8oQ0r6ZJ4Qn5m3wq2b8vJj2e1Wm' };

  it('no admin login: exits 1 naming NODE_RED_ADMIN_PASSWORD_HASH and how to make one', async () => {
    const { code, out } = await runStart({ ...REAL, NODE_RED_ADMIN_PASSWORD_HASH: '', RECALL_WATCH_DIR: watch(), RECALL_DRY_RUN: 'false' });
    assert.equal(code, 1, out);
    assert.match(out, /NOT STARTED/);
    assert.match(out, /NODE_RED_ADMIN_PASSWORD_HASH is not set.*hash-pw/);
    assert.doesNotMatch(out, /RECALL_LEDGER_SECRET|NODE_RED_CREDENTIAL_SECRET/);
    assert.doesNotMatch(out, /Started flows/);
  });

  it('the demo ledger secret (unset, or set to the published value): exits 1 naming RECALL_LEDGER_SECRET', async () => {
    for (const secret of ['', 'demo-ledger-secret-change-me']) {
      const { code, out } = await runStart({ ...REAL, RECALL_LEDGER_SECRET: secret, RECALL_WATCH_DIR: watch(), RECALL_DRY_RUN: 'off' });
      assert.equal(code, 1, out);
      assert.match(out, /RECALL_LEDGER_SECRET is not set or is the public demo secret/);
    }
  });

  it('the demo credential secret: exits 1 naming NODE_RED_CREDENTIAL_SECRET', async () => {
    const { code, out } = await runStart({ ...REAL, NODE_RED_CREDENTIAL_SECRET: 'demo-credential-secret-change-me', RECALL_WATCH_DIR: watch(), RECALL_DRY_RUN: 'false' });
    assert.equal(code, 1, out);
    assert.match(out, /NODE_RED_CREDENTIAL_SECRET is not set or is the public demo secret/);
  });

  it('node-red --settings flows/settings.js (without start.js) refuses the same', () => {
    const settings = path.join(ROOT, 'flows', 'settings.js');
    const env = { ...process.env, ...REAL, NODE_RED_ADMIN_PASSWORD_HASH: '', RECALL_WATCH_DIR: watch(), RECALL_DRY_RUN: 'false', RECALL_USER_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'recall-refuse-')) };
    const res = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(settings)})`], { env, encoding: 'utf8' });
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /NODE_RED_ADMIN_PASSWORD_HASH is not set/);
  });
});
