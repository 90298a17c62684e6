// Calendar dates as ISO `YYYY-MM-DD` text and the day/month arithmetic on them. No
// time of day anywhere: a recall is due on a date, and ISO date text compares
// correctly as plain strings.

export const DAY_MS = 86_400_000;

export function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month of the Gregorian calendar (every date cell asks: no Date object). */
export function daysInMonth(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month - 1];
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/** True for a real date written exactly as `YYYY-MM-DD`. */
export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/** Whole days since 1970-01-01 of a `YYYY-MM-DD` date (a time after it is ignored): differences are day counts. */
export function dayNumber(iso: string): number {
  const [y, m, d] = toParts(iso.slice(0, 10));
  return Math.round(Date.UTC(y, m - 1, d) / DAY_MS);
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
