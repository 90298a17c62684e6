// Keyed hashes: the ledger never holds a patient's data, only HMACs of it.
import { createHmac, createSecretKey, hash } from 'node:crypto';
import type { RecallContact } from '../types';

export type Hmac = (...parts: string[]) => string;

/** HMAC-SHA256(secret, parts joined by '|'), hex. */
export function hmacWith(secret: string): Hmac {
  if (!secret) throw new Error('the ledger secret is empty');
  return padded(secret) ?? keyed(secret);
}

/** The HMAC through a Hmac object per call (any secret). */
function keyed(secret: string): Hmac {
  // a key object made once: a string secret is turned into one on every call (~10 % of each hash)
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return (...parts: string[]) => createHmac('sha256', key).update(parts.join('|')).digest('hex');
}

const BLOCK = 64;

/**
 * The same HMAC by its definition (RFC 2104), SHA-256(K^opad || SHA-256(K^ipad || text)),
 * with two one-shot hashes: half the time of a Hmac object per call, and nothing native
 * left for the garbage collector (a run hashes two keys per contact). The inner pad goes
 * in front of the text as a string, which is exact only while every pad byte is ASCII
 * (UTF-8 writes it as itself): true of any ASCII secret up to 64 bytes. Other secrets
 * (longer ones are hashed first, into binary) take the Hmac object; undefined for those.
 */
function padded(secret: string): Hmac | undefined {
  const key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) return undefined;
  const inner = Buffer.alloc(BLOCK);
  const outer = Buffer.alloc(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) {
    const k = i < key.length ? key[i] : 0;
    inner[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
  if (inner.some((b) => b >= 0x80)) return undefined;
  const innerPad = inner.toString('latin1');
  return (...parts: string[]) => {
    // the inner digest as latin1 ("binary") text is its 32 bytes one to one, put after the outer pad
    outer.write(hash('sha256', innerPad + parts.join('|'), 'binary'), BLOCK, 32, 'latin1');
    return hash('sha256', outer, 'hex');
  };
}

type KeyParts = Pick<RecallContact, 'office' | 'patientId' | 'segment' | 'dueDate' | 'lastVisit'>;

/**
 * Recall keys already computed, kept on the contact object with the parts they were
 * computed from: consent-filter hashes every row to ask the ledger and hands the same
 * objects on to the gate, which needs the same keys. A contact whose key parts changed
 * since, or a key under another secret, is hashed again. The property is a symbol and not
 * enumerable: JSON, copies, Node-RED's message clone and deep equality never see it (a
 * copy is hashed afresh). A WeakMap did the same at twice the cost in time and garbage
 * collection.
 */
const COMPUTED = Symbol('recall key computed');
interface Computed {
  hmac: Hmac;
  office: string;
  patientId: string;
  segment: string;
  date: string;
  key: string;
}
type Memo = { [COMPUTED]?: Computed };

/** Idempotency key: office | patientId | segment | dueDate (or lastVisit when no due date). */
export function recallKey(hmac: Hmac, c: KeyParts): string {
  const date = c.dueDate || c.lastVisit || '';
  const known = (c as Memo)[COMPUTED];
  if (known !== undefined && known.hmac === hmac && known.office === c.office && known.patientId === c.patientId && known.segment === c.segment && known.date === date) return known.key;
  const key = hmac(c.office, c.patientId, c.segment, date);
  const memo: Computed = { hmac, office: c.office, patientId: c.patientId, segment: c.segment, date, key };
  if (known !== undefined) (c as Memo)[COMPUTED] = memo;
  else if (Object.isExtensible(c)) Object.defineProperty(c, COMPUTED, { value: memo, writable: true, configurable: true });
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
