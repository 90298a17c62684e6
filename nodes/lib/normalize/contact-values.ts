// Phone numbers, e-mail addresses and names as the RecallContact wants them.
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { PhoneType } from '../types';

/**
 * A phone cell normalized. `valid` is libphonenumber-js's isValid() with its full
 * ("max") metadata: the number has a possible length and an existing area code and
 * exchange pattern for its region. The 555-01xx numbers of US fiction and of the
 * test fixtures are valid by that test (area code and exchange are well formed);
 * (801)155-0101 (exchange starting with 1) and 7-digit numbers are not.
 * An invalid number is kept, in the E.164 shape when it has one, so that
 * consent-filter can drop its channels with `bad-number`.
 */
export interface PhoneValue {
  phone: string;
  valid: boolean;
}

export function checkRegion(region: string): CountryCode {
  const r = region.trim().toUpperCase();
  if (!isSupportedCountry(r)) throw new Error(`setting "phone region": "${region}" is not a two-letter country code libphonenumber knows (like US or CA)`);
  return r as CountryCode;
}

export function normalizePhone(value: unknown, region: CountryCode): PhoneValue | undefined {
  if (value === null || value === undefined || typeof value === 'boolean') return undefined;
  const text = String(value).trim();
  const digits = text.replace(/\D/g, '');
  // empty, "none", "n/a", 0 and 000-000-0000 are placeholders, not numbers
  if (digits === '' || /^0+$/.test(digits)) return undefined;
  const parsed = parsePhoneNumberFromString(text, region);
  if (!parsed) return { phone: text, valid: false };
  return { phone: parsed.number, valid: parsed.isValid() };
}

/**
 * normalizePhone for one run and region, remembering each distinct cell text:
 * family members share numbers, and libphonenumber's isValid() compiles its
 * metadata regexes on every call. The result objects are shared, never mutated.
 */
export function phoneMemo(region: CountryCode): (value: unknown) => PhoneValue | undefined {
  const seen = new Map<string, PhoneValue | undefined>();
  return (value) => {
    if (value === null || value === undefined || typeof value === 'boolean') return undefined;
    const text = String(value);
    if (seen.has(text)) return seen.get(text);
    const p = normalizePhone(text, region);
    seen.set(text, p);
    return p;
  };
}

/** True when `phone` is a valid number in E.164 (what consent-filter checks). */
export function isValidE164(phone: string): boolean {
  if (!/^\+\d{8,15}$/.test(phone)) return false;
  const parsed = parsePhoneNumberFromString(phone);
  return !!parsed && parsed.isValid() && parsed.number === phone;
}

const PHONE_ORDER: readonly PhoneType[] = ['mobile', 'home', 'work'];

export interface PhoneCandidates {
  mobile?: unknown;
  home?: unknown;
  work?: unknown;
}

/**
 * The number to use: the first VALID one of mobile, home, work; when none is valid,
 * the first non-empty one (consent reports it as `bad-number`).
 */
export function pickPhone(
  c: PhoneCandidates,
  region: CountryCode,
  normalize: (value: unknown) => PhoneValue | undefined = (v) => normalizePhone(v, region),
): { phone: string; phoneType: PhoneType; valid: boolean } | undefined {
  let fallback: { phone: string; phoneType: PhoneType; valid: boolean } | undefined;
  for (const type of PHONE_ORDER) {
    const p = normalize(c[type]);
    if (!p) continue;
    if (p.valid) return { phone: p.phone, phoneType: type, valid: true };
    fallback ??= { phone: p.phone, phoneType: type, valid: false };
  }
  return fallback;
}

// Pragmatic syntax check (RFC 5321 dot-atom local part, DNS host names, alphabetic TLD).
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function isValidEmail(email: string): boolean {
  return email.length <= 254 && email.split('@')[0].length <= 64 && EMAIL.test(email);
}

/**
 * An e-mail cell: trimmed, lower-cased, `mailto:` removed; of a list ("a@x.com; b@y.com")
 * the first address. `valid` false when it is not syntactically an address.
 */
export function normalizeEmail(value: unknown): { email: string; valid: boolean } | undefined {
  if (value === null || value === undefined || typeof value === 'boolean') return undefined;
  const first = String(value).trim().toLowerCase().replace(/^mailto:/, '').split(/[;,\s]+/).find((s) => s !== '');
  if (!first) return undefined;
  return { email: first, valid: isValidEmail(first) };
}

export function cleanText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/\s+/g, ' ').trim();
}

/** "Last, First" (Dentrix reports) or "First Last"; words are kept as written. */
export function parseName(value: unknown): { firstName: string; lastName: string } {
  const text = cleanText(value);
  const comma = text.indexOf(',');
  if (comma >= 0) return { lastName: text.slice(0, comma).trim(), firstName: text.slice(comma + 1).trim() };
  const space = text.lastIndexOf(' ');
  if (space < 0) return { firstName: '', lastName: text };
  return { firstName: text.slice(0, space).trim(), lastName: text.slice(space + 1).trim() };
}
