// The ledger's contract, shared by idempotency-gate, consent-filter and crm-webhook-out.
// The implementation (SQLite, WAL, migrations) lives beside this file; callers code
// against these interfaces so each can be tested on its own.
import type { Channel, DeliveryResult } from '../types';
import type { Hmac } from './keys';

export type KeyState = 'reserved' | 'sent' | 'failed';
export type SuppressionChannel = Channel | 'all';
export type SuppressionReason = 'opted-out' | 'bad-number' | 'bounced-email';

/** One entry of the suppression feed (docs/suppression-feed.md), as pulled or from msg.suppress. */
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
  /** keys in state `failed` (a permanent CRM error): not sent again until cleared */
  failed?: string[];
  /** ISO UTC end of the lease given to `reserved` */
  leaseUntil?: string;
}

export interface CommitOutcome {
  sent: number;
  failed: number;
  released: number;
  /** results left alone: outcome 'dry-run' (nothing was reserved or sent) */
  ignored?: number;
  /** covered keys marked `sent` with their delivered carriers (absent: none) */
  coveredSent?: number;
}

/** Non-PHI labels stored beside a key (the ledger tab groups by them, outcomes link through them). */
export interface KeyLabels {
  office?: string;
  segment?: string;
  /** HMAC(office|patientId): the patient, as the CRM knows it */
  contactKey?: string;
  /** HMAC(office|patientId|recallType|'recall'): the same recall row in a later run */
  recallRef?: string;
  /** the due date (or last visit) the key was made for */
  recallDate?: string;
  /** the run's office date (asOf) */
  contactedOn?: string;
  /** suppression hashes of the phone / e-mail the contact goes to */
  phoneHash?: string;
  emailHash?: string;
}

/** A patient as one run saw them, in keyed hashes: what outcome tracking needs. */
export interface Sighting {
  contactKey: string;
  recallRef: string;
  /** the row's due date (or last visit), YYYY-MM-DD; '' when it has neither */
  recallDate: string;
  /** the practice system shows a future appointment */
  appointment: boolean;
}

export interface BookingOutcome {
  /** contacted keys marked booked by these sightings */
  booked: number;
}

/** A contacted key as the figures need it (no patient data). */
export interface OutcomeRow {
  office: string;
  segment: string;
  contactedOn: string;
  bookedOn: string | null;
  /** an opt-out (all, sms, email or voice) was added for a channel it went to after it was sent */
  optedOutAfter: boolean;
  /** a bounced-email or bad-number entry was added for a channel it went to after it was sent */
  bouncedAfter: boolean;
}

export interface ReserveOptions {
  /** msg.recall.runId: stored on the reservation; commit/release with it touch only this run's leases */
  runId?: string;
  labels?: ReadonlyMap<string, KeyLabels>;
  /**
   * covered key -> the key of the contact that carries it (a folded household member or
   * recall row). A covered key follows its carrier: renewed, released, and marked `sent`
   * with it (commit, checkpoint); released when the carrier fails or is not delivered.
   */
  coveredBy?: ReadonlyMap<string, string>;
}

export interface OwnerOptions {
  /** when set, releases and renewals apply only to keys reserved by this run */
  runId?: string;
}

/** A key's row as far as a read-only check needs it. */
export interface KeyStatus {
  key: string;
  state: KeyState;
  /** ISO UTC; a reservation whose lease is over (or null) is free */
  leaseUntil: string | null;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
}

export interface Ledger {
  /** HMAC-SHA256(secret, parts joined by '|'), hex: idempotency keys and contactKey */
  hmac(...parts: string[]): string;
  reserve(keys: readonly string[], leaseMs: number, opts?: ReserveOptions): Promise<ReserveOutcome>;
  /** extends the lease of keys still `reserved` (long, rate-limited runs) */
  renew(keys: readonly string[], leaseMs: number, opts?: OwnerOptions): Promise<number>;
  /** delivered -> sent, failed -> failed (with error), anything else -> released */
  commit(results: readonly DeliveryResult[], opts?: OwnerOptions): Promise<CommitOutcome>;
  /** releases reservations (run stopped before sending) */
  release(keys: readonly string[], opts?: OwnerOptions): Promise<number>;
  /** read-only: the rows of those keys that exist (dry-run marks already-sent with it) */
  status?(keys: readonly string[]): Promise<KeyStatus[]>;
  /** deletes keys in state `failed` (all of them when `keys` is omitted): they are sent again next run */
  clearFailed?(keys?: readonly string[]): Promise<number>;
  /**
   * Outcome tracking: marks contacted (`sent`) keys of the sighted patients booked on `on`
   * (an office date) when the patient has a future appointment, or the recall the key was
   * for is now due after the contacted date.
   */
  observe?(sightings: readonly Sighting[], on: string): Promise<BookingOutcome>;
  /** read-only: contacted keys with contacted_on >= `since` (YYYY-MM-DD), for the figures */
  outcomeRows?(since: string): Promise<OutcomeRow[]>;
  /**
   * read-only, the CRM sink's blast guard: messages of `office` sent since `sinceIso` (ISO UTC)
   * plus those reserved by other live runs (in flight elsewhere); covered rows (folded into
   * another contact's message) are not messages and are not counted.
   */
  sentSince?(office: string, sinceIso: string, opts?: OwnerOptions): Promise<number>;
  /** the file behind the ledger, for messages */
  readonly file?: string;
  addSuppressions(entries: readonly SuppressionEntry[], source: string): Promise<number>;
  loadSuppressions(): Promise<SuppressionIndex>;
  close(): Promise<void>;
}

/**
 * What the `recall-ledger` config node offers the nodes that use it
 * (`RED.nodes.getNode(id) as unknown as LedgerProvider`): one Ledger per config node,
 * opened on first use, shared, closed when the flow stops.
 */
export interface LedgerProvider {
  /** the open ledger; rejects with an error naming the file or the missing secret */
  ledger(): Promise<Ledger>;
  /** absolute path of the SQLite file */
  readonly file: string;
  /** a configuration problem (e.g. no secret) to show as a red status; undefined when fine */
  readonly problem?: string;
  /**
   * The contact keys of this ledger's secret, without opening the file: a dry run still
   * shows its exact payloads when the file cannot be opened. Undefined without a secret.
   */
  readonly hmac?: Hmac;
}
