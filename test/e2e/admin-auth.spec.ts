// flows/settings.js asks for an admin login when NODE_RED_ADMIN_PASSWORD_HASH is set.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startRuntime, type StartedRuntime } from '../support/runtime';

// bcryptjs comes with Node-RED (it checks the hash the same way)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bcrypt = require(require.resolve('bcryptjs', { paths: [path.dirname(require.resolve(`${process.env.NODE_RED_MODULE || 'node-red'}/package.json`))] })) as {
  hashSync(pw: string, rounds: number): string;
};

describe('editor login (NODE_RED_ADMIN_PASSWORD_HASH)', function () {
  this.timeout(120_000);
  let red: StartedRuntime;
  const password = 'correct horse battery staple';

  before(async () => {
    red = await startRuntime({
      env: { RECALL_WATCH_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'recall-auth-watch-')), NODE_RED_ADMIN_USER: 'office-it', NODE_RED_ADMIN_PASSWORD_HASH: bcrypt.hashSync(password, 8) },
      auth: { username: 'office-it', password },
    });
  });
  after(async () => red && (await red.stop()));

  it('refuses the admin API without a login', async () => {
    const res = await fetch(`${red.url}/flows`);
    assert.equal(res.status, 401);
  });

  it('refuses a wrong password', async () => {
    const res = await fetch(`${red.url}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'office-it', password: 'wrong' }),
    });
    assert.ok(res.status === 401 || res.status === 403, `HTTP ${res.status}`);
  });

  it('answers the admin API after a login with the right password', async () => {
    const { flows } = await red.api<{ flows: { type: string }[] }>('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
    assert.ok(flows.some((n) => n.type === 'recall-summary'));
  });

  it('the editor asks for the login', async () => {
    const res = await fetch(`${red.url}/auth/login`);
    const body = (await res.json()) as { type: string; prompts: { id: string }[] };
    assert.equal(body.type, 'credentials');
    assert.deepEqual(body.prompts.map((p) => p.id), ['username', 'password']);
  });
});
