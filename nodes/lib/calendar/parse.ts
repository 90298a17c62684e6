// One reading of a date cell, whatever the source handed over: the export reader
// and recall-normalize both call parseDate, so a cell means the same date on every
// path. Patterns are anchored and linear, and long text is never tried: a crafted
// cell cannot stall parsing.
import { DAY_MS, daysInMonth, pad } from './days';
import { dateInZone } from './zone';

/** Parsed cell: `iso` when a date, nothing when empty/"no date", `error` when unreadable. */
export interface DateParse {
  iso?: string;
  error?: string;
}

/** Dentrix and Excel write 0, 12/30/1899 or 01/01/1900 for "no date"; nobody alive has a real date that old. */
const LAST_PLACEHOLDER_YEAR = 1900;
/** Excel's serial for 9999-12-31, the largest date it stores. */
const MAX_EXCEL_SERIAL = 2_958_465;
/** Excel day 0 is 1899-12-30 once its fictitious 1900-02-29 is allowed for (serials >= 61). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const MAX_DATE_TEXT = 40;

/** ISO text for a calendar date, nothing for a placeholder, or an error when the parts are no date. */
export function fromParts(year: number, month: number, day: number): DateParse {
  return notADate(year, month, day) ?? { iso: `${year}-${pad(month)}-${pad(day)}` };
}

/** The error, or "no date" for a placeholder year; undefined when the parts are a real date. */
function notADate(year: number, month: number, day: number): DateParse | undefined {
  if (!Number.isInteger(year) || year < 1 || year > 9999) return { error: `year ${year} is out of range` };
  if (month < 1 || month > 12) return { error: `month ${month} does not exist` };
  if (day < 1 || day > daysInMonth(year, month)) return { error: `day ${day} does not exist in ${year}-${pad(month)}` };
  if (year <= LAST_PLACEHOLDER_YEAR) return {};
  return undefined;
}

function fromUtcMs(ms: number): DateParse {
  const d = new Date(ms);
  return fromParts(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/**
 * A Date: at UTC midnight it is a date column (its calendar date is the UTC one);
 * any other instant is a timestamp, read in the office's time zone. exceljs encodes
 * wall-clock time as UTC, so the export reader asks with the zone 'UTC'.
 */
function fromDate(d: Date, timeZone: string): DateParse {
  if (Number.isNaN(d.getTime())) return { error: 'invalid Date' };
  const utcMidnight = d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0 && d.getUTCMilliseconds() === 0;
  if (utcMidnight) return fromUtcMs(d.getTime());
  const [y, m, day] = dateInZone(d, timeZone).split('-').map(Number);
  return fromParts(y, m, day);
}

function fromNumber(n: number): DateParse {
  if (!Number.isFinite(n)) return { error: `${n} is not a date` };
  if (n <= 0) return {}; // 0 is Dentrix's and Excel's "no date"
  if (Number.isInteger(n) && n >= 19000101 && n <= 99991231) {
    // YYYYMMDD, as some database exports write dates
    return fromParts(Math.floor(n / 10000), Math.floor(n / 100) % 100, n % 100);
  }
  if (n > MAX_EXCEL_SERIAL) return { error: `${n} is neither an Excel date serial nor YYYYMMDD` };
  // the time-of-day fraction of a serial is dropped: a recall is due on a day
  return fromUtcMs(EXCEL_EPOCH_MS + Math.floor(n) * DAY_MS);
}

/** Two-digit years: 00-69 are 20xx, 70-99 are 19xx. */
function fullYear(text: string): number {
  const y = Number(text);
  if (text.length === 4) return y;
  return y < 70 ? 2000 + y : 1900 + y;
}

const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
/** an ISO timestamp: an instant when it names a zone (Z or an offset), else a local date-time */
const ISO_TIME = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
/** US month/day/year as Dentrix reports print it, optionally with a time */
const US_DATE = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?$/i;

/**
 * `YYYY-MM-DD` read digit by digit: most cells of a database source, without a regexp
 * match per cell. A real date is its own ISO form: the cell's text is kept, not rebuilt.
 */
function fromIsoText(t: string): DateParse | undefined {
  if (t.length !== 10 || t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45) return undefined;
  let n = 0;
  for (const i of ISO_DIGITS) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return notADate(Math.floor(n / 10000), Math.floor(n / 100) % 100, n % 100) ?? { iso: t };
}
const ISO_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];

function fromText(text: string, timeZone: string): DateParse {
  const t = text.trim();
  if (t === '') return {};
  const iso = fromIsoText(t);
  if (iso) return iso;
  if (t.length > MAX_DATE_TEXT) return { error: `"${t.slice(0, MAX_DATE_TEXT)}…" is not a date` };
  if (/^\d+(\.\d+)?$/.test(t)) return fromNumber(Number(t));
  let m = ISO_DATE.exec(t);
  if (m) return fromParts(Number(m[1]), Number(m[2]), Number(m[3]));
  m = ISO_TIME.exec(t);
  if (m) {
    if (m[4]) return fromDate(new Date(t.replace(' ', 'T')), timeZone);
    return fromParts(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  m = US_DATE.exec(t);
  if (m) return fromParts(fullYear(m[3]), Number(m[1]), Number(m[2]));
  return { error: `"${t}" is not a date (ISO YYYY-MM-DD, MM/DD/YYYY or an Excel serial)` };
}

/**
 * A date from a source cell: ISO text (with or without a time), US `MM/DD/YYYY`
 * (or `MM/DD/YY`, `-` or `.` between), an Excel serial, `YYYYMMDD`, or a Date.
 * 0, empty and dates up to the year 1900 mean "no date". Anything else is an error.
 * `timeZone` ('' = the machine's) places timestamps that name their zone.
 */
export function parseDate(value: unknown, timeZone = 'UTC'): DateParse {
  if (value === null || value === undefined) return {};
  if (value instanceof Date) return fromDate(value, timeZone);
  if (typeof value === 'number') return fromNumber(value);
  if (typeof value === 'string') return fromText(value, timeZone);
  return { error: `${typeof value} is not a date` };
}

/**
 * For a reader that knows no office zone (the export reader): the ISO date when it
 * does not depend on one, else undefined (the cell is left for recall-normalize).
 * A Date is read in UTC (exceljs encodes wall-clock time as UTC); text naming a zone
 * is an instant and stays text, so that it gets the office's day like on every path.
 */
export function zoneFreeDate(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const m = ISO_TIME.exec(value.trim());
    if (m?.[4]) return undefined;
  }
  return parseDate(value, 'UTC').iso;
}
