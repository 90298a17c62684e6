import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { DeliveryResult } from '../../../nodes/lib/types';
import { keysFor, result, useLedgers } from './ledgers';
import { tempDir } from './tmp';

describe('ledger commit', () => {
  const { ledgerAt } = useLedgers();

  it('commits delivered -> sent, failed -> failed with its reason, retry -> released, dry-run untouched', async () => {
    const file = path.join(tempDir(), 'l.db');
    const l = await ledgerAt(file);
    const [a, b, c, d] = keysFor(4);
    await l.reserve([a, b, c, d], 60_000, { runId: 'r' });
    const out = await l.commit([result(a, 'delivered'), result(b, 'failed', 'HTTP 422 invalid phone'), result(c, 'retry', 'HTTP 503'), result(d, 'dry-run')], { runId: 'r' });
    assert.deepEqual(out, { sent: 1, failed: 1, released: 1, ignored: 1 });
    const rows = new Map((await l.status([a, b, c, d])).map((r) => [r.key, r]));
    assert.equal(rows.get(a)!.state, 'sent');
    assert.ok(rows.get(a)!.sentAt);
    assert.equal(rows.get(a)!.leaseUntil, null);
    assert.deepEqual([rows.get(b)!.state, rows.get(b)!.lastError], ['failed', 'HTTP 422 invalid phone']);
    assert.deepEqual([rows.get(c)!.state, rows.get(c)!.leaseUntil, rows.get(c)!.lastError], ['reserved', null, 'HTTP 503']);
    assert.equal(rows.get(d)!.state, 'reserved');
    assert.notEqual(rows.get(d)!.leaseUntil, null);

    const next = await l.reserve([a, b, c, d], 60_000, { runId: 'r2' });
    assert.deepEqual(next.alreadySent, [a]);
    assert.deepEqual(next.failed, [b]);
    assert.deepEqual(next.reserved, [c]); // released: sent again next run
    assert.deepEqual(next.leased, [d]);
  });

  it('the same keys reserved and committed twice send nothing the second time', async () => {
    const l = await ledgerAt(path.join(tempDir(), 'l.db'));
    const keys = keysFor(20);
    const first = await l.reserve(keys, 60_000);
    await l.commit(first.reserved.map((k) => result(k, 'delivered')));
    const second = await l.reserve(keys, 60_000);
    assert.deepEqual(second.reserved, []);
    assert.deepEqual(second.alreadySent, keys);
  });

  it('never turns a sent key into failed, and records a delivery for a key never reserved', async () => {
    const l = await ledgerAt(path.join(tempDir(), 'l.db'));
    const [a, b] = keysFor(2);
    await l.reserve([a], 60_000);
    await l.commit([result(a, 'delivered')]);
    assert.deepEqual(await l.commit([result(a, 'failed', 'HTTP 422 key reused'), result(b, 'delivered')]), { sent: 1, failed: 0, released: 0, ignored: 0 });
    const rows = new Map((await l.status([a, b])).map((r) => [r.key, r.state]));
    assert.deepEqual([rows.get(a), rows.get(b)], ['sent', 'sent']);
  });

  it('a key twice in one commit: delivered wins', async () => {
    const l = await ledgerAt(path.join(tempDir(), 'l.db'));
    const [a] = keysFor(1);
    await l.reserve([a], 60_000);
    await l.commit([result(a, 'retry'), result(a, 'delivered'), result(a, 'failed')]);
    assert.equal((await l.status([a]))[0].state, 'sent');
  });

  it('rejects a result without a key', async () => {
    const l = await ledgerAt(path.join(tempDir(), 'l.db'));
    await assert.rejects(l.commit([{ outcome: 'delivered' } as DeliveryResult]), /without a key/);
  });
});
