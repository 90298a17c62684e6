// recall-ledger config node in a real Node-RED runtime (test helper) with a real SQLite file.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LedgerProvider } from '../../nodes/lib/ledger/api';
import { hmacWith } from '../../nodes/lib/ledger/keys';
import { helper, useHelper } from '../support/helper';
import { nodeModule } from '../support/paths';
import { query } from '../lib/ledger/inspect';
import { removeTempDirs, tempDir } from '../lib/ledger/tmp';

const ledgerNode = nodeModule('recall-ledger');
const gateNode = nodeModule('idempotency-gate');

function flow(ledger: Record<string, unknown>): any[] {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'L', type: 'recall-ledger', z: 'f1', secretEnv: '${TEST_LEDGER_SECRET}', ...ledger },
    { id: 'gate-reserve', type: 'idempotency-gate', z: 'f1', ledger: 'L', mode: 'reserve', modeType: 'mode', dryRun: 'false', wires: [[], []] },
    { id: 'gate-commit', type: 'idempotency-gate', z: 'f1', ledger: 'L', mode: 'commit', modeType: 'mode', dryRun: 'false', wires: [[], []] },
  ];
}

describe('recall-ledger node', function () {
  useHelper();
  afterEach(() => {
    delete process.env.TEST_LEDGER_SECRET;
    delete process.env.TEST_LEDGER_DB;
    removeTempDirs();
  });

  it('opens the file once (WAL) and shares it with every node; closes it when the flow stops', async () => {
    const file = path.join(tempDir(), 'office', 'ledger.db');
    await helper.load([ledgerNode, gateNode], flow({ file }), { L: { secret: 'stored-secret' } });
    const provider = helper.getNode('L') as unknown as LedgerProvider;
    assert.equal(provider.file, file);
    assert.equal(provider.problem, undefined);
    const [a, b] = await Promise.all([provider.ledger(), provider.ledger()]);
    assert.equal(a, b);
    assert.ok(fs.existsSync(file));
    assert.equal((await query<{ journal_mode: string }>(file, 'PRAGMA journal_mode'))[0].journal_mode, 'wal');
    assert.equal(a.hmac('x'), hmacWith('stored-secret')('x'));
    await helper.unload();
    await assert.rejects(a.reserve(['k'], 1000), /closed/);
  });

  it('reads the file and the secret from ${ENV}', async () => {
    const dir = tempDir();
    process.env.TEST_LEDGER_DB = path.join(dir, 'env.db');
    process.env.TEST_LEDGER_SECRET = 'env-secret';
    await helper.load([ledgerNode, gateNode], flow({ file: '${TEST_LEDGER_DB}' }), {});
    const provider = helper.getNode('L') as unknown as LedgerProvider;
    const ledger = await provider.ledger();
    assert.equal(provider.file, path.join(dir, 'env.db'));
    assert.equal(ledger.hmac('x'), hmacWith('env-secret')('x'));
  });

  it('a relative file resolves against the working dir when the runtime has no user dir', async () => {
    const dir = tempDir();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await helper.load([ledgerNode, gateNode], flow({ file: 'sub/rel.db' }), { L: { secret: 's' } });
      await (helper.getNode('L') as unknown as LedgerProvider).ledger();
    } finally {
      process.chdir(cwd);
    }
    assert.ok(fs.existsSync(path.join(dir, 'sub', 'rel.db')));
  });

  it('without a secret: a problem naming the variable, the gates red, and a clear error on use', async () => {
    const file = path.join(tempDir(), 'ledger.db');
    await helper.load([ledgerNode, gateNode], flow({ file }), {});
    const provider = helper.getNode('L') as unknown as LedgerProvider;
    assert.match(provider.problem ?? '', /no key secret.*TEST_LEDGER_SECRET/);
    assert.ok(provider.problem!.includes(file));
    await assert.rejects(provider.ledger(), /no key secret/);
    const status = (helper.getNode('gate-reserve') as any).status;
    assert.equal(status.lastCall.args[0].fill, 'red');
    assert.match(status.lastCall.args[0].text, /no key secret/);
    assert.equal(fs.existsSync(file), false);
  });
});
