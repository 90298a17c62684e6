// The suppression list in the file: keyed hashes per channel, never the phone or e-mail.
import type { SuppressionEntry, SuppressionHit, SuppressionIndex } from './api';
import type { Param } from './db';
import { suppressionHash, suppressionValue, type Hmac } from './keys';
import { chunks, iso, marks, named, type Store } from './store';

const CHANNELS = new Set(['sms', 'email', 'voice', 'all']);
const REASONS = new Set(['opted-out', 'bad-number', 'bounced-email']);

/** Inserts new (hash, channel) pairs and updates changed reasons; returns rows written. */
export async function addSuppressions(store: Store, hmac: Hmac, entries: readonly SuppressionEntry[], source: string): Promise<number> {
  const rows = new Map<string, [string, string, string]>();
  entries.forEach((e, i) => {
    if (!e || !CHANNELS.has(e.channel)) throw new Error(`suppression entry ${i + 1}: channel must be sms, email, voice or all`);
    if (!REASONS.has(e.reason)) throw new Error(`suppression entry ${i + 1}: reason must be opted-out, bad-number or bounced-email`);
    if (typeof e.value !== 'string' || suppressionValue(e.value) === '') throw new Error(`suppression entry ${i + 1}: empty value`);
    const hash = suppressionHash(hmac, e.value);
    rows.set(`${hash}|${e.channel}`, [hash, e.channel, e.reason]);
  });
  if (rows.size === 0) return 0;
  return named(store, 'addSuppressions', () =>
    store.db.transaction(async () => {
      const nowIso = iso(store.now());
      let n = 0;
      for (const chunk of chunks([...rows.values()])) {
        const params: Param[] = [];
        for (const [hash, channel, reason] of chunk) params.push(hash, channel, reason, source, nowIso);
        const r = await store.db.run(
          `INSERT INTO suppressions (hash, channel, reason, source, added_at) VALUES ${marks(chunk.length, '(?, ?, ?, ?, ?)')}
           ON CONFLICT (hash, channel) DO UPDATE SET reason = excluded.reason, source = excluded.source, added_at = excluded.added_at
           WHERE suppressions.reason <> excluded.reason`,
          params,
        );
        n += r.changes;
      }
      return n;
    }),
  );
}

/** The list as read at the start of a run, looked up by normalized value. */
export function loadSuppressions(store: Store, hmac: Hmac): Promise<SuppressionIndex> {
  return named(store, 'loadSuppressions', () =>
    store.db.exclusive(async () => {
      const rows = await store.db.all<{ hash: string; channel: SuppressionHit['channel']; reason: SuppressionHit['reason'] }>(
        'SELECT hash, channel, reason FROM suppressions',
      );
      const map = new Map<string, SuppressionHit[]>();
      for (const r of rows) {
        const hits = map.get(r.hash);
        if (hits) hits.push({ channel: r.channel, reason: r.reason });
        else map.set(r.hash, [{ channel: r.channel, reason: r.reason }]);
      }
      return {
        size: rows.length,
        lookup: (value: string) => (value ? map.get(suppressionHash(hmac, value)) ?? [] : []),
      };
    }),
  );
}
