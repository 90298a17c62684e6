// Commit and release: what a run's deliveries leave in the ledger. A delivered key is
// `sent` for good (never downgraded), a failed one blocks until office IT clears it,
// anything else is released for the next run. Rows a contact carries follow it.
import type { DeliveryResult } from '../types';
import type { CommitOutcome, OwnerOptions } from './api';
import type { Param, RunInfo } from './db';
import { chunks, iso, listParam, marks, named, scrubError, type Store } from './store';

const RANK: Record<string, number> = { delivered: 3, failed: 2 };

export async function commit(store: Store, results: readonly DeliveryResult[], opts: OwnerOptions = {}): Promise<CommitOutcome> {
  // one outcome per key; if a key shows up twice, delivered beats failed beats the rest
  const byKey = new Map<string, DeliveryResult>();
  let ignored = 0;
  for (const r of results) {
    if (!r || typeof r.key !== 'string' || r.key === '') throw new Error(`ledger ${store.file}: commit: a result without a key`);
    if (r.outcome === 'dry-run') {
      ignored++;
      continue;
    }
    const prev = byKey.get(r.key);
    if (!prev || (RANK[r.outcome] ?? 0) > (RANK[prev.outcome] ?? 0)) byKey.set(r.key, r);
  }
  const delivered: string[] = [];
  const failed: DeliveryResult[] = [];
  const released: DeliveryResult[] = [];
  for (const r of byKey.values()) {
    if (r.outcome === 'delivered') delivered.push(r.key);
    else if (r.outcome === 'failed') failed.push(r);
    else released.push(r);
  }
  delivered.sort(); // in key order, each statement walks the key index from left to right (see reserve)
  const out: CommitOutcome = { sent: 0, failed: 0, released: 0, ignored };
  if (byKey.size === 0) return out;
  return named(store, 'commit', () =>
    store.db.transaction(async () => {
      const nowIso = iso(store.now());
      for (const chunk of chunks(delivered)) out.sent += (await markSent(store, chunk, nowIso)).changes;
      for (const chunk of chunks(failed)) out.failed += (await markFailed(store, chunk, nowIso)).changes;
      for (const chunk of chunks(released)) out.released += (await releaseRows(store, chunk, nowIso, opts.runId)).changes;
      // rows carried by a contact: sent when it was delivered, free again when it was not
      let covered = 0;
      for (const chunk of chunks(delivered)) covered += (await followCarriers(store, chunk, 'sent', nowIso)).changes;
      if (covered > 0) out.coveredSent = covered;
      const undelivered = [...failed, ...released].map((r) => r.key);
      for (const chunk of chunks(undelivered)) await followCarriers(store, chunk, 'release', nowIso, opts.runId);
      return out;
    }),
  ).finally(() => store.db.checkpointSoon());
}

/** Releases reservations (a run stopped before sending), with the rows they carry. */
export function release(store: Store, keys: readonly string[], opts: OwnerOptions = {}): Promise<number> {
  const unique = [...new Set(keys)];
  if (unique.length === 0) return Promise.resolve(0);
  return named(store, 'release', () =>
    store.db.transaction(async () => {
      const nowIso = iso(store.now());
      let n = 0;
      for (const chunk of chunks(unique)) {
        n += (await releaseRows(store, chunk.map((key) => ({ key })), nowIso, opts.runId)).changes;
        await followCarriers(store, chunk, 'release', nowIso, opts.runId);
      }
      return n;
    }),
  );
}

/**
 * The reserved rows become sent; a delivery is recorded even for a key never reserved (a
 * replacement sink): it was sent. An update, then an insert of the keys still absent, not one
 * upsert: with OR ROLLBACK / OR IGNORE neither can stop half-way, so SQLite keeps no statement
 * journal (a copy of every page touched); a failed constraint rolls the whole commit back.
 */
async function markSent(store: Store, keys: string[], nowIso: string): Promise<RunInfo> {
  const list = listParam(keys);
  const updated = await store.db.run(
    `UPDATE OR ROLLBACK keys SET state = 'sent', updated_at = ?, sent_at = ?, lease_until = NULL, last_error = NULL
     FROM json_each(?) AS list WHERE keys.key = list.value AND keys.state <> 'sent'`,
    [nowIso, nowIso, list],
  );
  if (updated.changes === keys.length) return updated; // every key was reserved: none to insert
  const inserted = await store.db.run(
    `INSERT OR IGNORE INTO keys (key, state, created_at, updated_at, sent_at, lease_until, attempts)
     SELECT list.value, 'sent', ?, ?, ?, NULL, 1 FROM json_each(?) AS list`,
    [nowIso, nowIso, nowIso, list],
  );
  return { changes: updated.changes + inserted.changes };
}

// Never downgrades a key already sent (e.g. a 422 for a reused key after an earlier 2xx).
function markFailed(store: Store, results: DeliveryResult[], nowIso: string) {
  const params: Param[] = [];
  for (const r of results) params.push(r.key, nowIso, nowIso, scrubError(r.error ?? (r.status ? `HTTP ${r.status}` : 'failed')));
  return store.db.run(
    `INSERT INTO keys (key, state, created_at, updated_at, lease_until, attempts, last_error)
     VALUES ${marks(results.length, "(?, 'failed', ?, ?, NULL, 1, ?)")}
     ON CONFLICT (key) DO UPDATE SET state = 'failed', updated_at = excluded.updated_at,
       lease_until = NULL, last_error = excluded.last_error
     WHERE keys.state <> 'sent'`,
    params,
  );
}

// Released = still `reserved` with no lease: free for the next run, attempts and error kept;
// no longer covered by anything.
function releaseRows(store: Store, results: readonly Pick<DeliveryResult, 'key' | 'error'>[], nowIso: string, runId?: string) {
  const params: Param[] = [nowIso];
  for (const r of results) params.push(r.key, scrubError(r.error));
  const owner = runId === undefined ? '' : ' AND keys.run_id = ?';
  if (runId !== undefined) params.push(runId);
  return store.db.run(
    `UPDATE keys SET lease_until = NULL, updated_at = ?, last_error = coalesce(r.err, keys.last_error), covered_by = NULL
     FROM (SELECT column1 AS key, column2 AS err FROM (VALUES ${marks(results.length, '(?, ?)')})) AS r
     WHERE keys.key = r.key AND keys.state = 'reserved'${owner}`,
    params,
  );
}

/**
 * Covered rows under these carriers: marked sent with them, or released. Only rows
 * reserved in the same reservation as their carrier (same run id) follow it: a row
 * released earlier, or left by a crashed run, is not carried by a later delivery.
 */
function followCarriers(store: Store, carriers: readonly string[], action: 'sent' | 'release', nowIso: string, runId?: string) {
  const inList =
    `state = 'reserved' AND covered_by IS NOT NULL AND covered_by IN (${marks(carriers.length, '?')})` +
    ' AND run_id IS (SELECT c.run_id FROM keys AS c WHERE c.key = keys.covered_by)';
  if (action === 'sent') {
    return store.db.run(`UPDATE keys SET state = 'sent', updated_at = ?, sent_at = ?, lease_until = NULL, last_error = NULL WHERE ${inList}`, [nowIso, nowIso, ...carriers]);
  }
  const owner = runId === undefined ? '' : ' AND run_id = ?';
  return store.db.run(`UPDATE keys SET updated_at = ?, lease_until = NULL, covered_by = NULL WHERE ${inList}${owner}`, runId === undefined ? [nowIso, ...carriers] : [nowIso, ...carriers, runId]);
}
