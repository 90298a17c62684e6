// Outcome tracking in the file: contacted keys marked booked by a later run's sightings,
// and the contacted rows the figures count (the rule itself is in outcomes.ts).
import type { BookingOutcome, OutcomeRow, Sighting } from './api';
import type { Param } from './db';
import { bookingOf, type OpenContact } from './outcomes';
import { chunks, listParam, marks, named, type Store } from './store';

/** SQL: a suppression entry matching `cond`, added after key `k` was sent, on a channel it went to. */
export const AFTER_CONTACT = (cond: string): string =>
  `EXISTS (SELECT 1 FROM suppressions s WHERE ${cond} AND s.added_at > k.sent_at AND (
     (s.hash = k.phone_hash AND s.channel IN ('sms', 'voice', 'all')) OR (s.hash = k.email_hash AND s.channel IN ('email', 'all'))))`;

/**
 * Fresh contacts (schema 8: sent since the last move) wait in a small index ordered by
 * sent_at, which every observe() reads whole; at this many they move into keys_open_contacts
 * in one statement, which then rewrites each of that index's pages about once for many
 * entries instead of once for every one or two.
 */
export const FRESH_CONTACTS_MAX = 50_000;

const OPEN = "state = 'sent' AND booked_on IS NULL";

/** The moved open contacts of a list of patients (one JSON array): one search of keys_open_contacts each. */
export const openContactsSql = `SELECT key, contact_key, recall_ref, recall_date, contacted_on FROM keys INDEXED BY keys_open_contacts
   WHERE ${OPEN} AND contact_fresh IS NULL AND contact_key IN (SELECT value FROM json_each(?))`;

/** The condition of keys_open_fresh, which a statement repeats to read through it. */
const FRESH = `${OPEN} AND contact_fresh = 1`;

/** The fresh open contacts of a list of patients (one JSON array): one pass over the fresh index, which holds contact_key. */
export const freshContactsSql = `SELECT key, contact_key, recall_ref, recall_date, contacted_on FROM keys INDEXED BY keys_open_fresh
   WHERE ${FRESH} AND contact_key IN (SELECT value FROM json_each(?))`;

interface OpenRow {
  key: string;
  contact_key: string;
  recall_ref: string | null;
  recall_date: string | null;
  contacted_on: string | null;
}

export function observe(store: Store, sightings: readonly Sighting[], on: string, freshMax = FRESH_CONTACTS_MAX): Promise<BookingOutcome> {
  const byPatient = new Map<string, Sighting[]>();
  for (const s of sightings) {
    const list = byPatient.get(s.contactKey);
    if (list) list.push(s);
    else byPatient.set(s.contactKey, [s]);
  }
  const out: BookingOutcome = { booked: 0 };
  if (byPatient.size === 0) return Promise.resolve(out);
  const markBooked = async (open: readonly OpenRow[]): Promise<void> => {
    const marked: Param[][] = [];
    for (const r of open) {
      const k: OpenContact = { contactKey: r.contact_key, recallRef: r.recall_ref, recallDate: r.recall_date, contactedOn: r.contacted_on };
      const how = bookingOf(k, byPatient.get(r.contact_key) ?? [], on);
      if (how) marked.push([r.key, how]);
    }
    for (const part of chunks(marked)) {
      const r = await store.db.run(
        `UPDATE keys SET booked_on = ?, booked_by = m.how
         FROM (SELECT column1 AS key, column2 AS how FROM (VALUES ${marks(part.length, '(?, ?)')})) AS m
         WHERE keys.key = m.key AND keys.booked_on IS NULL`,
        [on, ...part.flat()],
      );
      out.booked += r.changes;
    }
  };
  return named(store, 'observe', () =>
    store.db.transaction(async () => {
      const patients = listParam([...byPatient.keys()]);
      await markBooked(await store.db.all<OpenRow>(freshContactsSql, [patients]));
      await markBooked(await store.db.all<OpenRow>(openContactsSql, [patients]));
      const fresh = await store.db.get<{ n: number }>(`SELECT count(*) AS n FROM keys INDEXED BY keys_open_fresh WHERE ${FRESH}`);
      if ((fresh?.n ?? 0) >= freshMax) await store.db.run(`UPDATE OR ROLLBACK keys INDEXED BY keys_open_fresh SET contact_fresh = NULL WHERE ${FRESH}`);
      return out;
    }),
  );
}

export function outcomeRows(store: Store, since: string): Promise<OutcomeRow[]> {
  return named(store, 'outcomeRows', () =>
    store.db.exclusive(async () => {
      const rows = await store.db.all<{ office: string | null; segment: string | null; contacted_on: string; booked_on: string | null; opted_out: number; bounced: number }>(
        `SELECT office, segment, contacted_on, booked_on,
           ${AFTER_CONTACT("s.reason = 'opted-out'")} AS opted_out,
           ${AFTER_CONTACT("s.reason IN ('bounced-email', 'bad-number')")} AS bounced
         FROM keys k WHERE k.state = 'sent' AND k.contacted_on >= ?`,
        [since],
      );
      return rows.map((r) => ({ office: r.office ?? '', segment: r.segment ?? '', contactedOn: r.contacted_on, bookedOn: r.booked_on, optedOutAfter: r.opted_out === 1, bouncedAfter: r.bounced === 1 }));
    }),
  );
}
