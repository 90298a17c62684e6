// recall-summary in a real Node-RED runtime (test helper), with a real
// http request node pinging a real HTTP server on 127.0.0.1.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { helper, NODE_RED_MODULE, useHelper } from '../support/helper';
import { nodeModule } from '../support/paths';

// The core nodes of the Node-RED under test: Node-RED 5 keeps its own @node-red/nodes
// nested under node-red-5, so resolve from there (the hoisted copy is 4.1's).
const coreNodesDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(require.resolve(`${NODE_RED_MODULE}/package.json`))] }));

// eslint-disable-next-line @typescript-eslint/no-require-imports
const httpRequestNode = require(path.join(coreNodesDir, 'core', 'network', '21-httprequest.js'));

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require(path.join(coreNodesDir, 'core', 'common', '25-catch.js'));

const summaryNode = nodeModule('recall-summary');

function flow(extra: Record<string, unknown> = {}): any[] {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'sum', type: 'recall-summary', z: 'f1', name: 'Run summary', office: 'OFFICE_CODE', officeType: 'env', healthUrl: 'TEST_HEALTH_URL', healthUrlType: 'env', timeZone: 'UTC', timeZoneType: 'str', wires: [['out1'], ['out2'], ['out3']], ...extra },
    { id: 'out1', type: 'helper', z: 'f1' },
    { id: 'out2', type: 'helper', z: 'f1' },
    { id: 'out3', type: 'helper', z: 'f1' },
  ];
}

const RUN = {
  payload: [{ key: 'k1', patientId: 'P1', outcome: 'delivered', attempts: 1 }, { key: 'k2', patientId: 'P2', outcome: 'failed', attempts: 1, error: 'HTTP 422' }],
  recall: { runId: 'r1', office: 'SLC', source: 'export', counts: { 'not-due': 3 } },
};

function next(node: any): Promise<any> {
  return new Promise((resolve) => node.once('input', resolve));
}

describe('recall-summary node', function () {
  useHelper();
  afterEach(() => {
    delete process.env.TEST_HEALTH_URL;
  });

  it('sends the run summary and the success ping', async () => {
    process.env.TEST_HEALTH_URL = 'https://hc-ping.example.com/abc';
    await helper.load(summaryNode, flow());
    const sum = helper.getNode('sum');
    const [s, ping] = await Promise.all([next(helper.getNode('out1')), next(helper.getNode('out2')), sum.receive(RUN)]);
    assert.equal(s.topic, 'run-summary');
    assert.equal(s.payload.ok, true);
    assert.deepEqual(s.payload.delivery, { delivered: 1, failed: 1, retry: 0, 'dry-run': 0 });
    assert.deepEqual(s.payload.leftOut, { 'not-due': 3 });
    assert.equal(ping.url, 'https://hc-ping.example.com/abc');
    assert.equal(ping.method, 'POST');
    assert.match(ping.payload, /^SLC export run: 1 delivered; 1 failed; left out: 3 not-due$/);
    assert.equal((sum.context().get('lastRun') as any).runId, 'r1');
  });

  it('pings <url>/fail for an error from a Catch node, with the office from OFFICE_CODE', async () => {
    process.env.TEST_HEALTH_URL = 'https://hc-ping.example.com/abc';
    const saved = process.env.OFFICE_CODE;
    process.env.OFFICE_CODE = 'PRV';
    try {
      await helper.load(summaryNode, flow());
      const [s, ping] = await Promise.all([
        next(helper.getNode('out1')),
        next(helper.getNode('out2')),
        helper.getNode('sum').receive({ payload: {}, error: { message: 'Error: CRM_WEBHOOK_URL is not set', source: { id: 'x', type: 'crm-webhook-out', name: 'CRM webhook' } } }),
      ]);
      assert.equal(s.payload.ok, false);
      assert.equal(ping.url, 'https://hc-ping.example.com/abc/fail');
      assert.equal(ping.payload, 'PRV unknown run FAILED at CRM webhook: CRM_WEBHOOK_URL is not set');
    } finally {
      if (saved === undefined) delete process.env.OFFICE_CODE;
      else process.env.OFFICE_CODE = saved;
    }
  });

  it('sends no ping when no health check is configured', async () => {
    process.env.TEST_HEALTH_URL = '';
    await helper.load(summaryNode, flow());
    const pings: unknown[] = [];
    helper.getNode('out2').on('input', (m: unknown) => pings.push(m));
    // the summary comes after the (absent) ping on the same send, so waiting for it is enough
    const s = await Promise.all([next(helper.getNode('out1')), helper.getNode('sum').receive(RUN)]);
    assert.equal(s[0].payload.ok, true);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(pings, []);
  });

  it('marks itself red and raises an error naming HEALTHCHECK_URL when it is not a URL', async () => {
    process.env.TEST_HEALTH_URL = 'hc-ping.com/abc';
    await helper.load(summaryNode, flow());
    const sum = helper.getNode('sum');
    const errored = new Promise<any>((resolve) => sum.on('call:error', (call: any) => resolve(call)));
    sum.receive(RUN);
    const call = await errored;
    assert.match(String(call.args[0]), /HEALTHCHECK_URL is not a URL/);
    const statuses = sum.status.args.map((a: any[]) => a[0]);
    assert.equal(statuses.at(-1).fill, 'red');
  });

  it("sends the day's totals on a daily-summary trigger and starts a new day", async () => {
    await helper.load(summaryNode, flow());
    const sum = helper.getNode('sum');
    await Promise.all([next(helper.getNode('out1')), sum.receive(RUN)]);
    await Promise.all([next(helper.getNode('out1')), sum.receive(RUN)]);
    const [mail] = await Promise.all([next(helper.getNode('out3')), sum.receive({ topic: 'daily-summary', payload: '' })]);
    assert.match(mail.topic, /^Dental recall SLC \d{4}-\d{2}-\d{2}: ok, 2 delivered$/);
    assert.match(mail.payload, /<th align="left">Failed permanently<\/th><td>2<\/td>/);
    assert.match(mail.plaintext, /Runs: 2\n/);
    const [again] = await Promise.all([next(helper.getNode('out3')), sum.receive({ topic: 'daily-summary' })]);
    assert.match(again.topic, /NO RUNS/);
  });

  it('keeps the bookings-after-contact figures of msg.recall.outcomes, in its output, its context and the daily e-mail', async () => {
    await helper.load(summaryNode, flow());
    const sum = helper.getNode('sum');
    const outcomes = {
      asOf: '2026-12-01',
      figures: [
        { office: 'SLC', segment: 'due-now', days: 30, contacted: 12, bookedWithin30: 5, conversionPct: 41.7, medianDaysToBooking: 6, optedOutAfterContact: 1, bounced: 0 },
        { office: 'SLC', segment: 'all', days: 90, contacted: 40, bookedWithin30: 14, conversionPct: 35, medianDaysToBooking: 8.5, optedOutAfterContact: 2, bounced: 1 },
      ],
    };
    const [s] = await Promise.all([next(helper.getNode('out1')), sum.receive({ ...RUN, recall: { ...RUN.recall, outcomes } })]);
    assert.deepEqual(s.recall.outcomes, outcomes);
    assert.deepEqual(s.payload.outcomes, outcomes);
    assert.deepEqual(sum.context().get('outcomes'), outcomes);
    // a later run without figures (a failed one) keeps the last known
    await Promise.all([next(helper.getNode('out1')), sum.receive({ error: { message: 'Error: boom' } })]);
    const [mail] = await Promise.all([next(helper.getNode('out3')), sum.receive({ topic: 'daily-summary' })]);
    assert.match(mail.plaintext, /Bookings after contact \(as of 2026-12-01\):\n- SLC due-now, last 30 days: 12 contacted, 5 booked within 30 days \(41.7 %\), median 6 days to booking, 1 opted out after contact, 0 bounced\n- SLC all segments, last 90 days: 40 contacted, 14 booked within 30 days \(35 %\), median 8.5 days/);
    assert.match(mail.payload, /<h3>Bookings after contact \(as of 2026-12-01\)<\/h3>/);
  });

  it('answers recall-status with the last runs (newest first, a failed run red once) and the figures, counting no run', async () => {
    await helper.load(summaryNode, flow());
    const sum = helper.getNode('sum');
    await Promise.all([next(helper.getNode('out1')), sum.receive(RUN)]);
    await Promise.all([next(helper.getNode('out1')), sum.receive({ error: { message: 'Error: CRM refused the token', source: { type: 'crm-webhook-out' } }, recall: { ...RUN.recall, runId: 'r2' } })]);
    // the failed run also hands on its results: still one entry, still failed
    await Promise.all([next(helper.getNode('out1')), sum.receive({ ...RUN, recall: { ...RUN.recall, runId: 'r2' } })]);
    const [status] = await Promise.all([next(helper.getNode('out1')), sum.receive({ topic: 'recall-status' })]);
    assert.equal(status.topic, 'recall-status');
    assert.deepEqual(status.payload.runs.map((r: any) => [r.runId, r.ok]), [['r2', false], ['r1', true]]);
    assert.deepEqual(status.payload.runs[1].leftOut, { 'not-due': 3 });
    assert.equal(status.payload.outcomes, null);
    assert.equal((sum.context().get('today') as any).runs, 2);
  });

  it('a run that reached Catch and then handed on its results stays failed, counted once', async () => {
    process.env.TEST_HEALTH_URL = 'https://hc-ping.example.com/abc';
    await helper.load(summaryNode, flow());
    const sum = helper.getNode('sum');
    const recall = { runId: 'r9', office: 'SLC', source: 'export', counts: {} };
    const error = { message: 'Error: the CRM refused the token (HTTP 401)', source: { type: 'crm-webhook-out', name: 'CRM webhook' } };
    const [, ping1] = await Promise.all([next(helper.getNode('out1')), next(helper.getNode('out2')), sum.receive({ payload: [], recall, error })]);
    const results = [{ key: 'k1', patientId: 'P1', outcome: 'retry', attempts: 1 }];
    const [s, ping2] = await Promise.all([next(helper.getNode('out1')), next(helper.getNode('out2')), sum.receive({ payload: results, recall })]);
    assert.equal(ping1.url, 'https://hc-ping.example.com/abc/fail');
    assert.equal(ping2.url, 'https://hc-ping.example.com/abc/fail', 'no success ping for a failed run');
    assert.equal(s.payload.ok, false);
    assert.equal(s.payload.delivery.retry, 1);
    assert.match(s.payload.text, /FAILED at CRM webhook: the CRM refused the token/);
    const [mail] = await Promise.all([next(helper.getNode('out3')), sum.receive({ topic: 'daily-summary' })]);
    assert.equal(mail.totals.runs, 1);
    assert.equal(mail.totals.failedRuns, 1);
    assert.equal(mail.totals.delivery.retry, 1);
  });

  it('the ping reaches a real health-check server through an http request node', async () => {
    const hits: { method?: string; url?: string; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        hits.push({ method: req.method, url: req.url, body });
        res.end('OK');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      process.env.TEST_HEALTH_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping/abc`;
      const f = flow();
      f[1].wires = [[], ['req'], []];
      f.push({ id: 'req', type: 'http request', z: 'f1', method: 'use', ret: 'txt', url: '', wires: [['out2']] } as any);
      await helper.load([summaryNode, httpRequestNode], f);
      const [res] = await Promise.all([next(helper.getNode('out2')), helper.getNode('sum').receive({ ...RUN, error: { message: 'boom' } })]);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(hits, [{ method: 'POST', url: '/ping/abc/fail', body: 'SLC export run FAILED: boom' }]);
    } finally {
      server.close();
    }
  });
});

describe('recall-summary health ping: attacks (real http request node, real servers on 127.0.0.1)', function () {
  this.timeout(60_000);
  const servers: http.Server[] = [];
  useHelper();
  afterEach(() => {
    delete process.env.TEST_HEALTH_URL;
    for (const s of servers.splice(0)) s.closeAllConnections(), s.close();
  });

  async function serve(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function loadWithRequestNode(): Promise<void> {
    const f = flow();
    f[1].wires = [[], ['req'], []];
    f.push({ id: 'req', type: 'http request', z: 'f1', method: 'use', ret: 'txt', url: '', senderr: false, wires: [['out2']] } as any);
    f.push({ id: 'c1', type: 'catch', z: 'f1', scope: ['req'], uncaught: false, wires: [['out3']] } as any);
    await helper.load([summaryNode, httpRequestNode, catchNode], f);
  }

  it('does not follow a redirect (the summary would go wherever the answer says)', async () => {
    const elsewhere: string[] = [];
    const target = await serve((req, res) => {
      elsewhere.push(req.url ?? '');
      res.end('OK');
    });
    const base = await serve((_req, res) => {
      res.writeHead(307, { Location: `${target}/collect` });
      res.end();
    });
    process.env.TEST_HEALTH_URL = `${base}/ping/abc`;
    await loadWithRequestNode();
    const [res] = await Promise.all([next(helper.getNode('out2')), helper.getNode('sum').receive(RUN)]);
    assert.equal(res.statusCode, 307);
    assert.deepEqual(elsewhere, [], 'the redirect was followed');
  });

  it('gives up on a health server that never answers after 10 s (not the 120 s default)', async () => {
    const base = await serve(() => undefined); // holds the request open
    process.env.TEST_HEALTH_URL = `${base}/ping/abc`;
    await loadWithRequestNode();
    const sent = Date.now();
    const [err] = await Promise.all([next(helper.getNode('out3')), helper.getNode('sum').receive(RUN)]);
    const ms = Date.now() - sent;
    console.log(`      the http request node gave up after ${ms} ms: ${err.error.message}`);
    // Node-RED reports its request timeout as "no response" (common.notification.errors.no-response)
    assert.match(String(err.error.message), /no-response|no response|timeout|timed out/i);
  });

  for (const url of ['http://hc-ping.example.com/abc', 'http://10.0.0.5/ping', 'ftp://127.0.0.1/x']) {
    it(`refuses ${url}: the summary leaves the machine over https only`, async () => {
      process.env.TEST_HEALTH_URL = url;
      await helper.load(summaryNode, flow());
      const sum = helper.getNode('sum');
      const pings: unknown[] = [];
      helper.getNode('out2').on('input', (m: unknown) => pings.push(m));
      await sum.receive(RUN);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(pings, []);
      const err = (sum as any).error.lastCall?.args[0];
      assert.match(String(err?.message ?? err), /HEALTHCHECK_URL must be https/);
    });
  }

  it('masks the chart numbers of the batch in the error text of the status, the summary and the ping', async () => {
    process.env.TEST_HEALTH_URL = 'https://hc-ping.example.com/abc';
    await helper.load(summaryNode, flow());
    const sum = helper.getNode('sum');
    const failedRun = {
      payload: [{ patientId: 'GA0012', firstName: 'Maria' }, { patientId: '4711', firstName: 'Leo' }],
      recall: { runId: 'r9', office: 'SLC', source: 'export' },
      error: { message: 'Error: contact 1 (patient GA0012) was refused: CRM says 4711 and GA0012 are duplicates; 47110 rows', source: { name: 'CRM webhook' } },
    };
    const [s, ping] = await Promise.all([next(helper.getNode('out1')), next(helper.getNode('out2')), sum.receive(failedRun)]);
    const status = String((sum as any).status.lastCall.args[0].text);
    for (const text of [s.payload.error, s.payload.text, ping.payload, status]) {
      assert.doesNotMatch(text, /GA0012|\b4711\b/, text);
    }
    assert.match(ping.payload, /CRM says \[chart #\] and \[chart #\] are duplicates; 47110 rows/);
  });
});
