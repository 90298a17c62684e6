// The contact object recall-normalize makes for each row.
import type { RecallContact } from '../types';

/** A contact before its segment is decided. */
export type DraftContact = Omit<RecallContact, 'segment'>;

/** What a row gave: the optional fields are set only when present (never as undefined). */
export type ContactParts = Pick<DraftContact, 'office' | 'patientId' | 'firstName' | 'lastName' | 'hasFutureAppointment' | 'status' | 'channels' | 'source'> &
  Partial<Pick<DraftContact, 'householdId' | 'phone' | 'phoneType' | 'email' | 'recallType' | 'dueDate' | 'lastVisit' | 'birthDate' | 'privacyFlags' | 'noSms'>>;

/**
 * Made by a constructor rather than a literal with fields added one by one: V8 gives a
 * constructor's objects room inside them for the fields it sets (and later stages add),
 * where a literal's extra fields go to a separate store regrown as they come. Every stage
 * reads these fields; the 100k-row pipeline ran ~8 % faster. The objects stay plain: their
 * prototype is Object.prototype, as a literal's, so JSON, copies, Node-RED's message
 * clone and deep equality see no difference. Field order is the contract's.
 */
function PlainContact(this: Record<string, unknown>, p: ContactParts): void {
  this.office = p.office;
  this.patientId = p.patientId;
  this.firstName = p.firstName;
  this.lastName = p.lastName;
  this.hasFutureAppointment = p.hasFutureAppointment;
  this.status = p.status;
  this.channels = p.channels;
  this.source = p.source;
  if (p.householdId !== undefined) this.householdId = p.householdId;
  if (p.phone !== undefined) this.phone = p.phone;
  if (p.phoneType !== undefined) this.phoneType = p.phoneType;
  if (p.email !== undefined) this.email = p.email;
  if (p.recallType !== undefined) this.recallType = p.recallType;
  if (p.dueDate !== undefined) this.dueDate = p.dueDate;
  if (p.lastVisit !== undefined) this.lastVisit = p.lastVisit;
  if (p.birthDate !== undefined) this.birthDate = p.birthDate;
  if (p.privacyFlags !== undefined) this.privacyFlags = p.privacyFlags;
  if (p.noSms !== undefined) this.noSms = p.noSms;
}
PlainContact.prototype = Object.prototype;

const Plain = PlainContact as unknown as new (p: ContactParts) => DraftContact;

/** A plain contact object with the fields of `p` that are set, in the contract's order. */
export function makeContact(p: ContactParts): DraftContact {
  return new Plain(p);
}
