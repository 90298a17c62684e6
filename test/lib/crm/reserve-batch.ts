// What idempotency-gate (reserve) does, for the CRM specs that need reserved contacts.
import type { Ledger } from '../../../nodes/lib/ledger/api';
import { recallKey } from '../../../nodes/lib/ledger/keys';
import type { RecallContact } from '../../../nodes/lib/types';

/**
 * Keys the contacts, reserves them through the Ledger contract only, and passes on the
 * reserved ones. Returns them and the already-sent count.
 */
export async function reserveBatch(ledger: Ledger, batch: readonly RecallContact[], leaseMs: number, runId: string): Promise<{ pass: RecallContact[]; alreadySent: number }> {
  const keyed = batch.map((c) => ({ ...c, key: recallKey(ledger.hmac, c) }));
  const out = await ledger.reserve(keyed.map((c) => c.key), leaseMs, { runId });
  const reserved = new Set(out.reserved);
  return { pass: keyed.filter((c) => reserved.has(c.key)), alreadySent: out.alreadySent.length };
}
