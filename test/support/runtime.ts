// A real Node-RED runtime, started the way `npm start` starts it (flows/start.js),
// in a child process with its own user dir and port.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './paths';

/** A Node-RED child process that has started its flows and answers on its admin API. */
export interface NodeRedProcess {
  url: string;
  child: ChildProcess;
  /** everything the process printed so far */
  output(): string;
  /** resolves with the first match of `re` in the output printed after `from` (a length of output()) */
  waitForOutput(re: RegExp, from?: number, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGINT, then SIGKILL if it has not exited after 20 s */
  stop(): Promise<void>;
}

export interface StartedRuntime extends NodeRedProcess {
  userDir: string;
  /** the admin API's bearer token when the runtime asks for a login (for /comms) */
  token(): Promise<string | undefined>;
  /** GET/POST on the admin API; JSON in and out */
  api<T = unknown>(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  env?: Record<string, string>;
  /** an existing user dir (default: a new temp folder) */
  userDir?: string;
  /** a flow file to install instead of the default flow */
  flow?: unknown[];
  timeoutMs?: number;
  /** log in to the admin API with these (when NODE_RED_ADMIN_PASSWORD_HASH is set) */
  auth?: { username: string; password: string };
}

/** A login for live runs: flows/start.js refuses one without NODE_RED_ADMIN_PASSWORD_HASH. */
const LIVE_LOGIN = { username: 'office-it', password: 'test live-run login' };

function bcryptHash(password: string): string {
  const nodeRed = path.dirname(require.resolve(`${process.env.NODE_RED_MODULE || 'node-red'}/package.json`));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bcrypt = require(require.resolve('bcryptjs', { paths: [nodeRed] })) as { hashSync(pw: string, rounds: number): string };
  return bcrypt.hashSync(password, 4);
}

export interface LaunchOptions {
  /** the port the process listens on (given in `args` or `env`, as the script wants it) */
  port: number;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** how often to look for readiness (the start bench looks often) */
  pollMs?: number;
  /** true once the admin API answers (default: GET /flows is 200) */
  ready?: (url: string) => Promise<boolean>;
}

const flowsAnswer = (url: string) =>
  fetch(`${url}/flows`, { headers: { Accept: 'application/json' } }).then(
    async (res) => (await res.arrayBuffer(), res.ok),
    () => false,
  );

/**
 * Spawns `node script ...args` (a Node-RED: flows/start.js, or red.js of an install) and
 * resolves once it has printed "Started flows" and its admin API answers; the one start
 * loop of the e2e specs and the bench.
 */
export async function launchNodeRed(script: string, args: string[], o: LaunchOptions): Promise<NodeRedProcess> {
  const child = spawn(process.execPath, [script, ...args], { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // a test process that exits without stop() (a crash, process.exit) must not leave
  // a Node-RED behind, still watching a folder
  const reap = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${o.port}`;
  const ready = o.ready ?? flowsAnswer;

  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited with ${child.exitCode}:\n${out}`);
    if (/Started flows/.test(out) && (await ready(url))) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Node-RED did not start within the timeout:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 200));
  }

  return {
    url,
    child,
    output: () => out,
    async waitForOutput(re: RegExp, from = 0, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = re.exec(out.slice(from));
        if (m) return m;
        if (child.exitCode !== null || Date.now() > until) throw new Error(`no ${re} in the Node-RED output:\n${out.slice(from)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGINT');
      }),
  };
}

export async function startRuntime(opts: StartOptions = {}): Promise<StartedRuntime> {
  const live = ['false', '0', 'no', 'off'].includes((opts.env?.RECALL_DRY_RUN ?? '').toLowerCase());
  if (live && opts.env?.NODE_RED_ADMIN_PASSWORD_HASH === undefined) {
    opts = { ...opts, env: { ...opts.env, NODE_RED_ADMIN_USER: LIVE_LOGIN.username, NODE_RED_ADMIN_PASSWORD_HASH: bcryptHash(LIVE_LOGIN.password) }, auth: LIVE_LOGIN };
  }
  const userDir = opts.userDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'recall-red-'));
  if (opts.flow) fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(opts.flow));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    RECALL_USER_DIR: userDir,
    NODE_RED_CREDENTIAL_SECRET: 'test-credential-secret',
    ...opts.env,
  };
  const url = `http://127.0.0.1:${port}`;

  let token: string | undefined;
  async function login(): Promise<void> {
    if (!opts.auth || token) return;
    const res = await fetch(`${url}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', ...opts.auth }),
    });
    if (!res.ok) throw new Error(`login: HTTP ${res.status}`);
    token = ((await res.json()) as { access_token: string }).access_token;
  }

  async function api<T>(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    await login();
    const res = await fetch(url + route, {
      method,
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${text}`);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T; // e.g. POST /inject/<id> answers "OK"
    }
  }

  const red = await launchNodeRed(path.join(ROOT, 'flows', 'start.js'), [], {
    port,
    cwd: ROOT,
    env,
    timeoutMs: opts.timeoutMs,
    ready: () => api('GET', '/flows').then(() => true, () => false), // logged in when the runtime asks
  });
  return { ...red, userDir, token: async () => (await login(), token), api };
}

export interface OfficeEnv {
  office: string;
  watch: string;
  ledgerDb: string;
  ledgerSecret: string;
  dryRun: boolean;
  /** the CRM test server's base URL: the hook is <crm>/hook */
  crm?: string;
  suppressionUrl?: string;
}

/** The environment of one office's runtime in the e2e specs, one way for every spec. */
export function officeEnv(o: OfficeEnv): Record<string, string> {
  return {
    OFFICE_CODE: o.office,
    RECALL_WATCH_DIR: o.watch,
    RECALL_LEDGER_DB: o.ledgerDb,
    RECALL_LEDGER_SECRET: o.ledgerSecret,
    RECALL_DRY_RUN: String(o.dryRun),
    ...(o.crm ? { CRM_WEBHOOK_URL: `${o.crm}/hook` } : {}),
    ...(o.suppressionUrl ? { CRM_SUPPRESSION_URL: o.suppressionUrl } : {}),
  };
}
