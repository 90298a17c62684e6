import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { query } from './inspect';
import { useLedgers } from './ledgers';
import { tempDir } from './tmp';

describe('ledger suppressions', () => {
  const { ledgerAt } = useLedgers();

  it('stores keyed hashes per channel, updates a changed reason, and looks values up normalized', async () => {
    const file = path.join(tempDir(), 'l.db');
    const l = await ledgerAt(file);
    const n = await l.addSuppressions(
      [
        { channel: 'sms', value: '+15550100111', reason: 'opted-out' },
        { channel: 'voice', value: '+15550100111', reason: 'bad-number' },
        { channel: 'all', value: 'Pat.Doe@Example.com', reason: 'opted-out' },
        { channel: 'sms', value: '+15550100111', reason: 'opted-out' }, // repeat in the batch
      ],
      'crm-pull',
    );
    assert.equal(n, 3);
    assert.equal(await l.addSuppressions([{ channel: 'sms', value: '+15550100111', reason: 'opted-out' }], 'msg.suppress'), 0);
    assert.equal(await l.addSuppressions([{ channel: 'email', value: 'pat.doe@example.com', reason: 'bounced-email' }], 'msg.suppress'), 1);
    const idx = await l.loadSuppressions();
    assert.equal(idx.size, 4);
    assert.deepEqual(
      idx.lookup('+15550100111').sort((x, y) => x.channel.localeCompare(y.channel)),
      [{ channel: 'sms', reason: 'opted-out' }, { channel: 'voice', reason: 'bad-number' }],
    );
    assert.equal(idx.lookup(' PAT.DOE@example.com').length, 2);
    assert.deepEqual(idx.lookup('+15550100999'), []);
    assert.deepEqual(idx.lookup(''), []);
    const rows = await query<{ hash: string; source: string }>(file, 'SELECT hash, source FROM suppressions');
    assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash)));
  });

  it('names the bad entry and writes nothing', async () => {
    const l = await ledgerAt(path.join(tempDir(), 'l.db'));
    await assert.rejects(
      l.addSuppressions([{ channel: 'sms', value: '+15550100111', reason: 'opted-out' }, { channel: 'fax' as 'sms', value: '+15550100112', reason: 'opted-out' }], 't'),
      /entry 2: channel/,
    );
    await assert.rejects(l.addSuppressions([{ channel: 'sms', value: ' ', reason: 'opted-out' }], 't'), /entry 1: empty value/);
    await assert.rejects(l.addSuppressions([{ channel: 'sms', value: '+1', reason: 'gone' as 'opted-out' }], 't'), /entry 1: reason/);
    assert.equal((await l.loadSuppressions()).size, 0);
  });
});
