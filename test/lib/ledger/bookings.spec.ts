import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { FRESH_CONTACTS_MAX, freshContactsSql, observe } from '../../../nodes/lib/ledger/bookings';
import { recallKey } from '../../../nodes/lib/ledger/keys';
import { outcomeLabels, sightingsOf } from '../../../nodes/lib/ledger/outcomes';
import type { SqliteLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import type { Store } from '../../../nodes/lib/ledger/store';
import type { RecallContact } from '../../../nodes/lib/types';
import { contact } from './contacts';
import { query } from './inspect';
import { useLedgers } from './ledgers';
import { tempDir } from './tmp';

const storeOf = (l: SqliteLedger): Store => (l as unknown as { store: Store }).store;

/** Reserves and delivers these contacts as the run of office date `on` would. */
async function send(l: SqliteLedger, contacts: readonly RecallContact[], on: string): Promise<void> {
  const keys = contacts.map((c) => recallKey(l.hmac, c));
  await l.reserve(keys, 60_000, { runId: on, labels: new Map(contacts.map((c, i) => [keys[i], outcomeLabels(l.hmac, c, on)])) });
  await l.commit(keys.map((key) => ({ key, patientId: 'p', outcome: 'delivered' as const, attempts: 1 })), { runId: on });
}

/** contact_fresh of these contacts' keys, in their order. */
async function freshOf(l: SqliteLedger, contacts: readonly RecallContact[]): Promise<(number | null)[]> {
  const rows = await query<{ key: string; fresh: number | null }>(l.file, 'SELECT key, contact_fresh AS fresh FROM keys');
  const byKey = new Map(rows.map((r) => [r.key, r.fresh]));
  return contacts.map((c) => byKey.get(recallKey(l.hmac, c)) ?? null);
}

describe('ledger bookings: fresh and moved open contacts', () => {
  const { ledgerAt } = useLedgers();

  it('a delivered contact waits among the fresh ones, is booked from there, and moves once enough wait', async () => {
    const l = await ledgerAt(path.join(tempDir(), 'l.db'));
    const sent = [contact(1), contact(2), contact(3)];
    await send(l, sent, '2026-11-20');
    assert.deepEqual(await freshOf(l, sent), [1, 1, 1]);
    const plan = await query<{ detail: string }>(l.file, `EXPLAIN QUERY PLAN ${freshContactsSql}`, ['[]']);
    assert.ok(plan.some((p) => /USING INDEX keys_open_fresh/.test(p.detail)), JSON.stringify(plan));

    const seen = (i: number, over: Partial<RecallContact> = {}) => sightingsOf(l.hmac, [contact(i, over)]);
    assert.deepEqual(await observe(storeOf(l), seen(1, { hasFutureAppointment: true }), '2026-11-27', 3), { booked: 1 });
    // two left open, fewer than three: they stay fresh
    assert.deepEqual(await freshOf(l, sent), [1, 1, 1]);
    assert.deepEqual(await observe(storeOf(l), seen(9), '2026-11-27', 2), { booked: 0 });
    assert.deepEqual(await freshOf(l, sent), [1, null, null], 'the two open ones moved; the booked one is no longer open');
    // found again through keys_open_contacts
    assert.deepEqual(await observe(storeOf(l), seen(2, { dueDate: '2027-05-20' }), '2026-12-04'), { booked: 1 });
    const rows = await query<{ key: string; booked_by: string | null }>(l.file, 'SELECT key, booked_by FROM keys');
    const bookedBy = new Map(rows.map((r) => [r.key, r.booked_by]));
    assert.deepEqual(sent.map((c) => bookedBy.get(recallKey(l.hmac, c))), ['appointment', 'due-moved', null]);
    assert.ok(FRESH_CONTACTS_MAX >= 10_000, 'a run of 10k deliveries does not move on every observe');
  });

  it('twelve weeks of sends and sightings book the same keys whether contacts move every run, sometimes or never (random runs)', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 5; trial++) {
      const ledgers = await Promise.all(['every', 'some', 'never'].map((name) => ledgerAt(path.join(tempDir(), `${name}.db`))));
      const moveAt = [1, 4, Number.MAX_SAFE_INTEGER];
      const booked: number[][] = [[], [], []];
      for (let week = 0; week < 12; week++) {
        const on = new Date(Date.UTC(2026, 8, 1 + 7 * week)).toISOString().slice(0, 10);
        // some of 30 patients are due (a due date that moves with their last visit), some booked
        const sent = Array.from({ length: 30 }, (_, i) => i).filter(() => random() < 0.3).map((i) => contact(i, { dueDate: on }));
        const seen = Array.from({ length: 30 }, (_, i) => contact(i, { dueDate: random() < 0.2 ? '2027-03-01' : on, hasFutureAppointment: random() < 0.15 }));
        for (let j = 0; j < ledgers.length; j++) {
          await send(ledgers[j], sent, on);
          booked[j].push((await observe(storeOf(ledgers[j]), sightingsOf(ledgers[j].hmac, seen), on, moveAt[j])).booked);
        }
      }
      const dumps = await Promise.all(ledgers.map((l) => query(l.file, 'SELECT key, state, booked_on, booked_by FROM keys ORDER BY key')));
      assert.ok(booked[0].reduce((a, b) => a + b) > 0, `trial ${trial}: something was booked`);
      assert.deepEqual(booked[1], booked[0], `trial ${trial}`);
      assert.deepEqual(booked[2], booked[0], `trial ${trial}`);
      assert.deepEqual(dumps[1], dumps[0], `trial ${trial}`);
      assert.deepEqual(dumps[2], dumps[0], `trial ${trial}`);
      // the three did differ in where the open contacts were
      const fresh = await Promise.all(ledgers.map((l) => query<{ n: number }>(l.file, 'SELECT count(*) AS n FROM keys WHERE contact_fresh = 1 AND booked_on IS NULL')));
      assert.ok(fresh[0][0].n < fresh[2][0].n, JSON.stringify(fresh));
    }
  });
});
