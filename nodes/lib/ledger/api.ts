// The ledger's contract, shared by idempotency-gate, consent-filter and crm-webhook-out.
// The implementation (SQLite, WAL, migrations) lives beside this file; callers code
// against these interfaces so each can be tested on its own.
import type { Channel, DeliveryResult } from '../types';

export type KeyState = 'reserved' | 'sent' | 'failed';
export type SuppressionChannel = Channel | 'all';
export type SuppressionReason = 'opted-out' | 'bad-number' | 'bounced-email';

/** One entry of the suppression feed (SPEC §3), as pulled or from msg.suppress. */
export interface SuppressionEntry {
  channel: SuppressionChannel;
  /** E.164 phone or lower-case e-mail, already normalized by the caller */
  value: string;
  reason: SuppressionReason;
}

/** What the list says about one normalized value: every (channel, reason) stored for it. */
export interface SuppressionHit {
  channel: SuppressionChannel;
  reason: SuppressionReason;
}

/** The suppression list as read at the start of a run: keyed hashes only. */
export interface SuppressionIndex {
  /** hits for a normalized phone or e-mail (hashed with the ledger secret inside) */
  lookup(value: string): SuppressionHit[];
  readonly size: number;
}

export interface ReserveOutcome {
  /** keys newly reserved (or whose lease had expired), in input order */
  reserved: string[];
  /** keys already `sent` */
  alreadySent: string[];
  /** keys currently leased by another run */
  leased: string[];
}

export interface CommitOutcome {
  sent: number;
  failed: number;
  released: number;
}

export interface Ledger {
  /** HMAC-SHA256(secret, parts joined by '|'), hex: idempotency keys and contactKey */
  hmac(...parts: string[]): string;
  reserve(keys: readonly string[], leaseMs: number): Promise<ReserveOutcome>;
  /** extends the lease of keys still `reserved` (long, rate-limited runs) */
  renew(keys: readonly string[], leaseMs: number): Promise<number>;
  /** delivered -> sent, failed -> failed (with error), anything else -> released */
  commit(results: readonly DeliveryResult[]): Promise<CommitOutcome>;
  /** releases reservations (run stopped before sending) */
  release(keys: readonly string[]): Promise<number>;
  addSuppressions(entries: readonly SuppressionEntry[], source: string): Promise<number>;
  loadSuppressions(): Promise<SuppressionIndex>;
  close(): Promise<void>;
}
