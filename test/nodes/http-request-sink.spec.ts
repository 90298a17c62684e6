// examples/http-request-sink.json end to end in a real Node-RED runtime: the core
// split, function, http request and join nodes as the sink between the two gates,
// a real SQLite ledger, and the CRM test server on 127.0.0.1.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hmacWith, recallKey } from '../../nodes/lib/ledger/keys';
import type { DeliveryResult, RecallContact } from '../../nodes/lib/types';
import { stateOf } from '../lib/ledger/inspect';
import { CrmServer } from '../support/crm-server';
import { helper, NODE_RED_MODULE, useHelper } from '../support/helper';
import { nodeModule, ROOT } from '../support/paths';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const coreNode = (rel: string) => require(path.join(path.dirname(require.resolve(`${NODE_RED_MODULE}/package.json`)), '..', '@node-red', 'nodes', 'core', rel));
const MODULES = [
  nodeModule('recall-ledger'),
  nodeModule('idempotency-gate'),
  coreNode('sequence/17-split.js'), // split and join
  coreNode('function/10-function.js'),
  coreNode('network/21-httprequest.js'),
  coreNode('common/20-inject.js'),
  coreNode('common/21-debug.js'),
];
const SECRET = 'http-request-sink-secret';
const TOKEN = 'http-sink-token';

function exampleFlow(file: string): any[] {
  const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'http-request-sink.json'), 'utf8')) as any[];
  for (const n of flow) {
    if (n.type === 'recall-ledger') n.file = file;
    if (n.id === 'ex-http-commit') n.wires = [['committed'], []];
    if (n.id === 'ex-http-catch') n.wires = [['caught']];
  }
  return [...flow, { id: 'committed', type: 'helper', z: 'ex-http-tab' }, { id: 'caught', type: 'helper', z: 'ex-http-tab' }];
}

const next = (id: string): Promise<any> => new Promise((resolve) => helper.getNode(id).once('input', resolve));

describe('example: core http request node as the CRM sink (results contract end to end)', function () {
  this.timeout(30_000);
  let server: CrmServer;
  let dir: string;
  let file: string;

  useHelper();
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'http-sink-'));
    file = path.join(dir, 'ledger.db');
    process.env.RECALL_LEDGER_SECRET = SECRET;
    process.env.CRM_API_TOKEN = TOKEN;
  });
  afterEach(async () => {
    await server?.close();
    delete process.env.CRM_WEBHOOK_URL;
    delete process.env.CRM_API_TOKEN;
    delete process.env.RECALL_LEDGER_SECRET;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivered -> sent, permanent 4xx -> failed, 503 -> released and delivered by the next run', async () => {
    server = await CrmServer.start({ token: TOKEN });
    process.env.CRM_WEBHOOK_URL = `${server.url}/hook`;
    await helper.load(MODULES, exampleFlow(file), {});
    const inject = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'http-request-sink.json'), 'utf8')).find((n: any) => n.id === 'ex-http-inject');
    const batch: RecallContact[] = JSON.parse(inject.payload);
    const keys = batch.map((c) => recallKey(hmacWith(SECRET), c));
    server.failKey(keys[1], { status: 422, body: { error: 'invalid phone' } });
    server.failKey(keys[2], { status: 503 });
    const run = () => ({ payload: batch, recall: { runId: `run-${Math.random()}`, office: 'DEMO', source: 'export', counts: {} } });

    const committed = next('committed');
    helper.getNode('ex-http-reserve').receive(run());
    const msg = await committed;
    const results: DeliveryResult[] = msg.payload;
    assert.deepEqual(
      results.map((r) => [r.key, r.outcome, r.status]).sort(),
      [[keys[0], 'delivered', 200], [keys[1], 'failed', 422], [keys[2], 'retry', 503]].sort(),
    );
    assert.deepEqual([msg.recall['idempotency-gate'].sent, msg.recall['idempotency-gate'].failed, msg.recall['idempotency-gate'].released], [1, 1, 1]);
    const states = await stateOf(file, keys);
    assert.equal(states.get(keys[0]), 'sent');
    assert.equal(states.get(keys[1]), 'failed');
    const first = server.requests.find((r) => r.headers['idempotency-key'] === keys[0])!;
    assert.equal(first.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual((first.json as { channels: string[] }).channels, ['sms', 'email']);

    // the next run: only the released contact goes, and is delivered
    const before = server.requests.length;
    const again = next('committed');
    helper.getNode('ex-http-reserve').receive(run());
    const second = await again;
    assert.deepEqual(second.payload.map((r: DeliveryResult) => [r.key, r.outcome]), [[keys[2], 'delivered']]);
    assert.equal(server.requests.length, before + 1);
    assert.equal((await stateOf(file, keys)).get(keys[2]), 'sent');
  });
});
