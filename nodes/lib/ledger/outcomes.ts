// Outcome tracking without patient data: what the ledger keeps beside a contacted key
// (keyed hashes and dates), what a later run reports about the patients it saw, and the
// rule that turns the two into "booked".
import type { RecallContact, SkippedRecord } from '../types';
import type { KeyLabels, Sighting } from './api';
import { contactKey, suppressionHash, type Hmac } from './keys';

type Seen = Pick<RecallContact, 'office' | 'patientId'> & Partial<Pick<RecallContact, 'recallType' | 'dueDate' | 'lastVisit' | 'hasFutureAppointment'>>;

/** Keyed reference of one recall row of a patient (PROPHY, FMX, ...), stable across runs. */
export function recallRef(hmac: Hmac, c: Seen): string {
  return hmac(c.office, c.patientId, c.recallType ?? '', 'recall');
}

/** The labels stored with a contact's key at reserve: enough to link the outcome later. */
export function outcomeLabels(hmac: Hmac, c: RecallContact, contactedOn: string): KeyLabels {
  const labels: KeyLabels = {
    office: c.office,
    segment: c.segment,
    contactKey: contactKey(hmac, c),
    recallRef: recallRef(hmac, c),
    recallDate: c.dueDate || c.lastVisit || '',
    contactedOn,
  };
  // only the channels the message goes to: an opt-out of a channel it never used is not "after contact"
  if (c.phone && (c.channels?.sms || c.channels?.voice)) labels.phoneHash = suppressionHash(hmac, c.phone);
  if (c.email && c.channels?.email) labels.emailHash = suppressionHash(hmac, c.email);
  return labels;
}

function seenOf(x: unknown): Seen | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const r = x as Partial<RecallContact> & Partial<SkippedRecord>;
  const c = (r.contact && typeof r.contact === 'object' ? r.contact : r) as Partial<RecallContact>;
  if (typeof c.office !== 'string' || c.office === '' || typeof c.patientId !== 'string' || c.patientId === '') return undefined;
  return c as Seen;
}

/**
 * The sightings in one run's records: contacts (RecallContact) and left-out records that
 * carry their contact (normalize's not-due rows, consent's has-appointment ones). Records
 * without office and patient id (rejected rows) tell nothing and are passed over.
 */
export function sightingsOf(hmac: Hmac, records: readonly unknown[]): Sighting[] {
  const out: Sighting[] = [];
  for (const x of records) {
    const c = seenOf(x);
    if (!c) continue;
    out.push({ contactKey: contactKey(hmac, c), recallRef: recallRef(hmac, c), recallDate: c.dueDate || c.lastVisit || '', appointment: c.hasFutureAppointment === true });
  }
  return out;
}

/** An open contacted key, as the rule needs it. */
export interface OpenContact {
  contactKey: string;
  recallRef: string | null;
  recallDate: string | null;
  contactedOn: string | null;
}

/**
 * Booked, and how: the patient now has a future appointment, or the recall the message
 * was about is due later than the contacted date (a visit moved it on). A sighting from an
 * office date before the contact (a re-run of an old as-of) says nothing about it.
 */
export function bookingOf(key: OpenContact, sightings: readonly Sighting[], on: string): 'appointment' | 'due-moved' | null {
  if (key.contactedOn && on < key.contactedOn) return null;
  const mine = sightings.filter((s) => s.contactKey === key.contactKey);
  if (mine.some((s) => s.appointment)) return 'appointment';
  if (key.recallRef && key.recallDate && mine.some((s) => s.recallRef === key.recallRef && s.recallDate > key.recallDate!)) return 'due-moved';
  return null;
}
