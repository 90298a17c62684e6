// Calendar dates as ISO `YYYY-MM-DD` text: parsing what sources hand over, and the
// day/month arithmetic the segment windows need. No time of day anywhere: a recall
// is due on a date, and ISO date text compares correctly as plain strings.

/** Parsed cell: `iso` when a date, nothing when empty/"none", `error` when unreadable. */
export interface DateParse {
  iso?: string;
  error?: string;
}

/** Dentrix and Excel write 0, 12/30/1899 or 01/01/1900 for "no date"; nobody alive has a real date that old. */
const LAST_PLACEHOLDER_YEAR = 1900;
/** Excel's serial for 9999-12-31, the largest date it stores. */
const MAX_EXCEL_SERIAL = 2958465;
const DAY_MS = 86_400_000;
/** Excel day 0 is 1899-12-30 once its fictitious 1900-02-29 is allowed for (serials >= 61). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** ISO text for a calendar date, or an error when the parts are not a real date. */
function fromParts(year: number, month: number, day: number): DateParse {
  if (!Number.isInteger(year) || year < 1 || year > 9999) return { error: `year ${year} is out of range` };
  if (month < 1 || month > 12) return { error: `month ${month} does not exist` };
  if (day < 1 || day > daysInMonth(year, month)) return { error: `day ${day} does not exist in ${year}-${pad(month)}` };
  if (year <= LAST_PLACEHOLDER_YEAR) return {};
  return { iso: `${year}-${pad(month)}-${pad(day)}` };
}

function fromUtcMs(ms: number): DateParse {
  const d = new Date(ms);
  return fromParts(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** The calendar date of an instant in an IANA time zone. */
export function dateInZone(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A driver Date: a DATE column arrives as UTC midnight (its calendar date is the UTC
 * one); any other instant (a timestamp) is read in the office's time zone.
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

const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
/** an ISO timestamp: an instant when it names a zone (Z or an offset), else a local date-time */
const ISO_TIME = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const US_DATE = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?$/i;

function fromText(text: string, timeZone: string): DateParse {
  const t = text.trim();
  if (t === '') return {};
  if (/^\d+(\.\d+)?$/.test(t)) return fromNumber(Number(t));
  let m = ISO_DATE.exec(t);
  if (m) return fromParts(Number(m[1]), Number(m[2]), Number(m[3]));
  m = ISO_TIME.exec(t);
  if (m) {
    if (m[4]) return fromDate(new Date(t.replace(' ', 'T')), timeZone);
    return fromParts(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  m = US_DATE.exec(t);
  if (m) return fromParts(Number(m[3]), Number(m[1]), Number(m[2]));
  return { error: `"${t.length > 40 ? t.slice(0, 40) + '…' : t}" is not a date (ISO YYYY-MM-DD, MM/DD/YYYY or an Excel serial)` };
}

/**
 * A date from a source cell: ISO text (with or without a time), US `MM/DD/YYYY`,
 * an Excel serial, `YYYYMMDD`, or a driver Date. 0, empty and dates up to the
 * year 1900 mean "no date". Anything else is an error (the row is rejected).
 */
export function parseDate(value: unknown, timeZone = 'UTC'): DateParse {
  if (value === null || value === undefined) return {};
  if (value instanceof Date) return fromDate(value, timeZone);
  if (typeof value === 'number') return fromNumber(value);
  if (typeof value === 'string') return fromText(value, timeZone);
  return { error: `${typeof value} is not a date` };
}

function toParts(iso: string): [number, number, number] {
  const [y, m, d] = iso.split('-').map(Number);
  return [y, m, d];
}

export function addDays(iso: string, days: number): string {
  const [y, m, d] = toParts(iso);
  const t = new Date(Date.UTC(y, m - 1, d) + days * DAY_MS);
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/**
 * Calendar months, the day clamped to the end of a shorter month:
 * 2025-08-31 − 6 months = 2025-02-28; 2024-02-29 + 12 months = 2025-02-28.
 */
export function addMonths(iso: string, months: number): string {
  const [y, m, d] = toParts(iso);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return `${pad(year, 4)}-${pad(month)}-${pad(Math.min(d, daysInMonth(year, month)))}`;
}

/** A segment window: a whole number of days or calendar months. */
export interface Window {
  amount: number;
  unit: 'days' | 'months';
}

/** "30 days", "30d", "18 months", "18m", or a bare number of days. */
export function parseWindow(setting: string, text: string): Window {
  const m = /^(\d{1,5})\s*(d|days?|m|mo|months?)?$/i.exec(String(text).trim());
  if (!m) throw new Error(`setting "${setting}" must be a number of days or months, like "30 days" or "18 months", got "${text}"`);
  const unit = !m[2] || m[2].toLowerCase().startsWith('d') ? 'days' : 'months';
  return { amount: Number(m[1]), unit };
}

export function shift(iso: string, w: Window, sign: 1 | -1): string {
  return w.unit === 'days' ? addDays(iso, sign * w.amount) : addMonths(iso, sign * w.amount);
}

export function windowText(w: Window): string {
  return `${w.amount} ${w.unit}`;
}
