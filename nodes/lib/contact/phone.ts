// Phone numbers as every stage compares them: E.164, checked with libphonenumber-js's
// full metadata. The ground floor: normalize, consent and the CRM sink import it,
// and it imports nothing of the pack but the record types.
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { PhoneType } from '../types';
import { nanpPhone } from './nanp';
import { cachePhonePatterns } from './pattern-cache';

cachePhonePatterns();

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
  const common = quickPhone(text, region);
  if (common) return common;
  const digits = text.replace(/\D/g, '');
  // empty, "none", "n/a", 0 and 000-000-0000 are placeholders, not numbers
  if (digits === '' || /^0+$/.test(digits)) return undefined;
  const parsed = parsePhoneNumberFromString(text, region);
  if (!parsed) return { phone: text, valid: false };
  const valid = parsed.isValid();
  if (valid) remember(parsed.number);
  return { phone: parsed.number, valid };
}

/** A common +1 cell (nanp.ts: never a placeholder, its area code is 2-9); undefined for any other. */
function quickPhone(text: string, region: CountryCode): PhoneValue | undefined {
  const common = nanpPhone(text, region);
  if (common?.valid) remember(common.phone);
  return common;
}

/**
 * E.164 numbers this process has already found valid (normalize's parse, or an earlier
 * isValidE164): consent checks the very number normalize produced, and each check
 * costs a parse and isValid() (~20 µs). Validity belongs to the number, not to how it
 * was written, so a hit answers as a fresh check would (test/lib/contact/phone.spec
 * holds the two to agree for every region's example numbers). Bounded: emptied when full.
 */
const knownValid = new Set<string>();
const E164 = /^\+\d{8,15}$/;
export const KNOWN_VALID_MAX = 200_000;

function remember(e164: string): void {
  if (!E164.test(e164)) return;
  if (knownValid.size >= KNOWN_VALID_MAX) knownValid.clear();
  knownValid.add(e164);
}

/**
 * normalizePhone for one run and region, remembering each distinct cell text that needs
 * the full parse (~5 µs): family members share numbers. Blank cells and the common +1
 * cells are answered as they come, cheaper than a lookup in a map of every number of the
 * run. The result objects are shared, never mutated.
 */
export function phoneMemo(region: CountryCode): (value: unknown) => PhoneValue | undefined {
  const seen = new Map<string, PhoneValue | undefined>();
  return (value) => {
    if (value === null || value === undefined || typeof value === 'boolean' || value === '') return undefined;
    const text = String(value);
    const common = quickPhone(text, region);
    if (common) return common;
    if (seen.has(text)) return seen.get(text);
    const p = normalizePhone(text, region);
    seen.set(text, p);
    return p;
  };
}

/** True when `phone` is a valid number in E.164 (what consent-filter checks). */
export function isValidE164(phone: string): boolean {
  if (knownValid.has(phone)) return true;
  const valid = checkE164(phone);
  if (valid) remember(phone);
  return valid;
}

/** True when this process already found `phone` valid (a lookup, never a parse). */
export function knownValidE164(phone: string): boolean {
  return knownValid.has(phone);
}

/** isValidE164 without the memo: parse and check. */
export function checkE164(phone: string): boolean {
  if (!E164.test(phone)) return false;
  const common = nanpPhone(phone);
  if (common) return common.valid && common.phone === phone;
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
