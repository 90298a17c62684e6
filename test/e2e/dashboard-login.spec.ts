// The dashboard page asks for the editor's login whenever the editor has one: its HTTP
// routes through httpNodeAuth, its socket.io link through flows/dashboard-auth.js.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromiumMissing, launchBrowser } from '../support/browser';
import { ROOT } from '../support/paths';
import { startRuntime, type StartedRuntime } from '../support/runtime';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const bcrypt = require(require.resolve('bcryptjs', { paths: [path.dirname(require.resolve(`${process.env.NODE_RED_MODULE || 'node-red'}/package.json`))] })) as {
  hashSync(pw: string, rounds: number): string;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { basicAuthOk, dashboardSocketGuard } = require(path.join(ROOT, 'flows', 'dashboard-auth.js')) as {
  basicAuthOk(header: string, auth: { user: string; pass: string }): boolean;
  dashboardSocketGuard(auth?: { user: string; pass: string }): (socket: unknown, next: (err?: Error) => void) => void;
};

const password = 'front desk may not';
const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

describe('dashboard login', function () {
  this.timeout(120_000);
  const auth = { user: 'office-it', pass: bcrypt.hashSync(password, 8) };

  describe('the socket.io check (flows/dashboard-auth.js)', () => {
    const socket = (url: string, authorization?: string, xdomain = false) => {
      const s = {
        closed: false,
        disconnected: false,
        handshake: { xdomain },
        client: { conn: { request: { url, headers: authorization ? { authorization } : {} }, close: () => (s.closed = true) } },
        disconnect: () => (s.disconnected = true),
      };
      return s;
    };
    const outcome = (guard: ReturnType<typeof dashboardSocketGuard>, s: ReturnType<typeof socket>) => {
      let result = 'no answer';
      guard(s, (err?: Error) => (result = err ? `refused: ${err.message}` : 'passed'));
      return s.closed ? 'closed' : s.disconnected ? 'disconnected' : result;
    };

    it('checks user and password against the bcrypt hash', () => {
      assert.equal(basicAuthOk(basic('office-it', password), auth), true);
      assert.equal(basicAuthOk(basic('office-it', 'wrong'), auth), false);
      assert.equal(basicAuthOk(basic('admin', password), auth), false);
      assert.equal(basicAuthOk('Bearer abc', auth), false);
      assert.equal(basicAuthOk('', auth), false);
    });

    it('with a login: passes the right one, refuses none or a wrong one; no direct websocket, no other origin', () => {
      const guard = dashboardSocketGuard(auth);
      const poll = '/dashboard/socket.io/?EIO=4&transport=polling';
      assert.equal(outcome(guard, socket(poll, basic('office-it', password))), 'passed');
      assert.equal(outcome(guard, socket(poll)), 'refused: the dashboard needs the editor login');
      assert.equal(outcome(guard, socket(poll, basic('office-it', 'wrong'))), 'refused: the dashboard needs the editor login');
      assert.equal(outcome(guard, socket('/dashboard/socket.io/?EIO=4&transport=websocket', basic('office-it', password))), 'closed');
      assert.equal(outcome(guard, socket(poll, basic('office-it', password), true)), 'disconnected');
    });

    it('without a login: passes (the editor is open too), still same origin only', () => {
      const guard = dashboardSocketGuard(undefined);
      assert.equal(outcome(guard, socket('/dashboard/socket.io/?EIO=4&transport=polling')), 'passed');
      assert.equal(outcome(guard, socket('/dashboard/socket.io/?EIO=4&transport=polling', undefined, true)), 'disconnected');
    });
  });

  describe('in a real runtime with NODE_RED_ADMIN_PASSWORD_HASH set', () => {
    let red: StartedRuntime;
    before(async () => {
      red = await startRuntime({
        env: { RECALL_WATCH_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'recall-dash-login-')), NODE_RED_ADMIN_USER: 'office-it', NODE_RED_ADMIN_PASSWORD_HASH: auth.pass },
        auth: { username: 'office-it', password },
      });
    });
    after(async () => red && (await red.stop()));

    it('the page and its files answer 401 without the login, 200 with it', async () => {
      for (const route of ['/dashboard/recall', '/dashboard/_setup']) {
        assert.equal((await fetch(red.url + route)).status, 401, route);
        assert.equal((await fetch(red.url + route, { headers: { Authorization: basic('office-it', 'wrong') } })).status, 401, route);
        assert.equal((await fetch(red.url + route, { headers: { Authorization: basic('office-it', password) } })).status, 200, route);
      }
    });

    it('in Chromium, with the login the page fills in (its socket.io link passes the check)', async function () {
      const missing = chromiumMissing();
      if (missing) this.skip();
      const b = await launchBrowser({ width: 1280, height: 900 }, { httpCredentials: { username: 'office-it', password } });
      try {
        await b.page.goto(`${red.url}/dashboard/recall`);
        // Dashboard 2.0 gets its widgets over the socket: they render only when the link passed the check
        await b.page.waitForSelector('[data-testid="runs"]', { timeout: 60_000 });
        assert.match(await b.page.locator('[data-testid="runs"]').innerText(), /No run since Node-RED started/);
        assert.deepEqual(b.errors, []);
      } finally {
        await b.close();
      }
    });
  });
});
