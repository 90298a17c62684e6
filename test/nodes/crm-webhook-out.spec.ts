// crm-webhook-out in a real Node-RED runtime (test helper): the real recall-ledger and
// idempotency-gate around it, a real SQLite file, and the CRM test server on 127.0.0.1.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openLedger } from '../../nodes/lib/ledger/sqlite-ledger';
import type { DeliveryResult, RecallContact } from '../../nodes/lib/types';
import { contacts, hmac, TEST_SECRET } from '../support/contacts';
import { CrmServer } from '../support/crm-server';
import { helper, useHelper } from '../support/helper';
import { nodeModule, ROOT } from '../support/paths';

const MODULES = ['recall-ledger', 'idempotency-gate', 'crm-endpoint', 'crm-webhook-out'].map(nodeModule);
const SIGNING = 'whsec_' + Buffer.from('node-test-signing-secret-32bytes').toString('base64');
const TOKEN = 'node-test-token';
const CREDS = { L: { secret: TEST_SECRET }, ep: { token: TOKEN, signingSecret: SIGNING } };

interface Opts {
  url?: string;
  endpoint?: Record<string, unknown>;
  sink?: Record<string, unknown>;
  gateDryRun?: string;
}

function flow(file: string, o: Opts): any[] {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'L', type: 'recall-ledger', z: 'f1', file, secretEnv: '' },
    { id: 'ep', type: 'crm-endpoint', z: 'f1', preset: 'generic', url: o.url, tokenEnv: '', secretEnv: '', concurrency: '2', rateLimit: '0', rateInterval: '1', ...o.endpoint },
    { id: 'gateIn', type: 'idempotency-gate', z: 'f1', ledger: 'L', mode: 'reserve', modeType: 'mode', leaseMinutes: '15', dryRun: o.gateDryRun ?? 'false', wires: [['sink'], ['held']] },
    { id: 'sink', type: 'crm-webhook-out', z: 'f1', endpoint: 'ep', dryRun: 'false', maxPerRun: '500', batchSize: '1', maxAttempts: '3', timeout: '5', maxRetryAfter: '60', allowList: '', wires: [['gateOut', 'out']], ...o.sink },
    { id: 'gateOut', type: 'idempotency-gate', z: 'f1', ledger: 'L', mode: 'commit', modeType: 'mode', dryRun: 'false', wires: [['committed'], []] },
    { id: 'out', type: 'helper', z: 'f1' },
    { id: 'held', type: 'helper', z: 'f1' },
    { id: 'committed', type: 'helper', z: 'f1' },
    { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ];
}

/** Contacts as they reach the gate (it sets the keys). */
const fresh = (n: number): RecallContact[] => contacts(n).map((c) => ({ ...c, key: undefined }));
const keyOf = (c: RecallContact) => hmac(c.office, c.patientId, c.segment, c.dueDate || c.lastVisit || '');
const next = (id: string): Promise<any> => new Promise((resolve) => helper.getNode(id).once('input', resolve));
const runMsg = (batch: RecallContact[]) => ({ payload: batch, recall: { runId: `run-${Math.random()}`, office: 'OFF1', source: 'odbc', counts: {} } });

/** Every status text the node has shown (the test helper spies on Node.prototype.status). */
function statusTexts(id: string): { fill?: string; text?: string }[] {
  const node = helper.getNode(id);
  const proto = Object.getPrototypeOf(node);
  return proto.status.getCalls().filter((c: any) => c.thisValue === node).map((c: any) => c.args[0]);
}

describe('crm-webhook-out node', function () {
  this.timeout(30_000);
  let server: CrmServer;
  let dir: string;
  let file: string;

  useHelper();
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-node-'));
    file = path.join(dir, 'ledger.db');
  });
  afterEach(async () => {
    delete process.env.CRM_TEST_TOKEN;
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A second connection to the same ledger file, as another process would open it. */
  async function inspect<T>(work: (l: Awaited<ReturnType<typeof openLedger>>) => Promise<T>): Promise<T> {
    const l = await openLedger({ file, secret: TEST_SECRET });
    try {
      return await work(l);
    } finally {
      await l.close();
    }
  }

  it('gate -> sink -> commit: delivers each contact once, signed; the same batch again sends nothing', async () => {
    server = await CrmServer.start({ signingSecret: SIGNING, token: TOKEN });
    await helper.load(MODULES, flow(file, { url: `${server.url}/hook` }), CREDS);
    const batch = fresh(5);
    const out = next('out');
    const committed = next('committed');
    helper.getNode('gateIn').receive(runMsg(batch));
    const msg = await out;
    const results: DeliveryResult[] = msg.payload;
    assert.deepEqual(results.map((r) => r.outcome), Array(5).fill('delivered'));
    assert.deepEqual(results.map((r) => r.key), batch.map(keyOf));
    assert.equal(msg.recall.dryRun, false);
    const s = msg.recall['crm-webhook-out'];
    assert.deepEqual([s.delivered, s.failed, s.retry, s.requests], [5, 0, 0, 5]);
    // the sink marked them sent itself (the gate reserved for real); the gate still counts them
    assert.equal(s.checkpointed, 5);
    assert.equal(msg.recall.counts.delivered, 5);
    assert.equal((await committed).recall['idempotency-gate'].sent, 5);
    assert.equal(server.requests.length, 5);
    assert.ok(server.requests.every((r) => r.signatureValid === true));
    assert.ok(statusTexts('sink').some((st) => /^sent \d+\/5/.test(st.text ?? '')), 'no progress status');

    const held = next('held');
    const again = next('out');
    helper.getNode('gateIn').receive(runMsg(batch));
    assert.equal((await held).payload.length, 5);
    assert.equal((await again).payload.length, 0);
    assert.equal(server.requests.length, 5, 'the second run sent again');
  });

  it('dry-run: no request reaches the server, the output shows each request, the ledger stays empty', async () => {
    server = await CrmServer.start();
    await helper.load(MODULES, flow(file, { url: `${server.url}/hook`, sink: { dryRun: '${CRM_TEST_DRY}' }, gateDryRun: 'true' }), CREDS);
    process.env.CRM_TEST_DRY = 'true';
    const batch = fresh(3);
    const out = next('out');
    helper.getNode('gateIn').receive(runMsg(batch));
    const msg = await out;
    delete process.env.CRM_TEST_DRY;
    assert.equal(server.requests.length, 0);
    assert.equal(msg.recall.dryRun, true);
    assert.deepEqual(msg.payload.map((r: DeliveryResult) => r.outcome), ['dry-run', 'dry-run', 'dry-run']);
    const req = msg.payload[0].request;
    assert.equal(req.url, `${server.url}/hook`);
    assert.equal(req.headers.Authorization, 'Bearer [redacted]');
    assert.equal(req.body.schema, 'dental-recall/v1');
    assert.equal(msg.recall.counts['dry-run'], 3);
    assert.deepEqual(await inspect((l) => l.status!(batch.map(keyOf))), []);
  });

  it('reads dry-run and max per run as typed inputs (env, bool, num), and its dry-run status says a live run would refuse', async () => {
    server = await CrmServer.start();
    process.env.CRM_TEST_DRY = 'true';
    process.env.CRM_TEST_MAX = '2';
    try {
      await helper.load(MODULES, flow(file, { url: `${server.url}/hook`, sink: { dryRun: 'CRM_TEST_DRY', dryRunType: 'env', maxPerRun: 'CRM_TEST_MAX', maxPerRunType: 'env' }, gateDryRun: 'true' }), CREDS);
      const out = next('out');
      helper.getNode('gateIn').receive(runMsg(fresh(3)));
      const msg = await out;
      assert.equal(server.requests.length, 0);
      assert.equal(msg.recall.dryRun, true);
      assert.equal(msg.recall['crm-webhook-out'].liveRun.text, 'a live run would refuse: 3 to send > max per run 2');
      const last = statusTexts('sink').pop()!;
      assert.equal(last.text, 'dry-run: 3 would be sent; a live run would refuse: 3 to send > max per run 2');
      assert.equal(last.fill, 'yellow');
    } finally {
      delete process.env.CRM_TEST_DRY;
      delete process.env.CRM_TEST_MAX;
    }
    await helper.unload();
    // bool and num typed values; a bad one names the setting
    await helper.load(MODULES, flow(file, { url: `${server.url}/hook`, sink: { dryRun: 'true', dryRunType: 'bool', maxPerRun: '5', maxPerRunType: 'num' }, gateDryRun: 'true' }), CREDS);
    const out2 = next('out');
    helper.getNode('gateIn').receive(runMsg(fresh(3)));
    assert.equal((await out2).recall['crm-webhook-out'].liveRun.text, 'a live run would send 3 (max per run 5)');
    await helper.unload();
    await helper.load(MODULES, flow(file, { url: `${server.url}/hook`, sink: { dryRun: 'true', dryRunType: 'bool', maxPerRun: 'lots', maxPerRunType: 'num' } }), CREDS);
    assert.match(statusTexts('sink').pop()!.text!, /setting "max per run" must be a whole number/);
  });

  it("a dry-run's forecast counts what was sent within the blast guard's window, as the live run would", async () => {
    server = await CrmServer.start();
    await helper.load(MODULES, flow(file, { url: `${server.url}/hook`, sink: { dryRun: 'false', dryRunType: 'bool', maxPerRun: '3', maxPerRunType: 'num' } }), CREDS);
    const sent = next('committed');
    helper.getNode('gateIn').receive(runMsg(fresh(2)));
    await sent;
    assert.equal(server.requests.length, 2);
    await helper.unload();
    const others = contacts(6).slice(4).map((c) => ({ ...c, key: undefined }));
    await helper.load(MODULES, flow(file, { url: `${server.url}/hook`, sink: { dryRun: 'true', dryRunType: 'bool', maxPerRun: '3', maxPerRunType: 'num' }, gateDryRun: 'true' }), CREDS);
    const out = next('out');
    helper.getNode('gateIn').receive(runMsg(others));
    const msg = await out;
    assert.equal(msg.recall['crm-webhook-out'].liveRun.text, 'a live run would refuse: 2 to send + 2 sent in the last 12 hours > max per run 3');
    assert.equal(server.requests.length, 2, 'the dry-run sent nothing');
  });

  it('a dry-run sink after a real reservation gives the keys back', async () => {
    server = await CrmServer.start();
    await helper.load(MODULES, flow(file, { url: `${server.url}/hook`, sink: { dryRun: 'true' } }), CREDS);
    const batch = fresh(2);
    const out = next('out');
    helper.getNode('gateIn').receive(runMsg(batch));
    await out;
    assert.equal(server.requests.length, 0);
    const rows = await inspect((l) => l.status!(batch.map(keyOf)));
    assert.ok(rows.every((r) => r.state === 'reserved' && r.leaseUntil === null), JSON.stringify(rows));
  });

  it('blast guard: nothing sent, error to Catch, reservations released', async () => {
    server = await CrmServer.start();
    await helper.load(MODULES, flow(file, { url: `${server.url}/hook`, sink: { maxPerRun: '3' } }), CREDS);
    const batch = fresh(5);
    let outputs = 0;
    helper.getNode('out').on('input', () => outputs++);
    const caught = next('caught');
    helper.getNode('gateIn').receive(runMsg(batch));
    const err = await caught;
    assert.match(err.error.message, /blast guard: 5 contacts to send, more than "max per run" \(3\); nothing was sent, 5 reservations released/);
    assert.equal(err.error.source.id, 'sink');
    assert.equal(outputs, 0);
    assert.equal(server.requests.length, 0);
    const again = await inspect((l) => l.reserve(batch.map(keyOf), 60_000, { runId: 'other' }));
    assert.equal(again.reserved.length, 5);
  });

  it('blast guard counts per schedule period, not per message: a second file that would pass the limit sends nothing', async () => {
    server = await CrmServer.start();
    await helper.load(MODULES, flow(file, { url: `${server.url}/hook`, sink: { maxPerRun: '10' } }), CREDS);
    // three "files" of 4 different patients each, one after the other within the window
    const files = [0, 1, 2].map((f) => contacts(4).map((c) => ({ ...c, patientId: `F${f}-${c.patientId}`, key: undefined })));
    const first = next('out');
    helper.getNode('gateIn').receive(runMsg(files[0]));
    assert.equal((await first).recall['crm-webhook-out'].delivered, 4);
    const second = next('out');
    helper.getNode('gateIn').receive(runMsg(files[1]));
    assert.equal((await second).recall['crm-webhook-out'].delivered, 4);
    const caught = next('caught');
    helper.getNode('gateIn').receive(runMsg(files[2]));
    const err = await caught;
    assert.match(err.error.message, /blast guard: 4 contacts to send after 8 already sent or in flight in the last 12 hours, more than "max per run" \(10\); nothing was sent/);
    assert.equal(server.requests.length, 8, 'the third file was sent');
  });

  it('refuses plain http to a non-loopback host at deploy (red status, Catch on input)', async () => {
    await helper.load(MODULES, flow(file, { url: 'http://192.0.2.10/hook' }), CREDS);
    assert.ok(statusTexts('sink').some((st) => st.fill === 'red' && /plain http/.test(st.text ?? '')));
    const caught = next('caught');
    helper.getNode('sink').receive(runMsg(contacts(1)));
    assert.match((await caught).error.message, /plain http:\/\/ to 192\.0\.2\.10/);
  });

  it('takes the token from ${ENV} when the credential is empty', async () => {
    server = await CrmServer.start({ token: 'env-token' });
    process.env.CRM_TEST_TOKEN = 'env-token';
    await helper.load(MODULES, flow(file, { url: `${server.url}/hook`, endpoint: { tokenEnv: '${CRM_TEST_TOKEN}' } }), { L: CREDS.L });
    const out = next('out');
    helper.getNode('gateIn').receive(runMsg(fresh(1)));
    assert.equal((await out).payload[0].outcome, 'delivered');
    assert.equal(server.requests[0].headers.authorization, 'Bearer env-token');
  });

  it('a wrong token stops the run: output for commit, error to Catch, contacts released', async () => {
    server = await CrmServer.start({ token: 'the-right-one' });
    await helper.load(MODULES, flow(file, { url: `${server.url}/hook`, endpoint: { concurrency: '1' } }), CREDS);
    const batch = fresh(4);
    const out = next('out');
    const caught = next('caught');
    const committed = next('committed');
    helper.getNode('gateIn').receive(runMsg(batch));
    const msg = await out;
    assert.deepEqual(msg.payload.map((r: DeliveryResult) => r.outcome), Array(4).fill('retry'));
    assert.match((await caught).error.message, /CRM run stopped: HTTP 401/);
    assert.equal((await committed).recall['idempotency-gate'].released, 4);
    assert.equal(server.requests.length, 1);
  });

  it('dry-run with a ledger file that cannot be opened: the contacts are keyed with the ledger node\'s secret (the gate\'s handshake), not the environment', async () => {
    fs.writeFileSync(path.join(dir, 'not-a-folder'), '');
    const blocked = path.join(dir, 'not-a-folder', 'ledger.db');
    assert.equal(process.env.RECALL_LEDGER_SECRET, undefined);
    await helper.load(MODULES, flow(blocked, { url: 'https://crm.example.com/hook', sink: { dryRun: 'true' } }), CREDS);
    const batch = contacts(2);
    const out = next('out');
    helper.getNode('sink').receive({ ...runMsg(batch), recall: { ...runMsg(batch).recall, ledger: { node: 'L', leaseMs: 900_000, leaseUntil: null } } });
    const msg = await out;
    assert.deepEqual(msg.payload.map((r: DeliveryResult) => [r.outcome, r.key]), batch.map((c) => ['dry-run', keyOf(c)]));
  });

  it('the example flow (examples/nodes/crm-webhook-out.json) shows its dry-run requests', async () => {
    const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'nodes', 'crm-webhook-out.json'), 'utf8'));
    const inject = example.find((n: any) => n.type === 'inject');
    const nodes = example.filter((n: any) => n.type !== 'inject').map((n: any) => (n.type === 'debug' ? { id: n.id, type: 'helper', z: n.z } : n));
    Object.assign(process.env, { RECALL_LEDGER_DB: file, RECALL_LEDGER_SECRET: TEST_SECRET, CRM_WEBHOOK_URL: 'https://crm.example.com/hooks/recall', RECALL_MAX_PER_RUN: '500' });
    try {
      await helper.load(MODULES, nodes, {});
      const requests = next('ex-crm-requests');
      const summary = next('ex-crm-summary');
      helper.getNode('ex-crm-reserve').receive({ payload: JSON.parse(inject.payload), recall: JSON.parse(inject.props[1].v) });
      const msg = await requests;
      assert.deepEqual(msg.payload.map((r: DeliveryResult) => r.outcome), ['dry-run', 'dry-run', 'dry-run']);
      assert.equal(msg.payload[0].request.url, 'https://crm.example.com/hooks/recall');
      assert.deepEqual(msg.payload[0].request.body.household, [{ firstName: 'Maria', recallType: 'PROPHY', dueDate: '2025-04-15', segment: 'overdue' }]);
      assert.equal(msg.payload[0].request.body.birthDate, undefined);
      assert.equal((await summary).recall['crm-webhook-out']['dry-run'], 3);
    } finally {
      for (const v of ['RECALL_LEDGER_DB', 'RECALL_LEDGER_SECRET', 'CRM_WEBHOOK_URL', 'RECALL_MAX_PER_RUN']) delete process.env[v];
    }
  });

  it('a checkpoint fault mid-run (ledger folder moved away): warning and status, every result still goes to the commit gate', async () => {
    server = await CrmServer.start({ delayMs: 150 });
    const office = path.join(dir, 'office');
    await helper.load(MODULES, flow(path.join(office, 'ledger.db'), { url: `${server.url}/hook`, endpoint: { concurrency: '1' } }), CREDS);
    const batch = fresh(5);
    server.failKey(keyOf(batch[4]), { status: 422 });
    const out = next('out');
    const caught = next('caught');
    helper.getNode('gateIn').receive(runMsg(batch));
    await server.waitForRequests(2);
    fs.renameSync(office, path.join(dir, 'moved'));
    const msg = await out;
    assert.deepEqual(msg.payload.map((r: DeliveryResult) => r.outcome), [...Array(4).fill('delivered'), 'failed']);
    const s = msg.recall['crm-webhook-out'];
    assert.match(s.checkpointFault, /ledger\.db/);
    const sink = helper.getNode('sink');
    const warned = Object.getPrototypeOf(sink).warn.getCalls().filter((c: any) => c.thisValue === sink).map((c: any) => String(c.args[0]));
    assert.ok(warned.some((w: string) => /^checkpoint of \d+ delivered contacts failed/.test(w)), warned.join('\n'));
    assert.ok(statusTexts('sink').some((st) => st.fill === 'yellow' && /checkpoint failed/.test(st.text ?? '')));
    // the commit gate cannot write either: Catch
    assert.match((await caught).error.message, /ledger\.db/);
    // nothing undelivered was marked sent
    fs.renameSync(path.join(dir, 'moved'), office);
    file = path.join(office, 'ledger.db');
    const rows = new Map((await inspect((l) => l.status!(batch.map(keyOf)))).map((r) => [r.key, r.state]));
    assert.equal(rows.get(keyOf(batch[4])), 'reserved');
    assert.equal(batch.filter((c) => rows.get(keyOf(c)) === 'sent').length, s.checkpointed);
    assert.ok(s.checkpointed < 4);
    // the disk is back: the same results through the commit gate record every delivery
    const committed = next('committed');
    helper.getNode('gateOut').receive(msg);
    const c = (await committed).recall['idempotency-gate'];
    assert.deepEqual([c.sent, c.failed, c.released], [4, 1, 0]);
    const after = await inspect((l) => l.status!(batch.map(keyOf)));
    assert.deepEqual(batch.map((b) => after.find((r) => r.key === keyOf(b))?.state), [...Array(4).fill('sent'), 'failed']);
  });

  it('a stop during a slow run aborts, sends nothing more, and releases the unsent keys in the ledger', async () => {
    server = await CrmServer.start({ delayMs: 1000 });
    await helper.load(MODULES, flow(file, { url: `${server.url}/hook` }), CREDS);
    const batch = fresh(8);
    helper.getNode('gateIn').receive(runMsg(batch));
    await server.waitForRequests(2);
    const started = Date.now();
    await helper.unload();
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 15_000, `close took ${tookMs} ms, past Node-RED's close timeout`);
    const seen = server.requests.length;
    assert.equal(seen, 2);
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(server.requests.length, seen, 'a request reached the server after the stop');
    const again = await inspect((l) => l.reserve(batch.map(keyOf), 60_000, { runId: 'next-run' }));
    assert.equal(again.reserved.length, 8, JSON.stringify(again));
  });
});
