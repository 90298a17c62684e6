// Read-only questions about keys (a dry-run's "already sent", the sink's blast guard) and
// office IT's way out of `failed`.
import type { KeyStatus, OwnerOptions } from './api';
import { chunks, iso, listParam, marks, named, selectByKeys, type Store } from './store';

/** keys per status query (json_each takes one text parameter, of ~70 bytes a key) */
export const READ_CHUNK = 5000;

export function status(store: Store, keys: readonly string[]): Promise<KeyStatus[]> {
  const unique = [...new Set(keys)];
  return named(store, 'status', () =>
    store.db.exclusive(async () => {
      const out: KeyStatus[] = [];
      // a read: larger lists than a write's, so a run of 100k keys is 20 queries, not 200
      for (const chunk of chunks(unique, READ_CHUNK)) {
        const rows = await store.db.all<{ key: string; state: KeyStatus['state']; lease_until: string | null; attempts: number; last_error: string | null; sent_at: string | null }>(
          selectByKeys(['key', 'state', 'lease_until', 'attempts', 'last_error', 'sent_at']),
          [listParam(chunk)],
        );
        for (const r of rows) out.push({ key: r.key, state: r.state, leaseUntil: r.lease_until, attempts: r.attempts, lastError: r.last_error, sentAt: r.sent_at });
      }
      return out;
    }),
  );
}

/** Deletes keys in state `failed` (all of them without `keys`): they are sent again next run. */
export function clearFailed(store: Store, keys?: readonly string[]): Promise<number> {
  return named(store, 'clearFailed', () =>
    store.db.transaction(async () => {
      if (!keys) return (await store.db.run("DELETE FROM keys WHERE state = 'failed'")).changes;
      let n = 0;
      for (const chunk of chunks([...new Set(keys)])) {
        n += (await store.db.run(`DELETE FROM keys WHERE state = 'failed' AND key IN (${marks(chunk.length, '?')})`, chunk)).changes;
      }
      return n;
    }),
  );
}

/** The blast guard's count: messages of `office` sent since `sinceIso`, plus those other live runs hold. */
export function sentSince(store: Store, office: string, sinceIso: string, opts: OwnerOptions = {}): Promise<number> {
  return named(store, 'sentSince', async () => {
    const now = iso(store.now());
    const row = await store.db.get<{ n: number }>(
      `SELECT (SELECT COUNT(*) FROM keys WHERE state = 'sent' AND office = ? AND sent_at >= ? AND covered_by IS NULL)
            + (SELECT COUNT(*) FROM keys WHERE state = 'reserved' AND office = ? AND lease_until > ? AND covered_by IS NULL
                 AND (run_id IS NULL OR run_id IS NOT ?)) AS n`,
      [office, sinceIso, office, now, opts.runId ?? null],
    );
    return row?.n ?? 0;
  });
}
