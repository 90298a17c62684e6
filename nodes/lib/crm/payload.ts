// The `dental-recall/v1` record (docs/contracts.md, "CRM payload"): the only patient data that
// leaves the office. Extra fields go out only when named on the allow-list.
import type { Channel, RecallContact } from '../types';

export const SCHEMA = 'dental-recall/v1';
export const PAYLOAD_SOURCE = 'dentrix-connector';

/** Fields an office may add with the allow-list; everything else never leaves. */
export const ALLOWABLE_FIELDS = ['birthDate', 'lastVisit', 'address', 'patientId', 'householdId', 'phoneType'] as const;
export type AllowableField = (typeof ALLOWABLE_FIELDS)[number];

export interface RecallPayload {
  schema: typeof SCHEMA;
  office: string;
  contactKey: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  email: string | null;
  segment: string;
  recallType: string | null;
  dueDate: string | null;
  channels: Channel[];
  tags: string[];
  /** rows of other household members this message covers */
  household: { firstName: string; recallType: string | null; dueDate: string | null; segment: string }[];
  /** this patient's other recall rows this message covers */
  otherRecalls: { recallType: string | null; dueDate: string | null; segment: string }[];
  source: typeof PAYLOAD_SOURCE;
  /** allow-listed extras only */
  [extra: string]: unknown;
}

/** "birthDate, lastVisit" -> checked field names; throws naming the setting. */
export function parseAllowList(text: string): AllowableField[] {
  const names = text.split(/[\s,;]+/).filter(Boolean);
  const bad = names.filter((n) => !(ALLOWABLE_FIELDS as readonly string[]).includes(n));
  if (bad.length) {
    throw new Error(`PHI allow-list: unknown field(s) ${bad.join(', ')}; allowed: ${ALLOWABLE_FIELDS.join(', ')}`);
  }
  return [...new Set(names)] as AllowableField[];
}

const CHANNEL_ORDER: Channel[] = ['sms', 'email', 'voice'];

/** "office:<code>", one text per office and not one per contact (a run is mostly one office) */
let lastTag = { office: '', tag: 'office:' };
function officeTag(office: string): string {
  if (office !== lastTag.office) lastTag = { office, tag: `office:${office}` };
  return lastTag.tag;
}

/**
 * The payload of one contact. A phone goes out only while SMS or voice is still
 * allowed, an e-mail only while e-mail is (consent-filter decided; the CRM gets no
 * address it must not use).
 */
export function buildPayload(contact: RecallContact, contactKey: string, allow: readonly AllowableField[] = []): RecallPayload {
  const ch = contact.channels ?? { sms: false, email: false, voice: false };
  const channels: Channel[] = [];
  for (const c of CHANNEL_ORDER) if (ch[c] === true) channels.push(c);
  const payload: RecallPayload = {
    schema: SCHEMA,
    office: contact.office,
    contactKey,
    firstName: contact.firstName,
    lastName: contact.lastName,
    phone: (ch.sms || ch.voice) && contact.phone ? contact.phone : null,
    email: ch.email && contact.email ? contact.email : null,
    segment: contact.segment,
    recallType: contact.recallType ?? null,
    dueDate: contact.dueDate ?? null,
    channels,
    tags: [contact.segment, 'dentrix-recall', officeTag(contact.office)],
    household: contact.household ? contact.household.map((m) => ({ firstName: m.firstName, recallType: m.recallType ?? null, dueDate: m.dueDate ?? null, segment: m.segment })) : [],
    otherRecalls: contact.otherRecalls ? contact.otherRecalls.map((r) => ({ recallType: r.recallType ?? null, dueDate: r.dueDate ?? null, segment: r.segment })) : [],
    source: PAYLOAD_SOURCE,
  };
  const record = contact as unknown as Record<string, unknown>;
  for (const field of allow) {
    const value = record[field];
    if (value !== undefined && value !== null && value !== '') payload[field] = value;
  }
  return payload;
}
