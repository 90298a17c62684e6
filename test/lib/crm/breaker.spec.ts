// The run-fault breaker against a real HTTP server: a refusal that is the run's fault
// stops the run and releases everyone; a refusal about one contact fails that one only.
import { strict as assert } from 'node:assert';
import { createHttpClient, type HttpClient } from '../../../nodes/lib/crm/http';
import { CrmServer } from '../../support/crm-server';
import { contacts } from '../../support/contacts';
import { sinkRun } from './sink-setup';

describe('crm run-fault breaker', function () {
  this.timeout(20_000);
  let server: CrmServer;
  let client: HttpClient;
  beforeEach(() => (client = createHttpClient()));
  afterEach(async () => {
    client.destroy();
    await server?.close();
  });

  it('the same 4xx for the first requests of a run: stops, sends no more, marks no one failed', async () => {
    // a receiver that refuses the schema: every request gets the same 422
    server = await CrmServer.start({ handler: () => ({ status: 422, body: { error: 'unknown field schema' } }) });
    const out = await sinkRun(`${server.url}/hook`, client, contacts(40), { limiter: { concurrency: 2 } }).run();
    assert.equal(out.summary.failed, 0, 'an office marked failed wholesale');
    assert.equal(out.summary.retry, 40);
    assert.match(out.summary.stopped!, /first 3 requests of the run were all refused with HTTP 422/);
    assert.ok(server.requests.length <= 4, `kept sending: ${server.requests.length} requests`);
  });

  it('one bad contact among good ones fails alone, the run goes on', async () => {
    server = await CrmServer.start();
    const batch = contacts(6);
    server.failKey(batch[0].key!, { status: 422, body: { error: 'invalid phone' } });
    const out = await sinkRun(`${server.url}/hook`, client, batch, { limiter: { concurrency: 1 } }).run();
    assert.deepEqual(out.results.map((r) => r.outcome), ['failed', 'delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
    assert.equal(out.summary.stopped, undefined);
  });

  it('two different refusals are about their contacts, not the run', async () => {
    server = await CrmServer.start();
    const batch = contacts(3);
    server.failKey(batch[0].key!, { status: 422 });
    server.failKey(batch[1].key!, { status: 400 });
    server.failKey(batch[2].key!, { status: 422 });
    const out = await sinkRun(`${server.url}/hook`, client, batch, { limiter: { concurrency: 1 } }).run();
    assert.deepEqual(out.results.map((r) => r.outcome), ['failed', 'failed', 'failed']);
  });

  it('a run whose every request is refused the same way is released, however small', async () => {
    server = await CrmServer.start({ handler: () => ({ status: 400, body: { error: 'bad request' } }) });
    const out = await sinkRun(`${server.url}/hook`, client, contacts(2)).run();
    assert.deepEqual(out.results.map((r) => r.outcome), ['retry', 'retry']);
    assert.match(out.summary.stopped!, /refused/);
  });

  it('a 200 answering {"success":false} is not delivered; the same for the first requests stops the run', async () => {
    server = await CrmServer.start({ handler: () => ({ status: 200, body: { success: false, message: 'invalid api key' } }) });
    const out = await sinkRun(`${server.url}/hook`, client, contacts(10), { limiter: { concurrency: 1 } }).run();
    assert.equal(out.summary.delivered, 0, 'an error body was recorded sent');
    assert.equal(out.summary.failed, 0);
    assert.match(out.results[0].error!, /HTTP 200 OK, but the answer says it failed/);
    assert.match(out.results[0].response!, /invalid api key/);
    assert.equal(server.requests.length, 3);
  });

  it('a generic batch refused whole is split until the bad contact is found', async () => {
    server = await CrmServer.start({
      handler: (req) => (Array.isArray(req.json) && (req.json as { firstName: string }[]).some((p) => p.firstName === 'First5') ? { status: 400, body: { error: 'bad item' } } : undefined),
    });
    const out = await sinkRun(`${server.url}/hook`, client, contacts(8), { settings: { batchSize: 8 } }).run();
    assert.deepEqual(out.results.map((r) => r.outcome), ['delivered', 'delivered', 'delivered', 'delivered', 'failed', 'delivered', 'delivered', 'delivered']);
  });

  it('409 (a request with this key still in progress) is retried', async () => {
    server = await CrmServer.start();
    const [c] = contacts(1);
    server.failKey(c.key!, { status: 409, body: { error: 'in progress' } });
    const out = await sinkRun(`${server.url}/hook`, client, [c]).run();
    assert.deepEqual([out.results[0].outcome, out.results[0].attempts], ['delivered', 2]);
  });
});
