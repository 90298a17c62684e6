import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { applyLedgerDbDefault, gateMode, gateSettings, ledgerSettings, resolveLedgerFile } from '../../../nodes/lib/ledger/config';

describe('ledger settings', () => {
  it('resolves a relative file against the user dir, else the working dir', () => {
    assert.equal(resolveLedgerFile('data/ledger.db', '/srv/red', '/cwd'), path.resolve('/srv/red/data/ledger.db'));
    assert.equal(resolveLedgerFile('data/ledger.db', undefined, '/cwd'), path.resolve('/cwd/data/ledger.db'));
    assert.equal(resolveLedgerFile('/abs/l.db', '/srv/red'), '/abs/l.db');
    assert.equal(resolveLedgerFile('', '/srv/red'), path.resolve('/srv/red/recall-ledger.db'));
  });

  it('reads ${RECALL_LEDGER_DB}; unset reads as the default file', () => {
    const env = { RECALL_LEDGER_DB: 'x/y.db', RECALL_LEDGER_SECRET: 's' };
    const cfg = { file: '${RECALL_LEDGER_DB}', secretEnv: '${RECALL_LEDGER_SECRET}' };
    assert.equal(ledgerSettings(cfg, undefined, '/u', env).file, path.resolve('/u/x/y.db'));
    assert.equal(ledgerSettings(cfg, undefined, '/u', { RECALL_LEDGER_SECRET: 's' }).file, path.resolve('/u/recall-ledger.db'));
  });

  it('takes the secret from the credential first, then from the named variable', () => {
    const cfg = { file: 'l.db', secretEnv: '${RECALL_LEDGER_SECRET}' };
    const env = { RECALL_LEDGER_SECRET: 'from-env', OTHER: 'from-other' };
    assert.equal(ledgerSettings(cfg, 'stored', '/u', env).secret, 'stored');
    assert.equal(ledgerSettings(cfg, '', '/u', env).secret, 'from-env');
    assert.equal(ledgerSettings(cfg, '${OTHER}', '/u', env).secret, 'from-other');
    assert.equal(ledgerSettings(cfg, '', '/u', env).problem, undefined);
  });

  it('names the variable when there is no secret', () => {
    const s = ledgerSettings({ file: 'l.db', secretEnv: '${RECALL_LEDGER_SECRET}' }, undefined, '/u', {});
    assert.equal(s.secret, '');
    assert.match(s.problem ?? '', /no key secret.*RECALL_LEDGER_SECRET/);
  });

  it('reports a bad busy timeout by name', () => {
    const s = ledgerSettings({ file: 'l.db', busyTimeout: 'soon' }, 'x', '/u', {});
    assert.match(s.problem ?? '', /busy timeout/);
  });
});

describe('RECALL_LEDGER_DB default (set when the pack loads)', () => {
  const userDir = path.resolve('/srv/node-red');
  it('unset or empty: the ledger\'s own default file in the user dir, so the ledger tab opens the same file', () => {
    for (const env of [{}, { RECALL_LEDGER_DB: '' }, { RECALL_LEDGER_DB: '  ' }] as NodeJS.ProcessEnv[]) {
      assert.equal(applyLedgerDbDefault(env, userDir), path.join(userDir, 'recall-ledger.db'));
      assert.equal(env.RECALL_LEDGER_DB, path.join(userDir, 'recall-ledger.db'));
      assert.equal(env.RECALL_LEDGER_DB, resolveLedgerFile('', userDir));
    }
  });
  it('relative: made absolute against the user dir (sqlite would take the working directory)', () => {
    const env: NodeJS.ProcessEnv = { RECALL_LEDGER_DB: 'data/ledger.sqlite' };
    assert.equal(applyLedgerDbDefault(env, userDir, path.resolve('/elsewhere')), path.join(userDir, 'data', 'ledger.sqlite'));
  });
  it('absolute: left as it is', () => {
    const env: NodeJS.ProcessEnv = { RECALL_LEDGER_DB: path.resolve('/var/lib/recall/ledger.sqlite') };
    assert.equal(applyLedgerDbDefault(env, userDir), undefined);
    assert.equal(env.RECALL_LEDGER_DB, path.resolve('/var/lib/recall/ledger.sqlite'));
  });
});

describe('lib/ledger/config gateSettings', () => {
  it('parses the mode typed into the node, the lease and dry-run once (empty dry-run = dry-run)', () => {
    assert.deepEqual(gateSettings({ mode: 'commit', modeType: 'mode', leaseMinutes: '15', dryRun: 'false' }, 600_000), { mode: 'commit', leaseMs: 900_000, dryRun: false });
    assert.deepEqual(gateSettings({ dryRun: '${UNSET_DRY}' }, 600_000, {}), { mode: 'reserve', leaseMs: 600_000, dryRun: true });
    assert.equal(gateSettings({ mode: 'gateMode', modeType: 'msg' }, 600_000).mode, undefined);
  });

  it('names what is wrong', () => {
    assert.throws(() => gateSettings({ mode: 'publish' }, 600_000), /mode must be reserve, commit or observe, got "publish" \(from mode publish\)/);
    assert.throws(() => gateSettings({ dryRun: 'maybe' }, 600_000), /dry-run setting: expected true or false, got "maybe"/);
    assert.throws(() => gateSettings({ leaseMinutes: '0' }, 600_000), /setting "lease \(minutes\)" must be a whole number from 1 to 1440/);
    assert.equal(gateMode('observe', 'msg x'), 'observe');
  });
});
