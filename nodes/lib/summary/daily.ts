// The daily summary: totals over the day's runs, as plain text and HTML for the
// e-mail node. Counts and error messages only; never patient data.
import { figureLine } from '../ledger/figures';
import type { Counts, DeliveryOutcome, OutcomeFigures } from '../types';
import { countsLine, OUTCOMES, type RunSummary } from './run-summary';

export interface DailyTotals {
  office: string;
  /** ISO time of the first and last run counted */
  from?: string;
  to?: string;
  runs: number;
  failedRuns: number;
  dryRuns: number;
  delivery: Record<DeliveryOutcome, number>;
  leftOut: Counts;
  channelsDropped: Counts;
  alreadySent: number;
  /** the last few failures: time and message */
  errors: { at: string; text: string }[];
}

const MAX_ERRORS = 10;

export function emptyTotals(office = ''): DailyTotals {
  return {
    office,
    runs: 0,
    failedRuns: 0,
    dryRuns: 0,
    delivery: { delivered: 0, failed: 0, retry: 0, 'dry-run': 0 },
    leftOut: {},
    channelsDropped: {},
    alreadySent: 0,
    errors: [],
  };
}

function add(into: Counts, from: Counts): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/**
 * Adds one run to the totals (returns a new object; totals live in node context).
 * `again`: a second report of a run already counted (its error, or its results
 * after its error): adds what is new, not another run.
 */
export function addRun(totals: DailyTotals, run: RunSummary, again: 'error' | 'results' | false = false): DailyTotals {
  const t: DailyTotals = JSON.parse(JSON.stringify(totals));
  if (!t.office) t.office = run.office;
  t.from = t.from ?? run.at;
  t.to = run.at;
  if (again === 'results') {
    for (const o of OUTCOMES) t.delivery[o] += run.delivery[o] ?? 0;
    return t;
  }
  if (!again) t.runs += 1;
  if (!run.ok) {
    t.failedRuns += 1;
    t.errors.push({ at: run.at, text: run.text });
    if (t.errors.length > MAX_ERRORS) t.errors.splice(0, t.errors.length - MAX_ERRORS);
  }
  if (again === 'error') return t;
  if (run.dryRun) t.dryRuns += 1;
  for (const o of OUTCOMES) t.delivery[o] += run.delivery[o] ?? 0;
  add(t.leftOut, run.leftOut);
  add(t.channelsDropped, run.channelsDropped);
  t.alreadySent += run.counts['already-sent'] ?? 0;
  return t;
}

export interface DailyMail {
  /** msg.topic for the e-mail node: the subject */
  subject: string;
  text: string;
  html: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function lines(t: DailyTotals): [string, string][] {
  const rows: [string, string][] = [
    ['Runs', `${t.runs}${t.failedRuns ? ` (${t.failedRuns} failed)` : ''}${t.dryRuns ? ` (${t.dryRuns} dry-run)` : ''}`],
    ['Delivered to the CRM', String(t.delivery.delivered)],
    ['Would be sent (dry-run)', String(t.delivery['dry-run'])],
    ['Failed permanently', String(t.delivery.failed)],
    ['Left for the next run (retry)', String(t.delivery.retry)],
    ['Already sent before', String(t.alreadySent)],
    ['Left out, by reason', countsLine(t.leftOut) || 'none'],
    ['Channels dropped, by reason', countsLine(t.channelsDropped) || 'none'],
  ];
  return rows;
}

/** Bookings after contact, one line per office, window and segment ('all' first). */
function outcomeLines(o: OutcomeFigures | undefined): [string, string][] {
  if (!o) return [];
  const order = (seg: string) => (seg === 'all' ? 0 : 1);
  return [...o.figures]
    .sort((a, b) => a.days - b.days || a.office.localeCompare(b.office) || order(a.segment) - order(b.segment))
    .map((f) => [`${f.office} ${f.segment === 'all' ? 'all segments' : f.segment}, last ${f.days} days`, figureLine(f)]);
}

/** `outcomes`: the latest figures from the ledger (as of their own office date). */
export function dailySummary(t: DailyTotals, day: string, outcomes?: OutcomeFigures): DailyMail {
  const status = t.runs === 0 ? 'NO RUNS' : t.failedRuns > 0 ? `${t.failedRuns} FAILED RUN${t.failedRuns > 1 ? 'S' : ''}` : 'ok';
  const subject = `Dental recall ${t.office || ''} ${day}: ${status}, ${t.delivery.delivered} delivered`.replace(/\s+/g, ' ');
  const rows = lines(t);
  const booked = outcomeLines(outcomes);
  const bookedHead = outcomes ? `Bookings after contact (as of ${outcomes.asOf})` : '';
  const text = [
    subject,
    '',
    ...rows.map(([k, v]) => `${k}: ${v}`),
    ...(t.errors.length ? ['', 'Failures:', ...t.errors.map((e) => `- ${e.at} ${e.text}`)] : []),
    ...(outcomes ? ['', `${bookedHead}:`, ...(booked.length ? booked.map(([k, v]) => `- ${k}: ${v}`) : ['- no contacts in the last 90 days'])] : []),
    '',
    t.runs === 0 ? 'No run was recorded today: check that the service is running and the schedule is set.' : `First run ${t.from}, last run ${t.to}.`,
  ].join('\n');
  const html = [
    `<h2>${escapeHtml(subject)}</h2>`,
    '<table cellpadding="4" style="border-collapse:collapse">',
    ...rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    ...(t.errors.length ? ['<h3>Failures</h3>', '<ul>', ...t.errors.map((e) => `<li>${escapeHtml(e.at)} ${escapeHtml(e.text)}</li>`), '</ul>'] : []),
    ...(outcomes
      ? [`<h3>${escapeHtml(bookedHead)}</h3>`, '<ul>', ...(booked.length ? booked.map(([k, v]) => `<li><b>${escapeHtml(k)}</b>: ${escapeHtml(v)}</li>`) : ['<li>no contacts in the last 90 days</li>']), '</ul>']
      : []),
    `<p>${escapeHtml(t.runs === 0 ? 'No run was recorded today: check that the service is running and the schedule is set.' : `First run ${t.from}, last run ${t.to}.`)}</p>`,
  ].join('\n');
  return { subject, text, html };
}

