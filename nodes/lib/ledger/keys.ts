// Keyed hashes: the ledger never holds a patient's data, only HMACs of it.
import { createHmac, createSecretKey } from 'node:crypto';
import type { RecallContact } from '../types';

export type Hmac = (...parts: string[]) => string;

/** HMAC-SHA256(secret, parts joined by '|'), hex. */
export function hmacWith(secret: string): Hmac {
  if (!secret) throw new Error('the ledger secret is empty');
  // a key object made once: a string secret is turned into one on every call (~10 % of each hash)
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return (...parts: string[]) => createHmac('sha256', key).update(parts.join('|')).digest('hex');
}

type KeyParts = Pick<RecallContact, 'office' | 'patientId' | 'segment' | 'dueDate' | 'lastVisit'>;

/**
 * Recall keys already computed, by contact object, with the parts they were computed
 * from: consent-filter hashes every row to ask the ledger and hands the same objects on
 * to the gate, which needs the same keys (a hash is ~3 µs). A contact whose key parts
 * changed since, or a key under another secret, is hashed again; entries go with their
 * contacts.
 */
const computed = new WeakMap<object, { hmac: Hmac; office: string; patientId: string; segment: string; date: string; key: string }>();

/** Idempotency key: office | patientId | segment | dueDate (or lastVisit when no due date). */
export function recallKey(hmac: Hmac, c: KeyParts): string {
  const date = c.dueDate || c.lastVisit || '';
  const known = computed.get(c);
  if (known !== undefined && known.hmac === hmac && known.office === c.office && known.patientId === c.patientId && known.segment === c.segment && known.date === date) return known.key;
  const key = hmac(c.office, c.patientId, c.segment, date);
  computed.set(c, { hmac, office: c.office, patientId: c.patientId, segment: c.segment, date, key });
  return key;
}

/** contactKey for the CRM: stable per patient, not the chart number. */
export function contactKey(hmac: Hmac, c: Pick<RecallContact, 'office' | 'patientId'>): string {
  return hmac(c.office, c.patientId);
}

/** The form a suppression value is hashed in: trimmed; e-mail addresses lower-case. */
export function suppressionValue(value: string): string {
  const v = String(value).trim();
  return v.includes('@') ? v.toLowerCase() : v;
}

export function suppressionHash(hmac: Hmac, value: string): string {
  return hmac('suppress', suppressionValue(value));
}

/** Stored in the file on creation so a changed secret is caught (it would re-send everyone). */
export function secretFingerprint(hmac: Hmac): string {
  return hmac('ledger-secret-check');
}
