// A sink node's runs without Node-RED: the ledger each run uses (the gate's handshake),
// and a stop that hands every run's outcome to its ledger at once. Real SQLite ledger,
// real HTTP server on 127.0.0.1.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHttpClient, type HttpClient } from '../../../nodes/lib/crm/http';
import { Limiter } from '../../../nodes/lib/crm/limiter';
import { DEFAULT_POLICY } from '../../../nodes/lib/crm/retry';
import { openLedger as openRunLedger, SinkRuns, type RunContext } from '../../../nodes/lib/crm/runs';
import type { SinkSettings } from '../../../nodes/lib/crm/sink';
import type { LedgerProvider } from '../../../nodes/lib/ledger/api';
import { openLedger, type SqliteLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import type { RecallContact } from '../../../nodes/lib/types';
import { CrmServer } from '../../support/crm-server';
import { stateOf } from '../ledger/inspect';
import { contacts, hmac, TEST_SECRET } from '../../support/contacts';

const settings = (dryRun = false): SinkSettings => ({ dryRun, maxPerRun: 500, batchSize: 1, allow: [], policy: { ...DEFAULT_POLICY, baseDelayMs: 10, maxDelayMs: 20 }, timeoutMs: 5000 });

describe('crm sink runs (lib/crm/runs)', function () {
  this.timeout(20_000);
  let dir: string;
  let file: string;
  let ledger: SqliteLedger;
  let server: CrmServer | undefined;
  let client: HttpClient;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-runs-'));
    file = path.join(dir, 'ledger.db');
    ledger = await openLedger({ file, secret: TEST_SECRET });
    client = createHttpClient();
  });
  afterEach(async () => {
    client.destroy();
    await server?.close();
    server = undefined;
    await ledger.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const provider = (): LedgerProvider => ({ ledger: async () => ledger, file, hmac });
  async function reserve(batch: RecallContact[]): Promise<RunContext['handshake']> {
    const r = await ledger.reserve(batch.map((c) => c.key!), 60_000, { runId: 'run-1' });
    assert.equal(r.reserved.length, batch.length);
    return { node: 'ledger-node', leaseMs: 60_000, leaseUntil: new Date(Date.now() + 60_000).toISOString() };
  }
  const context = (extra: Partial<RunContext> = {}, concurrency = 4): RunContext => ({
    endpoint: { preset: 'generic', url: `${server!.url}/hook`, allowPlainHttp: false },
    limiter: new Limiter({ concurrency, perInterval: 0, intervalMs: 1000 }),
    client,
    provider: provider(),
    runId: 'run-1',
    onCheckpointFault: (m) => assert.fail(m),
    ...extra,
  });

  it('keys without a ledger only when nothing needs a key; a dry-run keys with the secret when the file cannot be opened', async () => {
    const none = await openRunLedger(undefined, true);
    assert.equal(none.ledger, undefined);
    assert.throws(() => none.hmac('OFF1', 'P1'), /no ledger for contactKey: set the sink's ledger, or put idempotency-gate \(reserve\) before it/);
    const broken: LedgerProvider = { ledger: () => Promise.reject(new Error('cannot open ledger.db')), file, hmac };
    assert.equal((await openRunLedger(broken, true)).hmac, hmac);
    await assert.rejects(openRunLedger(broken, false), /cannot open ledger\.db/);
    assert.equal((await openRunLedger(provider(), false)).ledger, ledger);
  });

  it("after the gate's reservation, deliveries are checkpointed as sent in that ledger during the run", async () => {
    server = await CrmServer.start();
    const batch = contacts(3);
    const out = await new SinkRuns().run(batch, settings(), context({ handshake: await reserve(batch) }));
    assert.deepEqual(out!.results.map((r) => r.outcome), ['delivered', 'delivered', 'delivered']);
    assert.equal(out!.summary.checkpointed, 3);
    const states = await stateOf(file, batch.map((c) => c.key!));
    assert.deepEqual([...states.values()], ['sent', 'sent', 'sent']);
  });

  it('a dry-run after a real reservation sends nothing and gives the keys back', async () => {
    server = await CrmServer.start();
    const batch = contacts(2);
    const out = await new SinkRuns().run(batch, settings(true), context({ handshake: await reserve(batch) }));
    assert.deepEqual(out!.results.map((r) => r.outcome), ['dry-run', 'dry-run']);
    assert.equal(server.requests.length, 0);
    assert.equal((await ledger.reserve(batch.map((c) => c.key!), 60_000, { runId: 'run-2' })).reserved.length, 2);
  });

  it('close aborts a run under way: the run ends without output and its unsent keys are free at once', async () => {
    server = await CrmServer.start({ delayMs: 400 });
    const batch = contacts(6);
    const runs = new SinkRuns();
    const running = runs.run(batch, settings(), context({ handshake: await reserve(batch) }, 1));
    await server.waitForRequests(1);
    const warnings: string[] = [];
    await runs.close((m) => warnings.push(m));
    assert.equal(runs.closing, true);
    assert.equal(await running, undefined);
    assert.deepEqual(warnings, []);
    assert.equal(server.requests.length, 1);
    assert.equal((await ledger.reserve(batch.map((c) => c.key!), 60_000, { runId: 'run-2' })).reserved.length, 6);
  });
});
