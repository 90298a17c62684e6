// Outcome tracking in the file: contacted keys marked booked by a later run's sightings,
// and the contacted rows the figures count (the rule itself is in outcomes.ts).
import type { BookingOutcome, OutcomeRow, Sighting } from './api';
import type { Param } from './db';
import { bookingOf, type OpenContact } from './outcomes';
import { chunks, marks, named, type Store } from './store';

/** SQL: a suppression entry matching `cond`, added after key `k` was sent, on a channel it went to. */
export const AFTER_CONTACT = (cond: string): string =>
  `EXISTS (SELECT 1 FROM suppressions s WHERE ${cond} AND s.added_at > k.sent_at AND (
     (s.hash = k.phone_hash AND s.channel IN ('sms', 'voice', 'all')) OR (s.hash = k.email_hash AND s.channel IN ('email', 'all'))))`;

/** What the open-contacts index holds of a contact_key (schema 7): its first 64 bits. */
const contactPrefix = (contactKey: string): string => contactKey.slice(0, 16);

/** The open contacts of n patients: n prefixes, then n whole contact keys, as parameters. */
export const openContactsSql = (n: number): string =>
  `SELECT key, contact_key, recall_ref, recall_date, contacted_on FROM keys
   WHERE state = 'sent' AND booked_on IS NULL AND substr(contact_key, 1, 16) IN (${marks(n, '?')}) AND contact_key IN (${marks(n, '?')})`;

export function observe(store: Store, sightings: readonly Sighting[], on: string): Promise<BookingOutcome> {
  const byPatient = new Map<string, Sighting[]>();
  for (const s of sightings) {
    const list = byPatient.get(s.contactKey);
    if (list) list.push(s);
    else byPatient.set(s.contactKey, [s]);
  }
  const out: BookingOutcome = { booked: 0 };
  if (byPatient.size === 0) return Promise.resolve(out);
  return named(store, 'observe', () =>
    store.db.transaction(async () => {
      for (const chunk of chunks([...byPatient.keys()])) {
        const open = await store.db.all<{ key: string; contact_key: string; recall_ref: string | null; recall_date: string | null; contacted_on: string | null }>(
          openContactsSql(chunk.length),
          [...chunk.map(contactPrefix), ...chunk],
        );
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
      }
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
