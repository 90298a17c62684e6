import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { keysFor, result, useLedgers } from './ledgers';
import { tempDir } from './tmp';

describe('ledger key-status', () => {
  const { ledgerAt } = useLedgers();

  it('failed keys stay blocked until office IT clears them', async () => {
    const l = await ledgerAt(path.join(tempDir(), 'l.db'));
    const [a, b] = keysFor(2);
    await l.reserve([a, b], 60_000);
    await l.commit([result(a, 'failed', 'HTTP 400'), result(b, 'failed', 'HTTP 400')]);
    assert.deepEqual((await l.reserve([a, b], 60_000)).failed, [a, b]);
    assert.equal(await l.clearFailed([a]), 1);
    assert.deepEqual((await l.reserve([a, b], 60_000)).reserved, [a]);
    assert.equal(await l.clearFailed(), 1);
    assert.deepEqual((await l.reserve([b], 60_000)).reserved, [b]);
  });

  it('status and reserve find every key of a list bound as one JSON parameter: over a chunk, quotes, backslashes, non-ASCII', async () => {
    const l = await ledgerAt(path.join(tempDir(), 'l.db'));
    const odd = ['a"b', 'c\\d', "e'f", 'ž-ü-😀', '[1]', 'null'];
    const many = [...keysFor(1203), ...odd];
    const first = await l.reserve(many, 60_000);
    assert.equal(first.reserved.length, many.length);
    await l.commit(many.map((k) => result(k, 'delivered')));
    const seen = await l.status([...many, 'never-reserved']);
    assert.deepEqual(seen.map((s) => s.key).sort(), [...many].sort());
    assert.ok(seen.every((s) => s.state === 'sent'));
    assert.deepEqual((await l.reserve(odd, 60_000)).alreadySent, odd);
  });
});
