// Recall segments and their windows (days or calendar months around the as-of date).
import { addDays, addMonths } from '../calendar/days';
import type { Segment } from '../types';

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

/** The date edges of the segments for one asOf (inclusive/exclusive as docs/recall-rules.md says). */
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
