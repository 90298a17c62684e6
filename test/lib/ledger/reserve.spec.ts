import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { CHUNK } from '../../../nodes/lib/ledger/store';
import { query } from './inspect';
import { keysFor, result, useLedgers } from './ledgers';
import { tempDir } from './tmp';

describe('ledger reserve', () => {
  const { ledgerAt } = useLedgers();

  it('reserves new keys with a lease and counts attempts', async () => {
    const file = path.join(tempDir(), 'l.db');
    const l = await ledgerAt(file, { now: () => Date.parse('2026-11-27T10:00:00Z') });
    const keys = keysFor(3);
    const out = await l.reserve(keys, 15 * 60_000, { runId: 'run-1', labels: new Map([[keys[0], { office: 'NORTH', segment: 'due-now' }]]) });
    assert.deepEqual(out.reserved, keys);
    assert.deepEqual([out.alreadySent, out.leased, out.failed], [[], [], []]);
    assert.equal(out.leaseUntil, '2026-11-27T10:15:00.000Z');
    const rows = await query<{ key: string; state: string; lease_until: string; attempts: number; office: string; segment: string; run_id: string }>(file, 'SELECT * FROM keys');
    assert.equal(rows.length, 3);
    const first = rows.find((r) => r.key === keys[0])!;
    assert.deepEqual([first.state, first.lease_until, first.attempts, first.office, first.segment, first.run_id], ['reserved', '2026-11-27T10:15:00.000Z', 1, 'NORTH', 'due-now', 'run-1']);
  });

  it('handles batches across chunk boundaries, keeping input order and dropping repeats', async () => {
    const l = await ledgerAt(path.join(tempDir(), 'l.db'));
    const keys = keysFor(CHUNK * 2 + 37);
    const sent = keys.filter((_, i) => i % 7 === 0);
    await l.reserve(sent, 60_000);
    await l.commit(sent.map((k) => result(k, 'delivered')));
    const out = await l.reserve([...keys, ...keys.slice(0, 10)], 60_000);
    assert.deepEqual(out.alreadySent, sent);
    assert.deepEqual(out.reserved, keys.filter((_, i) => i % 7 !== 0));
    const c = await l.commit(out.reserved.map((k, i) => result(k, i % 2 ? 'delivered' : 'retry')));
    assert.equal(c.sent + c.released, out.reserved.length);
    assert.equal(c.sent, Math.floor(out.reserved.length / 2));
  });
});
