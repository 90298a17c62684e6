// Leases: how long a run holds the keys it reserved, and whether another runtime's
// lease is still live when the clocks of the runtimes sharing the file disagree.
import type { OwnerOptions } from './api';
import type { Param } from './db';
import { chunks, iso, marks, named, type Store } from './store';

export const DEFAULT_LEASE_MS = 15 * 60_000;

/** A key's lease as stored: lease_until on the clock named lease_clock. */
export interface LeaseRow {
  key: string;
  lease_until: string | null;
  lease_clock: string | null;
  lease_ms: number | null;
}

/**
 * The keys among `rows` whose lease is live. A lease written on this clock (or before
 * leases named their clock) is compared with this clock's time. A lease on another
 * runtime's clock is not: that clock may be ahead or behind. It is live until this
 * runtime has seen it, unchanged, for its whole length on its own clock (timed from
 * the first sighting, kept in lease_seen); a renewal is a new lease, timed anew.
 * A sighting is matched on the exact lease_until it saw, so an old one never times a
 * later lease; it is replaced at the next sighting of that key (no extra statement in
 * a run on one clock). Runs inside the caller's transaction.
 */
export async function liveLeases(store: Store, rows: readonly LeaseRow[], now: number): Promise<Set<string>> {
  const { db, clock } = store;
  const live = new Set<string>();
  const foreign: LeaseRow[] = [];
  for (const r of rows) {
    if (!r.lease_until) continue; // released
    if (r.lease_clock === null || r.lease_clock === clock) {
      if (r.lease_until > iso(now)) live.add(r.key);
    } else foreign.push(r);
  }
  if (foreign.length === 0) return live;
  const seen = new Map(
    (
      await db.all<{ key: string; lease_until: string; seen_at: string }>(
        `SELECT key, lease_until, seen_at FROM lease_seen WHERE clock = ? AND key IN (${marks(foreign.length, '?')})`,
        [clock, ...foreign.map((r) => r.key)],
      )
    ).map((s) => [s.key, s]),
  );
  const sighted: Param[] = [];
  for (const r of foreign) {
    const s = seen.get(r.key);
    const length = r.lease_ms ?? DEFAULT_LEASE_MS;
    if (s && s.lease_until === r.lease_until) {
      if (now - Date.parse(s.seen_at) < length) live.add(r.key);
      continue; // seen for its whole length on this clock: ran out
    }
    live.add(r.key);
    sighted.push(r.key, clock, r.lease_until!, iso(now));
  }
  if (sighted.length > 0) {
    await db.run(
      `INSERT INTO lease_seen (key, clock, lease_until, seen_at) VALUES ${marks(sighted.length / 4, '(?, ?, ?, ?)')}
       ON CONFLICT (key, clock) DO UPDATE SET lease_until = excluded.lease_until, seen_at = excluded.seen_at`,
      sighted,
    );
  }
  return live;
}

/** Extends the lease of keys still reserved, and of the rows they carry. */
export function renew(store: Store, keys: readonly string[], leaseMs: number, opts: OwnerOptions = {}): Promise<number> {
  const unique = [...new Set(keys)];
  if (unique.length === 0) return Promise.resolve(0);
  return named(store, 'renew', () =>
    store.db.transaction(async () => {
      const now = store.now();
      let n = 0;
      for (const chunk of chunks(unique)) {
        const owner = opts.runId === undefined ? '' : ' AND run_id = ?';
        // the rows a contact carries are renewed with it
        const params: Param[] = [iso(now + leaseMs), store.clock, leaseMs, iso(now), ...chunk, ...chunk];
        if (opts.runId !== undefined) params.push(opts.runId);
        const r = await store.db.run(
          `UPDATE keys SET lease_until = ?, lease_clock = ?, lease_ms = ?, updated_at = ?
           WHERE (key IN (${marks(chunk.length, '?')}) OR covered_by IN (${marks(chunk.length, '?')}))
             AND state = 'reserved' AND lease_until IS NOT NULL${owner}`,
          params,
        );
        n += r.changes;
      }
      return n;
    }),
  );
}
