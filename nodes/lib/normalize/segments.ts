// Recall segments (SPEC §3) and the date they are computed for.
import type { Segment } from '../types';
import { dateInZone, isValidTimeZone, parseDate, parseWindow, shift, windowText, type Window } from './dates';

export const SEGMENTS: readonly Segment[] = ['due-soon', 'due-now', 'overdue', 'lapsed'];

export interface Windows {
  /** due-soon: asOf < dueDate <= asOf + dueSoon */
  dueSoon: Window;
  /** due-now: asOf - dueNow <= dueDate <= asOf */
  dueNow: Window;
  /** overdue down to asOf - lapsed; lapsed before it (also for lastVisit without a due date) */
  lapsed: Window;
}

export const DEFAULT_WINDOWS = { dueSoon: '30 days', dueNow: '30 days', lapsed: '18 months' } as const;

export function parseWindows(text: { dueSoon?: string; dueNow?: string; lapsed?: string }): Windows {
  const pick = (v: string | undefined, d: string) => (v === undefined || String(v).trim() === '' ? d : v);
  return {
    dueSoon: parseWindow('due-soon window', pick(text.dueSoon, DEFAULT_WINDOWS.dueSoon)),
    dueNow: parseWindow('due-now window', pick(text.dueNow, DEFAULT_WINDOWS.dueNow)),
    lapsed: parseWindow('lapsed after', pick(text.lapsed, DEFAULT_WINDOWS.lapsed)),
  };
}

/** The date edges of the segments for one asOf (all inclusive/exclusive as in SPEC §3). */
export interface Edges {
  asOf: string;
  /** last due date that is due-soon */
  soonEnd: string;
  /** first due date that is due-now */
  nowStart: string;
  /** first due date that is overdue; anything earlier is lapsed */
  lapseStart: string;
}

export function segmentEdges(asOf: string, w: Windows): Edges {
  const edges = { asOf, soonEnd: shift(asOf, w.dueSoon, 1), nowStart: shift(asOf, w.dueNow, -1), lapseStart: shift(asOf, w.lapsed, -1) };
  if (edges.lapseStart >= edges.nowStart) {
    throw new Error(`setting "lapsed after" (${windowText(w.lapsed)}) must be longer than the due-now window (${windowText(w.dueNow)}), or nobody is overdue`);
  }
  return edges;
}

/** The segment of a due date / last visit, or undefined (`not-due`). */
export function segmentOf(e: Edges, dueDate: string | undefined, lastVisit: string | undefined): Segment | undefined {
  if (dueDate) {
    if (dueDate > e.soonEnd) return undefined;
    if (dueDate > e.asOf) return 'due-soon';
    if (dueDate >= e.nowStart) return 'due-now';
    if (dueDate >= e.lapseStart) return 'overdue';
    return 'lapsed';
  }
  if (lastVisit && lastVisit < e.lapseStart) return 'lapsed';
  return undefined;
}

/**
 * asOf: the fixed date when one is configured (RECALL_AS_OF), else today in the
 * office time zone (the machine's own zone when none is configured).
 */
export function resolveAsOf(fixed: string, timeZone: string, now: Date = new Date()): string {
  if (timeZone && !isValidTimeZone(timeZone)) {
    throw new Error(`setting "time zone": "${timeZone}" is not an IANA time zone name (like America/Denver)`);
  }
  if (fixed.trim() !== '') {
    const p = parseDate(fixed.trim());
    if (!p.iso) throw new Error(`setting "as of" (RECALL_AS_OF): "${fixed}" is not a date (use YYYY-MM-DD)`);
    return p.iso;
  }
  return dateInZone(now, timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone);
}
