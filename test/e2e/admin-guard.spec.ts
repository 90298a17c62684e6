// A web page must not drive the editor: a started runtime (flows/start.js, no login,
// dry-run) attacked over real HTTP and a real websocket with a foreign Host (DNS
// rebinding) and a foreign Origin (a page's cross-site request). The guard sits on the
// server, whatever the flow: a small flow of core nodes keeps the test about it.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import WebSocket = require('ws');
import { startRuntime, type StartedRuntime } from '../support/runtime';

/** a flow a page would love to read: the editor serves it only to itself */
const FLOW = [
  { id: 'tab1', type: 'tab', label: 'Dental recall' },
  { id: 'inj', type: 'inject', z: 'tab1', name: 'schedule', repeat: '', once: false, wires: [['dbg']] },
  { id: 'dbg', type: 'debug', z: 'tab1', name: 'recall-summary output', active: true, tosidebar: true, wires: [] },
];

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

function request(url: string, method: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** the HTTP status of a websocket upgrade to /comms: 101 when it opened */
function upgrade(url: string, opts: WebSocket.ClientOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/comms`, opts);
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

describe('admin API and /comms refuse a foreign Host or Origin (flows/admin-guard.js)', function () {
  this.timeout(120_000);
  let red: StartedRuntime;
  let port: string;
  before(async () => {
    red = await startRuntime({ env: { RECALL_WATCH_DIR: '' }, flow: FLOW });
    port = new URL(red.url).port;
  });
  after(async () => red && (await red.stop()));

  it('GET /flows with Host rebind.attacker.test (DNS rebinding) → 403, nothing of the flow', async () => {
    const res = await request(`${red.url}/flows`, 'GET', { Host: `rebind.attacker.test:${port}` });
    console.log(`      GET /flows Host rebind.attacker.test → ${res.status}`);
    assert.equal(res.status, 403);
    assert.doesNotMatch(res.body, /recall-summary/);
  });

  it('a POST /flows preflight from Origin http://evil.example → 403 without Access-Control-Allow-Origin', async () => {
    const res = await request(`${red.url}/flows`, 'OPTIONS', {
      Origin: 'http://evil.example',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type',
    });
    console.log(`      OPTIONS /flows Origin http://evil.example → ${res.status}, ACAO ${res.headers['access-control-allow-origin'] ?? 'absent'}`);
    assert.equal(res.status, 403);
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });

  it('a POST /flows from Origin http://evil.example (a form post, no preflight) → 403', async () => {
    const res = await request(`${red.url}/flows`, 'POST', { Origin: 'http://evil.example', 'Content-Type': 'text/plain' });
    assert.equal(res.status, 403);
  });

  it('a /comms websocket from Origin http://evil.example → 403, not opened', async () => {
    const status = await upgrade(red.url, { origin: 'http://evil.example' });
    console.log(`      /comms upgrade Origin http://evil.example → ${status}`);
    assert.equal(status, 403);
  });

  it('a /comms websocket with Host rebind.attacker.test → 403', async () => {
    assert.equal(await upgrade(red.url, { headers: { Host: `rebind.attacker.test:${port}` } }), 403);
  });

  it('the editor itself still works: same-origin GET /flows and /comms, with no Access-Control-Allow-Origin: *', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const res = await request(`${red.url}/flows`, 'GET', { Host: host, Origin: `http://${host}` });
      assert.equal(res.status, 200, host);
      assert.equal(res.headers['access-control-allow-origin'], undefined);
    }
    const plain = await request(`${red.url}/flows`, 'GET', {});
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['access-control-allow-origin'], undefined);
    assert.equal(await upgrade(red.url, { origin: `http://127.0.0.1:${port}` }), 101);
  });
});

describe('NODE_RED_ALLOWED_HOSTS (a reverse proxy name, opt-in)', function () {
  this.timeout(120_000);
  let red: StartedRuntime;
  before(async () => {
    red = await startRuntime({ env: { RECALL_WATCH_DIR: '', NODE_RED_ALLOWED_HOSTS: 'recall.office.lan' }, flow: FLOW });
  });
  after(async () => red && (await red.stop()));

  it('answers the listed name and still refuses others', async () => {
    assert.equal((await request(`${red.url}/flows`, 'GET', { Host: 'recall.office.lan', Origin: 'https://recall.office.lan' })).status, 200);
    assert.equal((await request(`${red.url}/flows`, 'GET', { Host: 'rebind.attacker.test' })).status, 403);
  });
});
