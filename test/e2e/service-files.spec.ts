// The service files of "Running unattended" (flows/service/) against what the
// default flow and flows/start.js need.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../support/paths';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FLOW_VARIABLES } = require(path.join(ROOT, 'flows', 'env-defaults.js')) as { FLOW_VARIABLES: string[] };
const SERVICE = path.join(ROOT, 'flows', 'service');
const read = (f: string) => fs.readFileSync(path.join(SERVICE, f), 'utf8');

/** NAME=value lines, the way systemd's EnvironmentFile and the NSSM script read them. */
function envFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(line)) continue;
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    assert.ok(m, `not NAME=value: ${line}`);
    vars.set(m[1], m[2].trim());
  }
  return vars;
}

describe('service files (flows/service)', () => {
  it('the env example names every variable of the default flow, the secrets and the login', () => {
    const vars = envFile(read('recall.env.example'));
    for (const name of [...FLOW_VARIABLES, 'NODE_RED_CREDENTIAL_SECRET', 'NODE_RED_ADMIN_PASSWORD_HASH', 'PORT']) assert.ok(vars.has(name), name);
    assert.equal(vars.get('RECALL_DRY_RUN'), 'true', 'a new office starts in dry-run');
    for (const secret of ['NODE_RED_CREDENTIAL_SECRET', 'RECALL_LEDGER_SECRET', 'CRM_API_TOKEN', 'CRM_SIGNING_SECRET', 'DENTRIX_PASSWORD']) {
      assert.equal(vars.get(secret), '', `${secret} ships empty`);
    }
  });

  it('the systemd unit starts flows/start.js at boot, restarts on failure, with the env file and a user dir', () => {
    const unit = read('dental-recall.service');
    assert.match(unit, /^ExecStart=\S*node \S*\/node-red-contrib-dentrix-recall\/flows\/start\.js$/m);
    assert.match(unit, /^EnvironmentFile=\/etc\/dental-recall\/recall\.env$/m);
    assert.match(unit, /^Environment=RECALL_USER_DIR=\S+$/m);
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^WantedBy=multi-user\.target$/m);
    assert.match(unit, /^KillSignal=SIGINT$/m, 'Node-RED closes the nodes and the ledger on SIGINT');
  });

  it('the systemd unit passes systemd-analyze verify (when systemd is installed)', function () {
    const check = spawnSync('systemd-analyze', ['verify', path.join(SERVICE, 'dental-recall.service')], { encoding: 'utf8' });
    if (check.error) {
      console.warn(`    SKIPPED: systemd-analyze is not installed (${check.error.message})`);
      this.skip();
    }
    // it names each line it cannot parse, and a missing ExecStart binary
    assert.doesNotMatch(`${check.stdout}${check.stderr}`, /Failed to parse|Unknown (key|section)|not executable|Missing/i, check.stderr);
  });

  it('the Windows script installs flows/start.js with NSSM: automatic start, restart on exit, env file, user dir', () => {
    const ps = read('install-windows-service.ps1');
    assert.match(ps, /node-red-contrib-dentrix-recall\\flows\\start\.js/);
    assert.match(ps, /Start SERVICE_AUTO_START/);
    assert.match(ps, /AppExit Default Restart/);
    assert.match(ps, /AppEnvironmentExtra/);
    assert.match(ps, /\$vars\['RECALL_USER_DIR'\] = \$UserDir/);
    for (const required of ['OFFICE_CODE', 'RECALL_WATCH_DIR', 'RECALL_LEDGER_SECRET', 'NODE_RED_CREDENTIAL_SECRET']) assert.ok(ps.includes(`'${required}'`), required);
  });

  it('the Windows script leaves recall.env and the user dir to Administrators, SYSTEM and the service account only', () => {
    const ps = read('install-windows-service.ps1');
    const fn = /function Set-OwnerOnlyAcl[\s\S]*?\n\}/.exec(ps)?.[0] ?? '';
    assert.match(fn, /icacls \$Path \/inheritance:r \/grant:r @grants/, 'inherited entries (Users on C:\\ProgramData) removed, grants replaced');
    assert.match(fn, /\*S-1-5-32-544:/, 'Administrators');
    assert.match(fn, /\*S-1-5-18:/, 'SYSTEM');
    assert.match(fn, /\$\{Account\}:/, 'the service account when one is given');
    assert.doesNotMatch(ps, /S-1-5-32-545|S-1-1-0|Everyone|\bUsers:/, 'no grant to Users or Everyone');
    assert.match(fn, /\$LASTEXITCODE -ne 0\) \{ throw/, 'a failed icacls stops the install');
    for (const target of ['$EnvFile', '$UserDir', '$LogDir']) assert.match(ps, new RegExp(`^Set-OwnerOnlyAcl \\${target} `, 'm'), target);
    // restricted before the service (and its secrets in the registry) is installed
    assert.ok(ps.indexOf('Set-OwnerOnlyAcl $EnvFile') < ps.indexOf('Invoke-Nssm install'));
  });

  it('ships with the package (flows/ is in package.json files)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    assert.ok(pkg.files.includes('flows'));
  });
});
