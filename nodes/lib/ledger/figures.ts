// What the recall brought, per office and segment: contacts, bookings within 30 days,
// conversion, median days to booking, opt-outs and bounces after contact, over the
// last 30 and 90 days. Pure: the rows come from the ledger (no patient data in them).
import { addDays, dayNumber } from '../calendar/days';
import type { OutcomeFigure, OutcomeFigures } from '../types';
import type { OutcomeRow } from './api';

export const WINDOWS = [30, 90] as const;
/** a booking counts for conversion when it came at most this many days after the contact */
export const BOOKED_WITHIN_DAYS = 30;
/** the row that sums an office's segments */
export const ALL_SEGMENTS = 'all';
export type { OutcomeFigure, OutcomeFigures };

/** YYYY-MM-DD `days` days before `isoDate`. */
export function daysBefore(isoDate: string, days: number): string {
  return addDays(isoDate.slice(0, 10), -days);
}

/** The first office date any window needs: ask the ledger for rows from there on. */
export function windowStart(asOf: string, windows: readonly number[] = WINDOWS): string {
  return daysBefore(asOf, Math.max(...windows) - 1);
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const SEGMENT_ORDER = ['due-now', 'overdue', 'due-soon', 'lapsed'];
const segmentRank = (s: string) => (s === ALL_SEGMENTS ? 99 : SEGMENT_ORDER.indexOf(s) < 0 ? 50 : SEGMENT_ORDER.indexOf(s));

export function outcomeFigures(rows: readonly OutcomeRow[], asOf: string, windows: readonly number[] = WINDOWS): OutcomeFigures {
  const today = dayNumber(asOf);
  const groups = new Map<string, { office: string; segment: string; days: number; rows: OutcomeRow[] }>();
  for (const days of windows) {
    for (const r of rows) {
      const age = today - dayNumber(r.contactedOn);
      if (age < 0 || age >= days) continue;
      for (const segment of [r.segment, ALL_SEGMENTS]) {
        const id = `${days}|${r.office}|${segment}`;
        let g = groups.get(id);
        if (!g) groups.set(id, (g = { office: r.office, segment, days, rows: [] }));
        g.rows.push(r);
      }
    }
  }
  const figures: OutcomeFigure[] = [];
  for (const g of groups.values()) {
    // a booking seen after asOf (figures for an earlier date) did not exist yet
    const waits = g.rows.filter((r) => r.bookedOn !== null && r.bookedOn <= asOf).map((r) => dayNumber(r.bookedOn!) - dayNumber(r.contactedOn));
    const booked = waits.filter((w) => w <= BOOKED_WITHIN_DAYS).length;
    figures.push({
      office: g.office,
      segment: g.segment,
      days: g.days,
      contacted: g.rows.length,
      bookedWithin30: booked,
      conversionPct: Math.round((1000 * booked) / g.rows.length) / 10,
      medianDaysToBooking: median(waits),
      optedOutAfterContact: g.rows.filter((r) => r.optedOutAfter).length,
      bounced: g.rows.filter((r) => r.bouncedAfter).length,
    });
  }
  figures.sort((a, b) => a.days - b.days || a.office.localeCompare(b.office) || segmentRank(a.segment) - segmentRank(b.segment) || a.segment.localeCompare(b.segment));
  return { asOf, figures };
}

/** "due-now: 12 contacted, 5 booked within 30 days (41.7 %), median 6 days, 1 opted out, 0 bounced" */
export function figureLine(f: OutcomeFigure): string {
  const conv = f.conversionPct === null ? '' : ` (${f.conversionPct} %)`;
  const med = f.medianDaysToBooking === null ? '' : `, median ${f.medianDaysToBooking} days to booking`;
  return `${f.contacted} contacted, ${f.bookedWithin30} booked within 30 days${conv}${med}, ${f.optedOutAfterContact} opted out after contact, ${f.bounced} bounced`;
}
