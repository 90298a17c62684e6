// Run metadata helpers: every stage adds to msg.recall.counts, none replaces it.
import { randomUUID } from 'node:crypto';
import type { Counts, RecallMeta, SourceKind } from './types';

export function newRunMeta(source: SourceKind, office: string, extra: Partial<RecallMeta> = {}): RecallMeta {
  return { runId: randomUUID(), office, source, counts: {}, ...extra };
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
