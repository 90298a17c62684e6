// The as-of date of a run: the fixed date when one is set (RECALL_AS_OF, the node's
// "as of", or msg), else today in the office's time zone. dentrix-odbc-in binds it
// into the preset query and recall-normalize computes the segments from it: both
// read it here, so a fixed date gives both the same day or the same error.
import { isIsoDate, pad } from './days';
import { parseDate } from './parse';
import { checkTimeZone, dateInZone } from './zone';

const SETTING = 'setting "as of" (RECALL_AS_OF)';
/** `2025-06-15`, `2025-6-15` or `20250615`: year first, nothing to misread */
const YEAR_FIRST = [/^(\d{4})-(\d{1,2})-(\d{1,2})$/, /^(\d{4})(\d{2})(\d{2})$/];

/**
 * A fixed as-of date. Text is year first only: `06/05/2025` reads as June 5 in the
 * US and May 6 elsewhere, and a wrong as-of silently moves every segment. A Date
 * reads as a date cell does (UTC midnight = that date, any other instant = its day
 * in the office's zone); a number only as YYYYMMDD.
 */
export function parseAsOf(value: unknown, timeZone: string): string {
  if (value instanceof Date) {
    const p = parseDate(value, timeZone);
    if (!p.iso) throw new Error(`${SETTING}: ${p.error ?? 'the date is a placeholder, not a day'}`);
    return p.iso;
  }
  const text = typeof value === 'number' ? String(value) : String(value ?? '').trim();
  const m = YEAR_FIRST.map((re) => re.exec(text)).find((x) => x !== null);
  const iso = m ? `${m[1]}-${pad(Number(m[2]))}-${pad(Number(m[3]))}` : '';
  if (!isIsoDate(iso)) throw new Error(`${SETTING}: "${text.slice(0, 40)}" is not a date (use YYYY-MM-DD)`);
  return iso;
}

/** The run's as-of date: the fixed one when given ('' / null = none), else today in the zone. */
export function resolveAsOf(fixed: unknown, timeZone: string, now: Date = new Date()): string {
  const zone = checkTimeZone(timeZone);
  const none = fixed === undefined || fixed === null || (typeof fixed === 'string' && fixed.trim() === '');
  return none ? dateInZone(now, zone) : parseAsOf(fixed, zone);
}
