// `npm start` for real: flows/start.js in a child process, checked through the admin API.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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
