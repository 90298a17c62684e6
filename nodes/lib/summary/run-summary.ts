// The summary of one run: every stage's counts by reason, from msg.recall (which
// each stage adds to) and the sink/commit results. No patient data goes in here:
// it is sent to health checks and e-mailed.
import { patientIds, scrubIds } from './scrub';
import { CHANNEL_REASONS, PATIENT_REASONS, type Counts, type DeliveryOutcome, type OutcomeFigures } from '../types';

export const OUTCOMES: readonly DeliveryOutcome[] = ['delivered', 'failed', 'retry', 'dry-run'];
/** The pack's stages in flow order (msg.recall[<type>] holds each one's own summary). */
export const STAGES = ['dentrix-odbc-in', 'batch-export-in', 'recall-normalize', 'consent-filter', 'idempotency-gate', 'crm-webhook-out'] as const;

export interface RunSummary {
  runId: string;
  office: string;
  source: string;
  /** the export file name (no folder), for export runs */
  file?: string;
  asOf?: string;
  dryRun: boolean;
  ok: boolean;
  /** the error that stopped the run (failed runs only) */
  error?: string;
  /** the node that raised it */
  errorSource?: string;
  /** ISO time the summary was made */
  at: string;
  /** rows read by the source, when it said */
  rows?: number;
  /** every count the stages added to msg.recall.counts */
  counts: Counts;
  /** patient-level reason codes: who was left out and why */
  leftOut: Counts;
  /** channel-level reasons: channels dropped while the patient stayed */
  channelsDropped: Counts;
  /** delivery outcomes of this run (from the results when present) */
  delivery: Record<DeliveryOutcome, number>;
  /** each stage's own numbers, as it reported them under msg.recall[<type>] */
  stages: Record<string, Counts>;
  /** bookings after contact, as the commit read them from the ledger (msg.recall.outcomes) */
  outcomes?: OutcomeFigures;
  /** dry-run: what a live run would do ("a live run would refuse: 1,480 to send > max per run 500") */
  liveRun?: string;
  /** one line for a person */
  text: string;
}

export interface RunInput {
  /** msg.recall of the message that ended the run (may be absent on errors) */
  recall?: Record<string, unknown>;
  /** msg.payload of that message */
  payload?: unknown;
  /** msg.error from a Catch node */
  error?: { message?: unknown; source?: { type?: unknown; name?: unknown; id?: unknown } };
  /** fallback office code (OFFICE_CODE) when msg.recall has none */
  office?: string;
  now?: Date;
}

function isOutcomes(value: unknown): value is OutcomeFigures {
  const o = value as Partial<OutcomeFigures> | undefined;
  return !!o && typeof o === 'object' && typeof o.asOf === 'string' && Array.isArray(o.figures);
}

function isCounts(value: unknown): value is Counts {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** Numeric leaves of a stage's own summary, one level deep ("counts.x" style keys flattened). */
function numericLeaves(value: unknown): Counts {
  const out: Counts = {};
  if (!isCounts(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    else if (isCounts(v)) {
      for (const [k2, v2] of Object.entries(v)) if (typeof v2 === 'number' && Number.isFinite(v2)) out[`${k}.${k2}`] = v2;
    }
  }
  return out;
}

function pick(counts: Counts, names: readonly string[]): Counts {
  const out: Counts = {};
  for (const name of names) if (counts[name]) out[name] = counts[name];
  return out;
}

/** Delivery outcomes counted from a DeliveryResult[] payload, else from the counts. */
function deliveryOutcomes(payload: unknown, counts: Counts): Record<DeliveryOutcome, number> {
  const out = { delivered: 0, failed: 0, retry: 0, 'dry-run': 0 } as Record<DeliveryOutcome, number>;
  const results = Array.isArray(payload)
    ? payload.filter((r): r is { outcome: DeliveryOutcome } => !!r && typeof r === 'object' && OUTCOMES.includes((r as { outcome?: DeliveryOutcome }).outcome as DeliveryOutcome))
    : [];
  if (results.length > 0) {
    for (const r of results) out[r.outcome] += 1;
  } else {
    for (const o of OUTCOMES) out[o] = counts[o] ?? 0;
  }
  return out;
}

export function countsLine(counts: Counts): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** A Catch node's msg.error.message is "Error: boom"; keep the words, drop the class name. */
function errorText(message: unknown): string {
  return String(message ?? 'unknown error').replace(/^Error:\s*/, '');
}

export function summarizeRun(input: RunInput): RunSummary {
  const recall = input.recall ?? {};
  const counts: Counts = {};
  if (isCounts(recall.counts)) {
    for (const [k, v] of Object.entries(recall.counts)) if (typeof v === 'number' && Number.isFinite(v)) counts[k] = v;
  }
  const stages: Record<string, Counts> = {};
  for (const stage of STAGES) {
    const own = numericLeaves(recall[stage]);
    if (Object.keys(own).length > 0) stages[stage] = own;
  }
  const failed = input.error !== undefined;
  const summary: RunSummary = {
    runId: typeof recall.runId === 'string' ? recall.runId : '',
    office: typeof recall.office === 'string' && recall.office !== '' ? recall.office : (input.office ?? ''),
    source: typeof recall.source === 'string' ? recall.source : 'unknown',
    dryRun: recall.dryRun === true,
    ok: !failed,
    at: (input.now ?? new Date()).toISOString(),
    counts,
    leftOut: pick(counts, PATIENT_REASONS),
    channelsDropped: pick(counts, CHANNEL_REASONS),
    delivery: deliveryOutcomes(failed ? undefined : input.payload, counts),
    stages,
    text: '',
  };
  if (typeof recall.file === 'string' && recall.file !== '') summary.file = baseName(recall.file);
  if (typeof recall.asOf === 'string') summary.asOf = recall.asOf;
  if (typeof recall.rowCount === 'number') summary.rows = recall.rowCount;
  if (isOutcomes(recall.outcomes)) summary.outcomes = recall.outcomes;
  // a dry-run says what a live run would do (the sink's blast guard forecast)
  const live = (recall['crm-webhook-out'] as { liveRun?: { text?: unknown } } | undefined)?.liveRun?.text;
  if (summary.dryRun && typeof live === 'string' && live !== '') summary.liveRun = live;
  if (failed) {
    summary.error = scrubIds(errorText(input.error?.message), patientIds(input.payload));
    const src = input.error?.source;
    if (src) summary.errorSource = String(src.name || src.type || src.id || '');
  }
  summary.text = runText(summary);
  return summary;
}

/** "DEMO export run (dry-run): 5 would be sent; left out: 3 not-due; ..." */
export function runText(s: RunSummary): string {
  const head = `${s.office || 'office ?'} ${s.source} run${s.file ? ` of ${s.file}` : ''}${s.dryRun ? ' (dry-run)' : ''}`;
  if (!s.ok) return `${head} FAILED${s.errorSource ? ` at ${s.errorSource}` : ''}: ${s.error}`;
  const parts: string[] = [];
  if (s.rows !== undefined) parts.push(`${s.rows} rows`);
  const d = s.delivery;
  if (s.dryRun || d['dry-run'] > 0) parts.push(`${d['dry-run']} would be sent`);
  if (d.delivered > 0 || !s.dryRun) parts.push(`${d.delivered} delivered`);
  if (d.failed > 0) parts.push(`${d.failed} failed`);
  if (d.retry > 0) parts.push(`${d.retry} to retry next run`);
  const left = countsLine(s.leftOut);
  if (left) parts.push(`left out: ${left}`);
  const dropped = countsLine(s.channelsDropped);
  if (dropped) parts.push(`channels dropped: ${dropped}`);
  if (s.counts['already-sent']) parts.push(`${s.counts['already-sent']} already sent`);
  // suppression entries consent could not use: the office must hear of them
  if (s.counts['suppression-unusable']) parts.push(`${s.counts['suppression-unusable']} suppression entries unusable`);
  if (s.liveRun) parts.push(s.liveRun);
  return `${head}: ${parts.join('; ')}`;
}

/** A run as the dashboard lists it: health and counts by reason, no patient data. */
export interface RunRecord {
  runId: string;
  at: string;
  asOf?: string;
  office: string;
  source: string;
  file?: string;
  dryRun: boolean;
  ok: boolean;
  error?: string;
  delivery: Record<DeliveryOutcome, number>;
  leftOut: Counts;
  channelsDropped: Counts;
  text: string;
}

export const KEPT_RUNS = 20;

/** The last KEPT_RUNS runs, newest first; a run reported again (its error, then its results) replaces its entry. */
export function keepRun(runs: readonly RunRecord[] | undefined, s: RunSummary): RunRecord[] {
  const rec: RunRecord = { runId: s.runId, at: s.at, office: s.office, source: s.source, dryRun: s.dryRun, ok: s.ok, delivery: s.delivery, leftOut: s.leftOut, channelsDropped: s.channelsDropped, text: s.text };
  if (s.asOf) rec.asOf = s.asOf;
  if (s.file) rec.file = s.file;
  if (s.error) rec.error = s.error;
  const rest = (Array.isArray(runs) ? runs : []).filter((r) => !s.runId || r.runId !== s.runId);
  return [rec, ...rest].slice(0, KEPT_RUNS);
}

/**
 * A run that reached Catch and also finished (the sink stops on a refused token
 * but still hands its results on): the finished run's counts, reported failed.
 */
export function markFailed(completed: RunSummary, failure: RunSummary): RunSummary {
  const merged: RunSummary = { ...completed, ok: false, error: failure.error, errorSource: failure.errorSource };
  merged.text = runText(merged);
  return merged;
}
