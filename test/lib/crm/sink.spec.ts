// The CRM sink's logic against a real HTTP server on 127.0.0.1 (test/support/crm-server)
// and, where leases matter, the real SQLite ledger.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHttpClient, type HttpClient } from '../../../nodes/lib/crm/http';
import { jitterMarginMs, Limiter } from '../../../nodes/lib/crm/limiter';
import { parseAllowList } from '../../../nodes/lib/crm/payload';
import { GHL_API_VERSION, type EndpointConfig } from '../../../nodes/lib/crm/presets';
import { DEFAULT_POLICY } from '../../../nodes/lib/crm/retry';
import { BlastGuardError } from '../../../nodes/lib/crm/guard';
import { SinkRun, type SinkContext, type SinkOutput, type SinkSettings } from '../../../nodes/lib/crm/sink';
import { commitResults } from '../../../nodes/lib/ledger/gate';
import { openLedger, type SqliteLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import type { RecallContact } from '../../../nodes/lib/types';
import { GhlDouble } from '../../support/crm-doubles/ghl';
import { CrmServer, verifyStandardWebhook } from '../../support/crm-server';
import { until } from '../../support/until';
import { stateOf } from '../ledger/inspect';
import { contact, contacts, hmac, TEST_SECRET } from '../../support/contacts';

const SIGNING = 'whsec_' + Buffer.from('crm-test-signing-secret-32-bytes').toString('base64');
const TOKEN = 'test-token-123';

interface Setup {
  endpoint?: Partial<EndpointConfig>;
  settings?: Partial<SinkSettings>;
  ctx?: Partial<SinkContext>;
  limiter?: { concurrency?: number; perInterval?: number; intervalMs?: number };
}

describe('crm sink against a real HTTP server', function () {
  this.timeout(20_000);
  let server: CrmServer;
  let client: HttpClient;

  beforeEach(() => {
    client = createHttpClient();
  });
  afterEach(async () => {
    client.destroy();
    await server?.close();
  });

  function sinkRun(input: unknown, s: Setup = {}): SinkRun {
    const endpoint: EndpointConfig = { preset: 'generic', url: s.endpoint?.url ?? `${server.url}/hook`, token: TOKEN, signingSecret: SIGNING, allowPlainHttp: false, ...s.endpoint };
    const settings: SinkSettings = {
      dryRun: false,
      maxPerRun: 500,
      batchSize: 1,
      allow: [],
      // random() = 0: backoff adds nothing, so every wait seen comes from the CRM's headers
      policy: { ...DEFAULT_POLICY, baseDelayMs: 50, maxDelayMs: 200 },
      timeoutMs: 5000,
      ...s.settings,
    };
    const limiter = new Limiter({ concurrency: 4, perInterval: 0, intervalMs: 1000, ...s.limiter });
    return new SinkRun(input, settings, { endpoint, hmac, limiter, client, random: () => 0, ...s.ctx });
  }
  const run = (input: unknown, s: Setup = {}): Promise<SinkOutput> => sinkRun(input, s).run();

  describe('delivery', () => {
    it('posts one signed dental-recall/v1 request per contact with its Idempotency-Key and bearer token', async () => {
      server = await CrmServer.start({ signingSecret: SIGNING, token: TOKEN });
      const batch = contacts(5);
      const out = await run(batch);
      assert.deepEqual(out.results.map((r) => r.outcome), Array(5).fill('delivered'));
      assert.equal(server.requests.length, 5);
      for (const r of server.requests) {
        assert.equal(r.method, 'POST');
        assert.equal(r.path, '/hook');
        assert.equal(r.signatureValid, true, 'the server verified the Standard Webhooks signature');
        assert.equal(r.headers['content-type'], 'application/json');
        assert.equal(r.headers['connection'], 'keep-alive');
      }
      const byKey = new Map(server.requests.map((r) => [r.headers['idempotency-key'], r.json as Record<string, unknown>]));
      for (const c of batch) {
        const body = byKey.get(c.key!);
        assert.ok(body, `request for ${c.patientId}`);
        assert.equal(body.contactKey, hmac('OFF1', c.patientId));
        assert.equal(body.schema, 'dental-recall/v1');
        assert.equal(body.birthDate, undefined);
      }
      assert.deepEqual([...server.deliveriesByKey().values()], [1, 1, 1, 1, 1]);
      assert.equal(out.summary.delivered, 5);
      assert.equal(out.summary.requests, 5);
    });

    it('sends allow-listed fields only, never birth date or address otherwise', async () => {
      // the same keys go twice with different bodies: the server's 422 for that is off here
      server = await CrmServer.start({ checkIdempotency: false });
      const withAddress = contacts(2).map((c) => ({ ...c, address: '1 Main St' }));
      await run(withAddress);
      for (const r of server.requests) assert.ok(!/1980-01|Main St|lastVisit|patientId/.test(r.body), r.body);
      await run(withAddress, { settings: { allow: parseAllowList('birthDate') } });
      const last = server.requests.slice(2).map((r) => r.json as Record<string, unknown>);
      assert.ok(last.every((b) => typeof b.birthDate === 'string' && b.address === undefined));
    });

    it('batches as JSON arrays with a digest of the batch keys as Idempotency-Key', async () => {
      server = await CrmServer.start();
      const batch = contacts(7);
      const out = await run(batch, { settings: { batchSize: 3 } });
      assert.equal(out.summary.delivered, 7);
      assert.deepEqual(server.requests.map((r) => (r.json as unknown[]).length).sort(), [1, 3, 3]);
      const expected = [batch.slice(0, 3), batch.slice(3, 6), batch.slice(6)].map(
        (b) => 'batch-' + createHash('sha256').update(b.map((c) => c.key).join('\n')).digest('hex'),
      );
      assert.deepEqual(server.requests.map((r) => r.headers['idempotency-key']).sort(), expected.sort());
    });
  });

  describe('dry-run', () => {
    it('touches no network and shows exactly the request, token redacted', async () => {
      server = await CrmServer.start({ signingSecret: SIGNING });
      const batch = contacts(3);
      const out = await run(batch, { settings: { dryRun: true } });
      assert.equal(server.requests.length, 0, 'the server saw a request in dry-run');
      assert.deepEqual(out.results.map((r) => r.outcome), ['dry-run', 'dry-run', 'dry-run']);
      assert.equal(out.summary['dry-run'], 3);
      const req = out.results[0].request!;
      assert.equal(req.url, `${server.url}/hook`);
      assert.equal(req.method, 'POST');
      assert.equal(req.headers.Authorization, 'Bearer [redacted]');
      assert.ok(!JSON.stringify(out.results).includes(TOKEN), 'token leaked into dry-run output');
      assert.equal(req.headers['Idempotency-Key'], batch[0].key);
      const lower = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
      assert.ok(verifyStandardWebhook(SIGNING, lower, JSON.stringify(req.body)), 'dry-run signature is the real one');
      // the same contact sent for real carries the same body
      await run([batch[0]]);
      assert.deepEqual(server.requests[0].json, req.body);
    });

    it('says what a live run would do: refuse above max per run (the blast guard), send otherwise', async () => {
      server = await CrmServer.start();
      const over = await run(contacts(3), { settings: { dryRun: true, maxPerRun: 2 } });
      assert.equal(over.summary['dry-run'], 3, 'a dry-run still shows every request');
      assert.deepEqual(over.summary.liveRun, { wouldRefuse: true, toSend: 3, earlier: 0, maxPerRun: 2, text: 'a live run would refuse: 3 to send > max per run 2' });
      // the forecast matches what the live run then does
      await assert.rejects(run(contacts(3), { settings: { maxPerRun: 2 } }), BlastGuardError);
      const under = await run(contacts(2), { settings: { dryRun: true, maxPerRun: 2 } });
      assert.equal(under.summary.liveRun!.wouldRefuse, false);
      assert.equal(under.summary.liveRun!.text, 'a live run would send 2 (max per run 2)');
      assert.equal(server.requests.length, 0);
      const live = await run(contacts(1));
      assert.equal(live.summary.liveRun, undefined, 'only a dry-run forecasts');
    });

    it('computes keys for contacts that did not pass a gate', async () => {
      server = await CrmServer.start();
      const out = await run([{ ...contact(1), key: undefined }], { settings: { dryRun: true } });
      assert.equal(out.results[0].key, hmac('OFF1', 'P1001', 'due-soon', '2026-12-01'));
    });
  });

  describe('faults', () => {
    it('honours Retry-After in seconds', async () => {
      server = await CrmServer.start();
      const [c] = contacts(1);
      server.failKey(c.key!, { status: 429, headers: { 'Retry-After': '1' } });
      const out = await run([c]);
      assert.equal(out.results[0].outcome, 'delivered');
      assert.equal(out.results[0].attempts, 2);
      assert.equal(out.summary.http429, 1);
      const [a, b] = server.requests;
      assert.ok(b.receivedAt - a.receivedAt >= 990, `retried after ${b.receivedAt - a.receivedAt} ms, before Retry-After`);
    });

    it('honours Retry-After as an HTTP-date', async () => {
      server = await CrmServer.start();
      const [c] = contacts(1);
      const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000);
      server.failKey(c.key!, { status: 503, headers: { 'Retry-After': at.toUTCString() } });
      const out = await run([c]);
      assert.equal(out.results[0].outcome, 'delivered');
      assert.ok(server.requests[1].receivedAt >= at.getTime() - 5, 'retried before the HTTP-date');
    });

    it('rides out a 429 storm and delivers every contact exactly once', async () => {
      server = await CrmServer.start();
      server.enqueue(...Array.from({ length: 12 }, () => ({ status: 429, headers: { 'Retry-After': '0' } })));
      const batch = contacts(6);
      const out = await run(batch, { settings: { policy: { ...DEFAULT_POLICY, maxAttempts: 20, baseDelayMs: 10, maxDelayMs: 20 } } });
      assert.equal(out.summary.delivered, 6);
      assert.equal(out.summary.http429, 12);
      assert.equal(out.summary.requests, 18);
      assert.deepEqual([...server.deliveriesByKey().values()], [1, 1, 1, 1, 1, 1]);
    });

    it('fails a contact for good on another 4xx, and sends it once', async () => {
      server = await CrmServer.start();
      const batch = contacts(3);
      server.failKey(batch[1].key!, { status: 422, body: { error: 'invalid phone' } });
      const out = await run(batch);
      assert.deepEqual(out.results.map((r) => r.outcome), ['delivered', 'failed', 'delivered']);
      assert.equal(out.results[1].status, 422);
      assert.equal(out.results[1].attempts, 1);
      assert.match(out.results[1].error!, /HTTP 422/);
      assert.equal(server.requests.filter((r) => r.headers['idempotency-key'] === batch[1].key).length, 1);
    });

    it('retries a connection reset and a timeout', async () => {
      server = await CrmServer.start();
      const batch = contacts(2);
      server.failKey(batch[0].key!, { reset: true });
      server.failKey(batch[1].key!, { status: 200, delayMs: 2000 });
      const out = await run(batch, { settings: { timeoutMs: 300 } });
      assert.deepEqual(out.results.map((r) => [r.outcome, r.attempts]), [['delivered', 2], ['delivered', 2]]);
      assert.equal(server.requests.filter((r) => r.answer === 'reset').length, 1);
      assert.equal(server.requests.filter((r) => r.answer === 'client-gone').length, 1);
    });

    it('gives up after max attempts and releases the contact for the next run', async () => {
      server = await CrmServer.start();
      const [c] = contacts(1);
      server.failKey(c.key!, { status: 503 }, { status: 502 }, { status: 500 }, { status: 504 });
      const out = await run([c], { settings: { policy: { ...DEFAULT_POLICY, maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 } } });
      assert.equal(out.results[0].outcome, 'retry');
      assert.equal(out.results[0].attempts, 3);
      assert.match(out.results[0].error!, /gave up after 3 attempts/);
      assert.equal(server.requests.length, 3);
    });

    it('does not wait longer than allowed for Retry-After', async () => {
      server = await CrmServer.start();
      const [c] = contacts(1);
      server.failKey(c.key!, { status: 429, headers: { 'Retry-After': '3600' } });
      const out = await run([c]);
      assert.equal(out.results[0].outcome, 'retry');
      assert.equal(server.requests.length, 1);
    });

    it('halts on 401 instead of failing every contact', async () => {
      server = await CrmServer.start({ token: 'another-token' });
      const out = await run(contacts(6), { limiter: { concurrency: 1 } });
      assert.equal(server.requests.length, 1, 'kept sending after the endpoint refused the token');
      assert.deepEqual(new Set(out.results.map((r) => r.outcome)), new Set(['retry']));
      assert.match(out.summary.stopped!, /HTTP 401/);
    });
  });

  describe('limits', () => {
    it('keeps at most `concurrency` requests in flight at the server', async () => {
      server = await CrmServer.start({ delayMs: 40 });
      const out = await run(contacts(15), { limiter: { concurrency: 3 } });
      assert.equal(out.summary.delivered, 15);
      assert.ok(server.maxInFlight <= 3, `server saw ${server.maxInFlight} in flight`);
      assert.ok(server.maxInFlight >= 2, 'requests were not sent in parallel at all');
    });

    it('keeps to the requests-per-interval limit: 3 starts, then the next 3 only once the window (interval + jitter margin) has passed', async () => {
      // The limiter reads a clock that moves only when the test moves it, so what it lets
      // start at each instant is counted, not raced against the wall clock (network jitter
      // under load once made a server-side arrival count fail).
      server = await CrmServer.start();
      let clock = 1_000_000;
      let reads = 0;
      const limiter = new Limiter({ concurrency: 12, perInterval: 3, intervalMs: 250, now: () => (reads++, clock) });
      const windowMs = 250 + jitterMarginMs(250);
      const done = run(contacts(12), { ctx: { limiter } });
      const state = () => `${server.requests.length} sent, ${limiter.inFlight} in flight, ${limiter.waiting} waiting`;
      const poll = { timeoutMs: 10_000, pollMs: 5 };
      // every started request answered and released: from here only the limiter's timer reads the clock
      const settled = (sent: number) => until(() => server.requests.length === sent && limiter.inFlight === 0 && limiter.waiting === 12 - sent, () => `${sent} sent, the rest waiting (${state()})`, poll);
      await settled(3);
      for (let sent = 3; sent < 12; sent += 3) {
        const windowStart = clock;
        const seen = reads;
        clock = windowStart + windowMs - 1;
        await until(() => reads > seen, 'the limiter to look at the clock again', poll);
        assert.equal(limiter.waiting, 12 - sent, `a request started ${windowMs - 1} ms into a full window`);
        assert.equal(server.requests.length, sent);
        clock = windowStart + windowMs;
        await settled(sent + 3);
      }
      const out = await done;
      assert.equal(out.summary.delivered, 12);
      assert.deepEqual([...server.deliveriesByKey().values()], Array(12).fill(1));
    });

    it('follows its own window when the CRM agrees: a reset rounded up to whole seconds does not hold the 6th of 5-per-second requests', async () => {
      // One at a time, on a clock the test moves: each answer comes 100 ms after its request
      // and says how many are left; the 5th (at 0.5 s) says "X-RateLimit-Remaining: 0,
      // Reset: 1" (whole seconds, rounded up). Pausing for that reset held the 6th until
      // 1.5 s; the limiter's own window (1 s + 50 ms jitter margin) starts it at 1.05 s.
      const t0 = Date.now(); // near the wall clock: the requests carry signed timestamps
      let clock = t0;
      let reads = 0;
      const now = () => (reads++, clock);
      const limiter = new Limiter({ concurrency: 1, perInterval: 5, intervalMs: 1000, now });
      server = await CrmServer.start({
        handler: (req) => {
          clock += 100;
          return { status: 200, headers: { 'X-RateLimit-Limit': '5', 'X-RateLimit-Remaining': String(Math.max(0, 5 - req.seq)), 'X-RateLimit-Reset': '1' }, body: { ok: true } };
        },
      });
      const done = run(contacts(6), { ctx: { limiter, now } });
      const poll = { timeoutMs: 10_000, pollMs: 5 };
      const state = () => `${server.requests.length} sent, ${limiter.inFlight} in flight, ${limiter.waiting} waiting`;
      await until(() => server.requests.length === 5 && limiter.inFlight === 0 && limiter.waiting === 1, () => `5 answered, the 6th waiting (${state()})`, poll);
      assert.equal(clock, t0 + 500);
      const windowMs = 1000 + jitterMarginMs(1000);
      for (const [at, started] of [[windowMs - 1, 0], [windowMs, 1]]) {
        const seen = reads;
        clock = t0 + at;
        await until(() => reads > seen, 'the limiter to look at the clock again', poll);
        assert.equal(1 - limiter.waiting, started, `the 6th at ${at} ms (${state()})`);
      }
      const out = await done;
      assert.equal(out.summary.delivered, 6);
      assert.equal(out.summary.http429, 0);
    });

    it('backs off when the server rate limit answers 429 with X-RateLimit headers', async () => {
      server = await CrmServer.start({ rateLimit: { limit: 4, windowMs: 500 } });
      const out = await run(contacts(7), { limiter: { concurrency: 7 } });
      assert.equal(out.summary.delivered, 7);
      assert.ok(out.summary.http429 >= 1, 'the server never limited: the test proves nothing');
      assert.deepEqual([...server.deliveriesByKey().values()], Array(7).fill(1));
    });
  });

  describe('presets', () => {
    it('GoHighLevel v2: upsert without tags (they would overwrite), DND per dropped channel, then the add-tags call with the answered id', async () => {
      const ghl = await new GhlDouble('loc-123', TOKEN).start();
      try {
        const batch = [contact(1), contact(2, { channels: { sms: false, email: true, voice: true }, channelReasons: { sms: 'landline' } })];
        const out = await run(batch, { endpoint: { preset: 'gohighlevel', url: ghl.url, locationId: 'loc-123', signingSecret: undefined }, settings: { batchSize: 50 } });
        assert.equal(out.summary.delivered, 2);
        assert.deepEqual(ghl.seen.map((r) => r.path.replace(/ghl-\d+/, 'ID')).sort(), ['/contacts/ID/tags', '/contacts/ID/tags', '/contacts/upsert', '/contacts/upsert']);
        const up = ghl.seen.find((r) => r.path === '/contacts/upsert' && (r.json as { firstName: string }).firstName === 'First2')!;
        assert.equal(up.headers.version, GHL_API_VERSION);
        assert.equal(up.headers.authorization, `Bearer ${TOKEN}`);
        assert.deepEqual(up.json, {
          locationId: 'loc-123',
          firstName: 'First2',
          lastName: 'Last2',
          source: 'dentrix-connector',
          email: 'patient2@example.com',
          phone: '+12025550102',
          dndSettings: { SMS: { status: 'active', message: 'dentrix-recall: landline' }, WhatsApp: { status: 'active', message: 'dentrix-recall: landline' } },
        });
        const c = ghl.findByEmail('patient2@example.com')!;
        assert.deepEqual(c.tags, ['due-soon', 'dentrix-recall', 'office:OFF1']);
      } finally {
        await ghl.close();
      }
    });

    it("GoHighLevel: a contact's add-tags call goes ahead of waiting upserts (each is delivered as it completes)", async () => {
      const ghl = await new GhlDouble('loc-123', TOKEN).start();
      try {
        const out = await run(contacts(4), { endpoint: { preset: 'gohighlevel', url: ghl.url, locationId: 'loc-123', signingSecret: undefined }, limiter: { concurrency: 1 } });
        assert.equal(out.summary.delivered, 4);
        // without priority all four upserts go first; with it at most one more upsert slips in
        let open = 0;
        let most = 0;
        for (const r of ghl.seen) most = Math.max(most, (open += r.path === '/contacts/upsert' ? 1 : -1));
        assert.ok(most <= 2, `${most} contacts upserted and waiting for their tags`);
        assert.equal(ghl.seen.length, 8);
      } finally {
        await ghl.close();
      }
    });

    it('HubSpot: batch upsert by e-mail with consent properties; a contact without e-mail is left unsent, not failed', async () => {
      server = await CrmServer.start({ token: TOKEN });
      const batch = [...contacts(3), contact(4, { channels: { sms: true, email: false, voice: false } })];
      const out = await run(batch, { endpoint: { preset: 'hubspot', url: server.url, signingSecret: undefined, fieldPrefix: 'dentrix_' }, settings: { batchSize: 100 } });
      assert.deepEqual(out.results.map((r) => r.outcome), ['delivered', 'delivered', 'delivered', 'retry']);
      assert.match(out.results[3].error!, /no e-mail/);
      assert.equal(server.requests.length, 1);
      const r = server.requests[0];
      assert.equal(r.path, '/crm/objects/2026-03/contacts/batch/upsert');
      const inputs = (r.json as { inputs: { idProperty: string; id: string; properties: Record<string, string> }[] }).inputs;
      assert.equal(inputs.length, 3);
      assert.deepEqual(inputs[0], {
        idProperty: 'email',
        id: 'patient1@example.com',
        objectWriteTraceId: batch[0].key,
        properties: {
          firstname: 'First1',
          lastname: 'Last1',
          email: 'patient1@example.com',
          phone: '+12025550101',
          recall_sms_ok: 'true',
          recall_email_ok: 'true',
          recall_voice_ok: 'false',
          dentrix_contact_key: hmac('OFF1', 'P1001'),
          dentrix_segment: 'due-soon',
          dentrix_office: 'OFF1',
          dentrix_recall_type: 'PROPHY',
          dentrix_due_date: '2026-12-01',
        },
      });
    });

    it('HubSpot 207 Multi-Status: only the inputs HubSpot confirms are delivered, the rest go next run', async () => {
      server = await CrmServer.start();
      server.enqueue({
        status: 207,
        body: {
          status: 'COMPLETE',
          results: [{ id: '11', properties: { email: 'patient1@example.com' } }, { id: '13', properties: { email: 'PATIENT3@example.com' } }],
          numErrors: 1,
          errors: [{ status: 'error', category: 'VALIDATION_ERROR', message: 'Property values were not valid', context: {} }],
        },
      });
      const out = await run(contacts(3), { endpoint: { preset: 'hubspot', url: server.url }, settings: { batchSize: 100 } });
      assert.deepEqual(out.results.map((r) => r.outcome), ['delivered', 'retry', 'delivered']);
      assert.match(out.results[1].error!, /HTTP 207: the CRM did not confirm this contact/);
      assert.deepEqual([out.summary.delivered, out.summary.retry], [2, 1]);
    });

    it('HubSpot with a custom unique property upserts by contactKey', async () => {
      server = await CrmServer.start();
      const out = await run(contacts(1), { endpoint: { preset: 'hubspot', url: server.url, idProperty: 'dentrix_contact_key' } });
      assert.equal(out.summary.delivered, 1);
      const input = (server.requests[0].json as { inputs: { idProperty: string; id: string }[] }).inputs[0];
      assert.deepEqual([input.idProperty, input.id], ['dentrix_contact_key', hmac('OFF1', 'P1001')]);
    });
  });

  describe('guards and leases (real SQLite ledger)', () => {
    let dir: string;
    let ledger: SqliteLedger;
    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-sink-'));
      ledger = await openLedger({ file: path.join(dir, 'ledger.db'), secret: TEST_SECRET });
    });
    afterEach(async () => {
      await ledger.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    async function reserved(batch: RecallContact[], leaseMs = 60_000, runId = 'run-1'): Promise<void> {
      const out = await ledger.reserve(batch.map((c) => c.key!), leaseMs, { runId });
      assert.equal(out.reserved.length, batch.length);
    }

    it('blast guard: refuses the whole batch, sends nothing, releases the reservations', async () => {
      server = await CrmServer.start();
      const batch = contacts(6);
      await reserved(batch);
      await assert.rejects(run(batch, { settings: { maxPerRun: 5 }, ctx: { ledger, runId: 'run-1' } }), (err: Error) => {
        assert.ok(err instanceof BlastGuardError);
        assert.match(err.message, /6 contacts to send, more than "max per run" \(5\); nothing was sent, 6 reservations released/);
        return true;
      });
      assert.equal(server.requests.length, 0);
      // released: another run can reserve them at once
      const again = await ledger.reserve(batch.map((c) => c.key!), 60_000, { runId: 'run-2' });
      assert.equal(again.reserved.length, 6);
    });

    it('refuses plain http to a non-loopback host, and releases', async () => {
      server = await CrmServer.start();
      const batch = contacts(2);
      await reserved(batch);
      await assert.rejects(run(batch, { endpoint: { url: 'http://192.0.2.10/hook' }, ctx: { ledger, runId: 'run-1' } }), /plain http:\/\/ to 192\.0\.2\.10/);
      assert.equal((await ledger.reserve(batch.map((c) => c.key!), 60_000, { runId: 'run-2' })).reserved.length, 2);
    });

    it('renews the leases of a run that outlives them', async () => {
      server = await CrmServer.start({ delayMs: 150 });
      const batch = contacts(5);
      await reserved(batch, 300);
      const keys = [batch[0].key!, batch[4].key!];
      const before = await ledger.status!(keys);
      const out = await run(batch, { limiter: { concurrency: 1 }, ctx: { ledger, leaseMs: 300, runId: 'run-1' } });
      assert.equal(out.summary.delivered, 5);
      assert.ok(out.summary.renewals >= 1, 'no renewal happened');
      const after = await ledger.status!(keys);
      // the first contact too: delivered early, it stays reserved until the commit after the run
      for (const k of keys) {
        const [b, a] = [before.find((r) => r.key === k)!, after.find((r) => r.key === k)!];
        assert.ok(a.leaseUntil! > b.leaseUntil!, `contact ${k.slice(0, 8)} kept its first lease`);
      }
    });

    it('checkpoints delivered keys into the ledger during the run; the gate still counts them as sent', async () => {
      server = await CrmServer.start({ delayMs: 150 });
      const batch = contacts(8);
      await reserved(batch);
      const keys = batch.map((c) => c.key!);
      server.failKey(keys[7], { status: 422 });
      let finished = false;
      const running = run(batch, { limiter: { concurrency: 1 }, ctx: { ledger, runId: 'run-1', checkpoint: { ledger, every: 2, maxWaitMs: 60_000 } } }).finally(() => (finished = true));
      // another connection to the file sees deliveries marked sent before the run is over
      let seenMidRun: Map<string, string> | undefined;
      while (!finished && !seenMidRun) {
        const states = await stateOf(path.join(dir, 'ledger.db'), keys);
        if ([...states.values()].includes('sent') && !finished) seenMidRun = states;
        else await new Promise((r) => setTimeout(r, 20));
      }
      const out = await running;
      assert.ok(seenMidRun, 'no key was marked sent before the run ended');
      const sentMidRun = keys.filter((k) => seenMidRun!.get(k) === 'sent');
      assert.ok(sentMidRun.length < 7, 'everything was marked at once');
      const twoXX = new Set(server.succeeded.map((q) => q.headers['idempotency-key']));
      for (const k of sentMidRun) assert.ok(twoXX.has(k), 'a key marked sent without a 2xx');
      assert.deepEqual([out.summary.delivered, out.summary.failed, out.summary.checkpointed, out.summary.checkpointFault], [7, 1, 7, undefined]);
      assert.equal(out.results.length, 8);
      // the failed contact is left to the commit gate
      const after = await stateOf(path.join(dir, 'ledger.db'), keys);
      assert.deepEqual(keys.map((k) => after.get(k)), [...Array(7).fill('sent'), 'reserved']);
      const gate = await commitResults(async () => ledger, out.results, { dryRun: false, runId: 'run-1' });
      assert.deepEqual([gate.sent, gate.failed, gate.released], [7, 1, 0]);
    });

    it('a checkpoint write fault loses nothing: every result goes out, nothing undelivered is marked sent', async () => {
      server = await CrmServer.start({ delayMs: 100 });
      const office = path.join(dir, 'office');
      const own = await openLedger({ file: path.join(office, 'l.db'), secret: TEST_SECRET });
      const batch = contacts(7);
      const keys = batch.map((c) => c.key!);
      assert.equal((await own.reserve(keys, 60_000, { runId: 'run-1' })).reserved.length, 7);
      server.failKey(keys[5], { status: 422 });
      server.failKey(keys[6], { status: 503 }, { status: 503 });
      const warnings: string[] = [];
      const running = run(batch, {
        settings: { policy: { ...DEFAULT_POLICY, maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 } },
        limiter: { concurrency: 1 },
        ctx: { ledger: own, runId: 'run-1', checkpoint: { ledger: own, every: 1, maxWaitMs: 60_000 }, onWarning: (m) => warnings.push(m) },
      });
      await server.waitForRequests(3);
      // the ledger's folder is moved away mid-run (a disk fault): later checkpoints fail
      fs.renameSync(office, path.join(dir, 'moved'));
      const out = await running;
      await own.close();
      assert.deepEqual(out.results.map((r) => r.outcome), [...Array(5).fill('delivered'), 'failed', 'retry']);
      assert.ok(out.summary.checkpointFault, 'no fault reported');
      assert.ok(out.summary.checkpointed < 5, `${out.summary.checkpointed} checkpointed`);
      assert.equal(warnings.filter((w) => /^checkpoint of \d+ delivered contacts failed/.test(w)).length, 1, warnings.join('\n'));
      const moved = path.join(dir, 'moved', 'l.db');
      const states = await stateOf(moved, keys);
      assert.deepEqual([states.get(keys[5]), states.get(keys[6])], ['reserved', 'reserved']);
      assert.equal(keys.filter((k) => states.get(k) === 'sent').length, out.summary.checkpointed);
      // the commit gate, once the ledger is back, records every delivery from the output
      const back = await openLedger({ file: moved, secret: TEST_SECRET });
      try {
        const gate = await commitResults(async () => back, out.results, { dryRun: false, runId: 'run-1' });
        assert.deepEqual([gate.sent, gate.failed, gate.released], [5, 1, 1]);
      } finally {
        await back.close();
      }
      const final = await stateOf(moved, keys);
      assert.deepEqual(keys.map((k) => final.get(k)), [...Array(5).fill('sent'), 'failed', 'reserved']);
    });

    it('a stop aborts in-flight requests, sends nothing more and releases the unsent keys', async () => {
      server = await CrmServer.start({ delayMs: 400 });
      const batch = contacts(8);
      await reserved(batch);
      const ac = new AbortController();
      const sink = sinkRun(batch, { limiter: { concurrency: 2 }, ctx: { ledger, runId: 'run-1', signal: ac.signal } });
      const running = sink.run();
      await server.waitForRequests(2);
      ac.abort();
      const snapshot = sink.snapshot();
      const committed = ledger.commit(snapshot, { runId: 'run-1' });
      const out = await running;
      await committed;
      const seen = server.requests.length;
      assert.equal(seen, 2);
      assert.deepEqual(new Set(out.results.map((r) => r.outcome)), new Set(['retry']));
      assert.match(out.summary.stopped!, /stopped/);
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(server.requests.length, seen, 'a request reached the server after the stop');
      assert.equal((await ledger.reserve(batch.map((c) => c.key!), 60_000, { runId: 'run-2' })).reserved.length, 8);
    });
  });
});
