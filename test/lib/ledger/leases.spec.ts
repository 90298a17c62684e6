import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { keysFor, result, useLedgers } from './ledgers';
import { sleep, tempDir } from './tmp';

describe('ledger leases', () => {
  const { ledgerAt } = useLedgers();

  it('skips keys under a live lease and takes over an expired one with the same key (crash recovery)', async () => {
    const l = await ledgerAt(path.join(tempDir(), 'l.db'));
    const keys = keysFor(4);
    await l.reserve(keys.slice(0, 2), 60 * 60_000, { runId: 'long' });
    await l.reserve(keys.slice(2), 1, { runId: 'crashed' }); // a run that dies before its commit
    await sleep(10);
    const out = await l.reserve(keys, 60_000, { runId: 'next' });
    assert.deepEqual(out.leased, keys.slice(0, 2));
    assert.deepEqual(out.reserved, keys.slice(2));
    const s = await l.status(keys.slice(2));
    assert.deepEqual(s.map((r) => r.attempts), [2, 2]);
  });

  it('releases and renews only the keys of the run that holds them', async () => {
    const l = await ledgerAt(path.join(tempDir(), 'l.db'));
    const [mine, theirs] = keysFor(2);
    await l.reserve([mine], 60_000, { runId: 'a' });
    await l.reserve([theirs], 60_000, { runId: 'b' });
    assert.equal(await l.renew([mine, theirs], 3_600_000, { runId: 'a' }), 1);
    const s = new Map((await l.status([mine, theirs])).map((r) => [r.key, r.leaseUntil!]));
    assert.ok(s.get(mine)! > s.get(theirs)!);
    assert.deepEqual(await l.commit([result(mine, 'retry'), result(theirs, 'retry')], { runId: 'a' }), { sent: 0, failed: 0, released: 1, ignored: 0 });
    assert.equal(await l.release([theirs], { runId: 'a' }), 0);
    assert.equal(await l.release([theirs], { runId: 'b' }), 1);
    assert.equal(await l.renew([mine, theirs], 60_000), 0); // released keys have no lease to renew
  });

  it('renew keeps a long run\'s reservation from being taken over', async () => {
    const l = await ledgerAt(path.join(tempDir(), 'l.db'));
    const keys = keysFor(3);
    await l.reserve(keys, 1, { runId: 'slow' });
    assert.equal(await l.renew(keys, 60_000, { runId: 'slow' }), 3);
    await sleep(10);
    assert.deepEqual((await l.reserve(keys, 60_000, { runId: 'other' })).leased, keys);
  });
});
