// Run metadata helpers: every stage adds to msg.recall.counts, none replaces it.
import { randomUUID } from 'node:crypto';
import type { Counts, RecallMeta, SourceKind } from './types';

export function newRunMeta(source: SourceKind, office: string, extra: Partial<RecallMeta> = {}): RecallMeta {
  return { runId: randomUUID(), office, source, counts: {}, ...extra };
}

/** The source the contacts came from (normalize marks each one), when the payload says. */
function sourceOfPayload(payload: unknown): SourceKind | undefined {
  if (!Array.isArray(payload)) return undefined;
  const first = payload.find((c) => c && typeof c === 'object' && ((c as { source?: unknown }).source === 'odbc' || (c as { source?: unknown }).source === 'export'));
  return first ? (first as { source: SourceKind }).source : undefined;
}

/**
 * `recall` (msg.recall) made whole, in place: a run id, counts, an office and the run's real
 * source (from the contacts when msg.recall does not say, else `defaults.source`; export
 * only when nothing does). A message without run metadata gets new metadata, never a bare object.
 */
export function runMetaOf(recall: unknown, payload: unknown, defaults: { office?: string; source?: SourceKind } = {}): RecallMeta {
  const office = defaults.office ?? '';
  const source = sourceOfPayload(payload) ?? defaults.source ?? 'export';
  if (!recall || typeof recall !== 'object' || Array.isArray(recall)) return newRunMeta(source, office);
  const meta = recall as RecallMeta;
  if (typeof meta.runId !== 'string' || meta.runId === '') meta.runId = randomUUID();
  if (!meta.counts || typeof meta.counts !== 'object') meta.counts = {};
  if (meta.source !== 'odbc' && meta.source !== 'export') meta.source = source;
  if (typeof meta.office !== 'string' || meta.office === '') meta.office = office;
  return meta;
}

/** Adds `delta` into `counts` (in place) and returns it. */
export function addCounts(counts: Counts, delta: Counts): Counts {
  for (const [name, n] of Object.entries(delta)) counts[name] = (counts[name] ?? 0) + n;
  return counts;
}

/** Counts the values of `key` over `items`, e.g. reasons over skipped records. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Counts {
  const counts: Counts = {};
  for (const item of items) {
    const k = key(item);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/** "12 sent, 3 not-due" style text for a node status, largest first. */
export function countsText(counts: Counts, limit = 3): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, n]) => `${n} ${name}`)
    .join(', ');
}
