// Speed only, never answers: the common North American phone cell ("(801) 555-0101",
// "801-555-0101", "8015550101", "+1 801 555 0101") checked with libphonenumber-js's own
// steps, minus the general parse around them. Parsing such a cell goes: no extension, no
// international prefix, no national prefix to strip, so the national number is its ten
// digits; the country is the first NANP country whose leading digits or number types take
// them (else the region's, or +1's own plan); valid is isValid() for that country, which
// is already known when a number type chose the country. The full parse costs ~5 µs and
// ~6 KB of garbage per number: about half of recall-normalize's time on 100k rows. Here
// the library's deciding steps are called directly (~1-2 µs).
//
// Any cell outside that shape, a region outside +1, or a national or international prefix
// that could apply goes the full way (undefined here).
// The two steps are internal to libphonenumber-js (not in its exports map), so they are
// reached by file and used only when they have the expected shape; with another layout
// every cell goes the full way, just slower. test/lib/contact/nanp.spec holds the answers
// equal to the full parse for random numbers of every area code, in every shape, for
// every +1 region and others.
import * as path from 'node:path';
import type { CountryCode } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/metadata.max.json';
import type { PhoneValue } from './phone';

type CountryOf = (nationalNumber: string, countries: string[], metadata: object) => string | undefined;
type IsValid = (input: { country: string | undefined; countryCallingCode: string; nationalNumber: string }, options: { v2: true }, metadata: object) => boolean;
interface Steps {
  /** libphonenumber-js's Metadata class (the CommonJS entry points do not export it) */
  Metadata: new (json: object) => MetadataView;
  countryOf: CountryOf;
  isValid: IsValid;
  /** the +1 countries, main one first (the order the library tries them in) */
  countries: string[];
}

let steps: Steps | undefined | null = null;

function load(): Steps | undefined {
  try {
    const root = path.dirname(require.resolve('libphonenumber-js/package.json'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const countryOf = (require(path.join(root, 'build/helpers/getCountryByNationalNumber.js')) as { default?: unknown }).default;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const isValid = (require(path.join(root, 'build/isValid.js')) as { default?: unknown }).default;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Metadata = (require(path.join(root, 'build/metadata.js')) as { default?: unknown }).default;
    const countries = (metadata as unknown as { country_calling_codes: Record<string, string[]> }).country_calling_codes['1'];
    if (typeof countryOf !== 'function' || countryOf.length !== 3 || typeof isValid !== 'function' || isValid.length !== 3 || typeof Metadata !== 'function' || !Array.isArray(countries)) return undefined;
    return { Metadata: Metadata as Steps['Metadata'], countryOf: countryOf as CountryOf, isValid: isValid as IsValid, countries };
  } catch {
    return undefined;
  }
}

function loaded(): Steps | undefined {
  if (steps === null) steps = load();
  return steps;
}

/** "^(?:pattern)" of a numbering plan's prefix, or undefined when it has none. */
function prefixAt(pattern: string | undefined): RegExp | undefined {
  return pattern ? new RegExp(`^(?:${pattern})`) : undefined;
}

interface Plan {
  /** a national prefix (or carrier code) the parse would strip */
  nationalPrefix?: RegExp;
  /** the international call prefix the parse would strip (national cells only) */
  idd?: RegExp;
}

const plans = new Map<string, Plan | undefined>();

/** The part of libphonenumber-js's Metadata class used here. */
interface MetadataView {
  hasCountry(country: string): boolean;
  selectNumberingPlan(regionOrCallingCode: string): void;
  numberingPlan?: { callingCode(): string; IDDPrefix(): string; nationalPrefixForParsing(): string | undefined; leadingDigits(): string | undefined };
}

/** The prefixes that steer the parse for a region (or '1', the plan of "+1" cells); undefined outside +1. */
function planOf(s: Steps, regionOrCode: string): Plan | undefined {
  if (plans.has(regionOrCode)) return plans.get(regionOrCode);
  let plan: Plan | undefined;
  const m = new s.Metadata(metadata);
  const international = regionOrCode === '1';
  if (international || m.hasCountry(regionOrCode)) {
    m.selectNumberingPlan(regionOrCode);
    const p = m.numberingPlan;
    if (p && p.callingCode() === '1') plan = { nationalPrefix: prefixAt(p.nationalPrefixForParsing()), idd: international ? undefined : prefixAt(p.IDDPrefix()) };
  }
  plans.set(regionOrCode, plan);
  return plan;
}

const leading = new Map<string, boolean>();

/** True when the library picks `country` by its leading digits alone (Caribbean +1 countries). */
function byLeadingDigits(s: Steps, country: string): boolean {
  let has = leading.get(country);
  if (has === undefined) {
    const m = new s.Metadata(metadata);
    m.selectNumberingPlan(country);
    leading.set(country, (has = !!m.numberingPlan?.leadingDigits()));
  }
  return has;
}

const SEPARATOR = new Set([0x20, 0x2e, 0x2d]); // space . -
const digitAt = (text: string, i: number, min = 0x30): boolean => {
  const c = text.charCodeAt(i);
  return c >= min && c <= 0x39;
};

/**
 * The ten digits of a cell shaped: optional "+1" and one separator, the area code (2-9,
 * in brackets or not), exchange and line with one optional separator (space . -) between
 * them; undefined for any other text. Read by character codes: a pattern match made a
 * list and five texts per number.
 */
export function nanpDigits(text: string): string | undefined {
  let i = 0;
  if (text.charCodeAt(0) === 0x2b) {
    if (text.charCodeAt(1) !== 0x31) return undefined;
    i = SEPARATOR.has(text.charCodeAt(2)) ? 3 : 2;
  }
  const bracket = text.charCodeAt(i) === 0x28;
  if (bracket) i++;
  const area = i;
  if (!digitAt(text, i, 0x32) || !digitAt(text, i + 1) || !digitAt(text, i + 2)) return undefined;
  i += 3;
  if (bracket) {
    if (text.charCodeAt(i) !== 0x29) return undefined;
    i++;
  }
  if (SEPARATOR.has(text.charCodeAt(i))) i++;
  const exchange = i;
  if (!digitAt(text, i) || !digitAt(text, i + 1) || !digitAt(text, i + 2)) return undefined;
  i += 3;
  if (SEPARATOR.has(text.charCodeAt(i))) i++;
  const line = i;
  if (!digitAt(text, i) || !digitAt(text, i + 1) || !digitAt(text, i + 2) || !digitAt(text, i + 3)) return undefined;
  if (i + 4 !== text.length) return undefined;
  // a cell of ten bare digits is its own national number
  if (area === 0 && exchange === 3 && line === 6) return text;
  return text.slice(area, area + 3) + text.slice(exchange, exchange + 3) + text.slice(line, line + 4);
}

/**
 * E.164 and validity of a common +1 cell, as the full parse with `region` gives them
 * (a cell starting "+1" needs no region); undefined: parse it.
 */
export function nanpPhone(text: string, region?: CountryCode): PhoneValue | undefined {
  const national = nanpDigits(text);
  if (national === undefined) return undefined;
  const international = text.charCodeAt(0) === 0x2b;
  if (!international && !region) return undefined;
  const s = loaded();
  if (!s) return undefined;
  const plan = planOf(s, international ? '1' : region!);
  if (!plan) return undefined;
  if (plan.idd?.test(national) || plan.nationalPrefix?.test(national)) return undefined;
  const found = s.countryOf(national, s.countries, metadata);
  // a country without leading digits was chosen because a number type of it took the
  // number, which is what isValid() asks again: valid, without asking twice
  if (found && !byLeadingDigits(s, found)) return { phone: `+1${national}`, valid: true };
  // else (no country took it: a national cell stays the region's, a "+1" cell the plan of +1)
  const country = found ?? (international ? undefined : region);
  return { phone: `+1${national}`, valid: s.isValid({ country, countryCallingCode: '1', nationalNumber: national }, { v2: true }, metadata) };
}

/** True when the fast path is available (the library has the expected layout). */
export function nanpInUse(): boolean {
  return loaded() !== undefined;
}
