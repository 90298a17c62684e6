// Attacks on the CRM sink (issue 13): a trickling server, an endless answer, secrets in
// the URL, spreadsheet formulas and markup in patient fields.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveEndpoint } from '../../../nodes/lib/crm/config';
import { createHttpClient, NetworkError, type HttpClient } from '../../../nodes/lib/crm/http';
import { neutralizeText } from '../../../nodes/lib/crm/neutralize';
import { CrmServer } from '../../support/crm-server';
import { contact } from '../../support/contacts';
import { sinkRun } from './sink-setup';

async function rawServer(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('crm sink hardening', function () {
  this.timeout(20_000);
  let client: HttpClient;
  beforeEach(() => (client = createHttpClient()));
  afterEach(() => client.destroy());

  it('the timeout is a deadline for the whole exchange: a server trickling a byte at a time cannot hold the request', async () => {
    const timers = new Set<NodeJS.Timeout>();
    const srv = await rawServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      let n = 0;
      const t = setInterval(() => {
        res.write(' ');
        if (++n === 12) {
          clearInterval(t);
          res.end('{"ok":true}');
        }
      }, 250);
      timers.add(t);
    });
    try {
      // 12 bytes, 250 ms apart: never idle for 1 s, complete only after 3 s
      await assert.rejects(client.post(`${srv.url}/hook`, {}, '{}', { timeoutMs: 1000 }), (err: Error) => err instanceof NetworkError && err.timedOut && /within 1000 ms/.test(err.message));
    } finally {
      for (const t of timers) clearInterval(t);
      await srv.close();
    }
  });

  it('an answer larger than 1 MiB is not read', async () => {
    const srv = await rawServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('"' + 'x'.repeat(2 * 1024 * 1024) + '"');
    });
    try {
      await assert.rejects(client.post(`${srv.url}/hook`, {}, '{}', { timeoutMs: 5000 }), /larger than 1048576 bytes/);
    } finally {
      await srv.close();
    }
  });

  it('an answer cut off before its end is a network error, never a short answer', async () => {
    const srv = await rawServer((req, res) => {
      req.resume();
      // a 200 announcing 100 bytes, then the connection dropped after 10
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"results"');
      setTimeout(() => res.socket?.destroy(), 50);
    });
    try {
      await assert.rejects(client.post(`${srv.url}/hook`, {}, '{}', { timeoutMs: 5000 }), (err: Error) => err instanceof NetworkError && !err.timedOut && !err.aborted);
    } finally {
      await srv.close();
    }
  });

  it('sends the body with its length and the headers given, and returns status, headers and body', async () => {
    let seen: { method?: string; headers: http.IncomingHttpHeaders; body: string } | undefined;
    const srv = await rawServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        seen = { method: req.method, headers: req.headers, body };
        res.writeHead(202, 'Taken', { 'X-RateLimit-Remaining': '7' });
        res.end('{"id":"é"}');
      });
    });
    try {
      const answer = await client.post(`${srv.url}/hook`, { 'Content-Type': 'application/json', 'Idempotency-Key': 'k1' }, '{"name":"Zoë"}', { timeoutMs: 5000 });
      assert.equal(answer.status, 202);
      assert.equal(answer.statusText, 'Taken');
      assert.equal(answer.header('x-ratelimit-remaining'), '7');
      assert.equal(answer.body, '{"id":"é"}');
      assert.equal(seen?.method, 'POST');
      assert.equal(seen?.body, '{"name":"Zoë"}');
      assert.equal(seen?.headers['content-length'], String(Buffer.byteLength('{"name":"Zoë"}')));
      assert.equal(seen?.headers['idempotency-key'], 'k1');
    } finally {
      await srv.close();
    }
  });

  it('dry-run output and URL errors never show query secrets', async () => {
    const out = await sinkRun('https://crm.example.com/hooks/recall?api_key=SECRET-123&x=1', client, [contact(1)], { settings: { dryRun: true } }).run();
    const url = out.results[0].request!.url;
    assert.equal(url, 'https://crm.example.com/hooks/recall?api_key=[redacted]&x=[redacted]');
    assert.ok(!JSON.stringify(out).includes('SECRET-123'));
    const bad = resolveEndpoint({ url: 'https//crm.example.com/hook?api_key=SECRET-123' }).problem!;
    assert.match(bad, /not a valid URL/);
    assert.ok(!bad.includes('SECRET-123'), bad);
  });

  it('formulas and markup are neutralized and fields capped before they reach the CRM; an E.164 phone keeps its +', async () => {
    const server = await CrmServer.start();
    try {
      const evil = contact(1, {
        firstName: '=HYPERLINK("http://evil.example","click")',
        lastName: '<img src=x onerror=alert(1)>' + 'A'.repeat(1024 * 1024),
        recallType: '+SUM(1,2)',
      });
      const out = await sinkRun(`${server.url}/hook`, client, [evil]).run();
      assert.equal(out.summary.delivered, 1);
      const body = server.requests[0].json as Record<string, string>;
      assert.equal(body.firstName, `'=HYPERLINK("http://evil.example","click")`);
      assert.ok(!/[<>]/.test(body.lastName) && body.lastName.length <= 100, body.lastName.slice(0, 40));
      assert.equal(body.recallType, `'+SUM(1,2)`);
      assert.equal(body.phone, '+12025550101');
      assert.ok(server.requests[0].body.length < 4096);
    } finally {
      await server.close();
    }
  });

  it('a CRM refusal that echoes the patient (chart number, name, phone) stays out of errors, the stop reason and status', async () => {
    const echo = { success: false, message: 'Chart P1001 First1 Last1 +12025550101 rejected' };
    const server = await CrmServer.start({ handler: () => ({ status: 200, body: echo }) });
    try {
      const out = await sinkRun(`${server.url}/hook`, client, [contact(1), contact(2), contact(3)], { limiter: { concurrency: 1 } }).run();
      const texts = [out.summary.stopped ?? '', ...out.results.map((r) => r.error ?? '')].join('\n');
      assert.equal(out.summary.delivered, 0);
      for (const leak of ['P1001', 'First1', '+12025550101']) assert.ok(!texts.includes(leak), `${leak} in: ${texts}`);
    } finally {
      await server.close();
    }
  });

  it('neutralizeText: -, @, tab and CR starts are quoted too; ordinary names are untouched', () => {
    assert.equal(neutralizeText('-2+3'), `'-2+3`);
    assert.equal(neutralizeText('@SUM(A1)'), `'@SUM(A1)`);
    assert.equal(neutralizeText('\t=1'), `'\t=1`);
    assert.equal(neutralizeText("O'Brien-Smith"), "O'Brien-Smith");
    assert.equal(neutralizeText('José'), 'José');
  });
});
