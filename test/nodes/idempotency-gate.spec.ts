// idempotency-gate in a real Node-RED runtime (test helper) with the real recall-ledger
// config node, its credentials, and a real SQLite file.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeliveryResult, RecallContact } from '../../nodes/lib/types';
import { helper, NODE_RED_MODULE, useHelper } from '../support/helper';
import { nodeModule, ROOT } from '../support/paths';
import { contact } from '../lib/ledger/contacts';
import { query } from '../lib/ledger/inspect';
import { removeTempDirs, sleep, tempDir } from '../lib/ledger/tmp';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const coreNode = (rel: string) => require(path.join(path.dirname(require.resolve(`${NODE_RED_MODULE}/package.json`)), '..', '@node-red', 'nodes', 'core', rel));
const ledgerNode = nodeModule('recall-ledger');
const gateNode = nodeModule('idempotency-gate');
const CREDS = { L: { secret: 'gate-node-secret' } };

function flow(file: string, reserve: Record<string, unknown> = {}, commit: Record<string, unknown> = {}): any[] {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'L', type: 'recall-ledger', z: 'f1', file, secretEnv: '' },
    { id: 'gate-reserve', type: 'idempotency-gate', z: 'f1', ledger: 'L', mode: 'reserve', modeType: 'mode', leaseMinutes: '15', dryRun: 'false', wires: [['sent'], ['held']], ...reserve },
    { id: 'gate-commit', type: 'idempotency-gate', z: 'f1', ledger: 'L', mode: 'commit', modeType: 'mode', dryRun: 'false', wires: [['summary'], []], ...commit },
    { id: 'sent', type: 'helper', z: 'f1' },
    { id: 'held', type: 'helper', z: 'f1' },
    { id: 'summary', type: 'helper', z: 'f1' },
    { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ];
}

const runMsg = (contacts: RecallContact[], extra: Record<string, unknown> = {}) => ({
  payload: contacts,
  recall: { runId: `run-${Math.random()}`, office: 'NORTH', source: 'export', counts: { 'not-due': 2 }, ...extra },
});
const next = (id: string): Promise<any> => new Promise((resolve) => helper.getNode(id).once('input', resolve));
const delivered = (c: RecallContact): DeliveryResult => ({ key: c.key!, patientId: c.patientId, outcome: 'delivered', status: 200, attempts: 1 });

describe('idempotency-gate node', function () {
  let file: string;
  useHelper();
  beforeEach(() => {
    file = path.join(tempDir(), 'ledger', 'recall.db');
  });
  afterEach(() => {
    delete process.env.TEST_DRY_RUN;
    removeTempDirs();
  });

  async function reserve(contacts: RecallContact[], extra: Record<string, unknown> = {}): Promise<any> {
    const out = next('sent');
    helper.getNode('gate-reserve').receive(runMsg(contacts, extra));
    return out;
  }

  it('reserve -> sink results -> commit; the same input again sends nothing and lists them on output 2', async () => {
    await helper.load([ledgerNode, gateNode], flow(file), CREDS);
    const batch = [contact(0), contact(1), contact(2)];
    const first = await reserve(batch);
    assert.equal(first.payload.length, 3);
    assert.ok(first.payload.every((c: RecallContact) => /^[0-9a-f]{64}$/.test(c.key!)));
    assert.equal(first.recall.ledger.node, 'L');
    assert.equal(first.recall.ledger.leaseMs, 15 * 60_000);
    assert.ok(Date.parse(first.recall.ledger.leaseUntil) > Date.now());
    assert.equal(first.recall.counts.reserved, 3);
    assert.equal(first.recall.counts['not-due'], 2);

    const results: DeliveryResult[] = [delivered(first.payload[0]), delivered(first.payload[1]), { key: first.payload[2].key, patientId: 'P1002', outcome: 'failed', status: 422, attempts: 1, error: 'HTTP 422 rejected' }];
    const summaryOut = next('summary');
    helper.getNode('gate-commit').receive({ payload: results, recall: first.recall });
    const summary = await summaryOut;
    assert.deepEqual(summary.payload, results);
    const s = summary.recall['idempotency-gate'];
    assert.deepEqual([s.mode, s.sent, s.failed, s.released], ['commit', 2, 1, 0]);
    assert.equal(summary.recall.counts['marked-sent'], 2);

    const heldOut = next('held');
    const second = await reserve(batch);
    const held = await heldOut;
    assert.deepEqual(second.payload, []);
    assert.deepEqual(held.payload.map((c: RecallContact) => [c.patientId, c.ledgerState]), [['P1000', 'sent'], ['P1001', 'sent'], ['P1002', 'failed']]);
    assert.deepEqual((await query<{ state: string; n: number }>(file, 'SELECT state, count(*) AS n FROM keys GROUP BY state ORDER BY state')), [{ state: 'failed', n: 1 }, { state: 'sent', n: 2 }]);
  });

  it('observe: a left-out record with an appointment marks the contacted key booked on the run\'s office date', async () => {
    const f = flow(file);
    f.push({ id: 'gate-observe', type: 'idempotency-gate', z: 'f1', ledger: 'L', mode: 'observe', modeType: 'mode', dryRun: 'false', wires: [['observed'], []] }, { id: 'observed', type: 'helper', z: 'f1' });
    await helper.load([ledgerNode, gateNode], f, CREDS);
    const first = await reserve([contact(0), contact(1)], { asOf: '2026-11-20' });
    const done = next('summary');
    helper.getNode('gate-commit').receive({ payload: first.payload.map(delivered), recall: first.recall });
    await done;
    const seen = next('observed');
    const later = [{ reason: 'has-appointment', office: 'NORTH', patientId: 'P1000', contact: contact(0, { hasFutureAppointment: true }) }, contact(1)];
    helper.getNode('gate-observe').receive({ payload: later, recall: { runId: 'r2', office: 'NORTH', source: 'export', counts: {}, asOf: '2026-11-27' } });
    const out = await seen;
    assert.deepEqual(out.payload, { mode: 'observe', records: 2, sightings: 2, booked: 1 });
    const rows = await query<{ booked_on: string | null; contacted_on: string }>(file, 'SELECT booked_on, contacted_on FROM keys ORDER BY booked_on');
    assert.deepEqual(rows.map((r) => [r.contacted_on, r.booked_on]), [['2026-11-20', null], ['2026-11-20', '2026-11-27']]);
    // the next commit reports the figures in msg.recall.outcomes, as of its run's office date
    const after = next('summary');
    helper.getNode('gate-commit').receive({ payload: [], recall: { runId: 'r2', office: 'NORTH', source: 'export', counts: {}, asOf: '2026-11-27' } });
    const o = (await after).recall.outcomes;
    assert.equal(o.asOf, '2026-11-27');
    const fig = o.figures.find((x: any) => x.days === 30 && x.segment === 'due-now');
    assert.deepEqual([fig.office, fig.contacted, fig.bookedWithin30, fig.conversionPct, fig.medianDaysToBooking], ['NORTH', 2, 1, 50, 7]);
  });

  it('a crash before commit: with a short lease the next run reserves the same keys again', async () => {
    await helper.load([ledgerNode, gateNode], flow(file, { leaseMinutes: '1' }), CREDS);
    const first = await reserve([contact(0)]);
    // run died before commit; make the lease run out (as 1 minute would)
    await query(file, 'UPDATE keys SET lease_until = ?', [new Date(Date.now() - 1000).toISOString()]);
    const again = await reserve([contact(0)]);
    assert.equal(again.payload[0].key, first.payload[0].key);
    assert.equal((await query<{ attempts: number }>(file, 'SELECT attempts FROM keys'))[0].attempts, 2);
  });

  for (const [label, env] of [['true', 'true'], ['unset (dry-run by default, like the sink)', undefined]] as const) {
  it(`dry-run from its setting, \${TEST_DRY_RUN} ${label}: keys set, nothing reserved, msg.recall.dryRun set`, async () => {
    if (env !== undefined) process.env.TEST_DRY_RUN = env;
    await helper.load([ledgerNode, gateNode], flow(file, { dryRun: '${TEST_DRY_RUN}' }), CREDS);
    const out = await reserve([contact(0), contact(1)]);
    assert.equal(out.payload.length, 2);
    assert.ok(out.payload.every((c: RecallContact) => c.key));
    assert.equal(out.recall.dryRun, true);
    assert.equal(out.recall.ledger.leaseUntil, null);
    assert.equal(out.recall.counts['would-reserve'], 2);
    assert.equal((await query(file, 'SELECT * FROM keys')).length, 0);
  });
  }

  it('live with ${TEST_DRY_RUN}=false', async () => {
    process.env.TEST_DRY_RUN = 'false';
    await helper.load([ledgerNode, gateNode], flow(file, { dryRun: '${TEST_DRY_RUN}' }), CREDS);
    const out = await reserve([contact(0)]);
    assert.equal(out.recall.dryRun, undefined);
    assert.equal((await query(file, "SELECT * FROM keys WHERE state = 'reserved'")).length, 1);
  });

  it('dry-run from msg.recall.dryRun: the sink\'s dry-run results leave the ledger alone at commit', async () => {
    await helper.load([ledgerNode, gateNode], flow(file), CREDS);
    const out = await reserve([contact(0)], { dryRun: true });
    const summaryOut = next('summary');
    helper.getNode('gate-commit').receive({ payload: [{ ...delivered(out.payload[0]), outcome: 'dry-run' }], recall: out.recall });
    const s = (await summaryOut).recall['idempotency-gate'];
    assert.deepEqual([s.dryRun, s.sent, s.ignored], [true, 0, 1]);
    assert.equal((await query(file, 'SELECT * FROM keys')).length, 0);
  });

  it('dry-run still holds back contacts already sent (read-only check)', async () => {
    await helper.load([ledgerNode, gateNode], flow(file), CREDS);
    const live = await reserve([contact(0)]);
    const done = next('summary');
    helper.getNode('gate-commit').receive({ payload: [delivered(live.payload[0])], recall: live.recall });
    await done;
    const heldOut = next('held');
    const dry = await reserve([contact(0), contact(1)], { dryRun: true });
    assert.deepEqual(dry.payload.map((c: RecallContact) => c.patientId), ['P1001']);
    assert.equal((await heldOut).payload[0].ledgerState, 'sent');
  });

  it('a message without msg.recall gets run metadata with the contacts\' real source (an ODBC run stays one)', async () => {
    await helper.load([ledgerNode, gateNode], flow(file), CREDS);
    const out = next('sent');
    helper.getNode('gate-reserve').receive({ payload: [contact(0, { source: 'odbc' })] });
    const msg = await out;
    assert.equal(msg.recall.source, 'odbc');
    assert.match(msg.recall.runId, /^[0-9a-f-]{36}$/);
    assert.equal(msg.recall.counts.reserved, 1);
  });

  it('takes the mode from a message property', async () => {
    await helper.load([ledgerNode, gateNode], flow(file, { mode: 'gateMode', modeType: 'msg' }), CREDS);
    const out = next('sent');
    helper.getNode('gate-reserve').receive({ ...runMsg([contact(0)]), gateMode: 'reserve' });
    const msg = await out;
    assert.equal(msg.recall['idempotency-gate'].mode, 'reserve');
    assert.equal((await query(file, "SELECT * FROM keys WHERE state = 'reserved'")).length, 1);
  });

  it('an unknown mode or a malformed result reaches Catch with a message naming it', async () => {
    await helper.load([ledgerNode, gateNode], flow(file, { mode: 'gateMode', modeType: 'msg' }), CREDS);
    let caught = next('caught');
    helper.getNode('gate-reserve').receive({ ...runMsg([contact(0)]), gateMode: 'publish' });
    assert.match((await caught).error.message, /mode must be reserve, commit or observe, got "publish"/);

    caught = next('caught');
    helper.getNode('gate-commit').receive({ payload: [{ key: 'k', outcome: 'delivered' }, { outcome: 'delivered' }], recall: runMsg([]).recall });
    const err = await caught;
    assert.match(err.error.message, /delivery result 2 has no key/);
    assert.equal(err.error.source.id, 'gate-commit');
    assert.equal(fs.existsSync(file), false, 'the ledger was not even opened');
  });

  it('the ledger folder moved away mid-run: commit reaches Catch naming the file, nothing marked sent', async () => {
    await helper.load([ledgerNode, gateNode], flow(file), CREDS);
    const out = await reserve([contact(0), contact(1)]);
    const moved = path.join(path.dirname(path.dirname(file)), 'moved');
    fs.renameSync(path.dirname(file), moved);
    const caught = next('caught');
    helper.getNode('gate-commit').receive({ payload: out.payload.map(delivered), recall: out.recall });
    const err = await caught;
    assert.ok(err.error.message.includes(file), err.error.message);
    await sleep(0);
    const states = await query<{ state: string }>(path.join(moved, 'recall.db'), 'SELECT state FROM keys');
    assert.deepEqual(states.map((s) => s.state), ['reserved', 'reserved']);
  });

  it('the example flow runs: sent and failed on the first press, everything held back on the second', async () => {
    const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'nodes', 'idempotency-gate.json'), 'utf8')) as any[];
    // debug nodes become test helpers; the ledger goes to a temp file
    const nodes = example.map((n) => (n.type === 'debug' ? { id: n.id, type: 'helper', z: n.z } : n.type === 'recall-ledger' ? { ...n, file } : n));
    await helper.load([ledgerNode, gateNode, coreNode('common/20-inject.js'), coreNode('function/10-function.js')], nodes, { 'ex-gate-ledger': { secret: 'example-secret' } });
    const summary = next('ex-gate-summary');
    helper.getNode('ex-gate-inject').receive({});
    const s = (await summary).recall['idempotency-gate'];
    assert.deepEqual([s.sent, s.failed, s.released], [2, 1, 0]);
    const held = next('ex-gate-held');
    helper.getNode('ex-gate-inject').receive({});
    assert.deepEqual((await held).payload.map((c: RecallContact) => c.ledgerState), ['sent', 'sent', 'failed']);
    const dryHeld = next('ex-gate-held');
    helper.getNode('ex-gate-inject-dry').receive({});
    assert.equal((await dryHeld).payload.length, 3);
  });
});
