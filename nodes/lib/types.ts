// The record and message shapes shared by every node of the pack (docs/contracts.md).
// One message per run: msg.payload is always an array, msg.recall the run metadata.

/** A row as a source hands it on: column name -> JSON-safe value. */
export type RawValue = string | number | boolean | null;
export type RawRow = Record<string, RawValue>;

export type Segment = 'due-soon' | 'due-now' | 'overdue' | 'lapsed';
export type PatientStatus = 'active' | 'inactive' | 'archived' | 'non-patient';
export type PhoneType = 'mobile' | 'home' | 'work';
export type Channel = 'sms' | 'email' | 'voice';
export type SourceKind = 'odbc' | 'export';

/** Patient-level reasons: the record leaves the run (output 2). Stable API. */
export const PATIENT_REASONS = [
  'invalid',
  'not-due',
  'has-appointment',
  'inactive',
  'opted-out',
  'no-channel',
  'duplicate-household',
  'duplicate-recall',
] as const;
/** Channel-level reasons: one channel is dropped, the patient may stay. Stable API. */
export const CHANNEL_REASONS = [
  'sms-opt-out',
  'email-opt-out',
  'bad-number',
  'bounced-email',
  'privacy-flag',
  'landline',
  // an addition to the original list: a `voice` (or `all`) opt-out of a phone needs a code of its own
  'voice-opt-out',
] as const;
export type PatientReason = (typeof PATIENT_REASONS)[number];
export type ChannelReason = (typeof CHANNEL_REASONS)[number];
export type ReasonCode = PatientReason | ChannelReason;

export interface Channels {
  sms: boolean;
  email: boolean;
  voice: boolean;
}

/**
 * A recall row folded into a contact that carries it (another member of the household,
 * or another recall row of the same patient). Its key is reserved with the carrier and
 * marked `sent` when the carrier is delivered. The CRM gets firstName, recallType,
 * dueDate and segment only.
 */
export interface CoveredRecall {
  patientId: string;
  firstName: string;
  recallType?: string;
  dueDate?: string;
  /** part of the key when there is no due date; never sent */
  lastVisit?: string;
  segment: Segment;
  /** idempotency key, set by idempotency-gate (reserve) */
  key?: string;
}
/** A covered row of another household member. */
export type HouseholdMember = CoveredRecall;

/** The canonical record, from recall-normalize to the CRM sink. */
export interface RecallContact {
  office: string;
  patientId: string;
  householdId?: string;
  firstName: string;
  lastName: string;
  /** E.164 */
  phone?: string;
  phoneType?: PhoneType;
  /** trimmed, lower-case, syntactically valid */
  email?: string;
  /** trimmed, upper-case */
  recallType?: string;
  /** ISO YYYY-MM-DD */
  dueDate?: string;
  /** ISO YYYY-MM-DD */
  lastVisit?: string;
  /** ISO YYYY-MM-DD; used only to keep the oldest household member, never sent */
  birthDate?: string;
  hasFutureAppointment: boolean;
  status: PatientStatus;
  /** Dentrix privacy_flags bitmask (bit 1 no voice, bit 2 no SMS/e-mail) */
  privacyFlags?: number;
  /** the practice system says no text messages (e.g. Open Dental TxtMsgOk = No); consent drops SMS with `privacy-flag` */
  noSms?: boolean;
  channels: Channels;
  /** why a channel was dropped by consent-filter (channel-level reasons) */
  channelReasons?: Partial<Record<Channel, ChannelReason>>;
  segment: Segment;
  source: SourceKind;
  /** idempotency key, set by idempotency-gate (reserve) */
  key?: string;
  /** why idempotency-gate (reserve) held the contact back (its output 2) */
  ledgerState?: 'sent' | 'failed' | 'leased' | 'duplicate';
  /** rows of other household members folded into (covered by) this contact, one per row */
  household?: HouseholdMember[];
  /** this patient's other recall rows folded into (covered by) this contact */
  otherRecalls?: CoveredRecall[];
}

/** An element of output 2 of normalize/consent: a record left out, with one reason. */
export interface SkippedRecord {
  reason: PatientReason;
  /** the field at fault, when one is */
  field?: string;
  /** words for a person reading the debug sidebar */
  detail?: string;
  /** 1-based row number in the source batch (normalize) */
  rowNumber?: number;
  office?: string;
  patientId?: string;
  /** the normalized contact, when it got that far */
  contact?: RecallContact;
  /** the raw row, when normalization rejected it */
  row?: RawRow;
}

/** Counts by reason (and by stage outcome), accumulated across stages. */
export type Counts = Record<string, number>;

/** What the recall brought for one office and segment over one window (no patient data). */
export interface OutcomeFigure {
  office: string;
  /** a segment, or 'all' */
  segment: string;
  /** the window: contacts whose office date is within the last `days` days up to asOf */
  days: number;
  contacted: number;
  bookedWithin30: number;
  /** bookedWithin30 / contacted in percent, one decimal; null without contacts */
  conversionPct: number | null;
  /** over the contacts that booked (by asOf, any delay); null when none did */
  medianDaysToBooking: number | null;
  optedOutAfterContact: number;
  bounced: number;
}

/** msg.recall.outcomes: set by idempotency-gate (commit) from the ledger, kept by recall-summary. */
export interface OutcomeFigures {
  /** the office date the windows end on */
  asOf: string;
  figures: OutcomeFigure[];
}

/** msg.recall: run metadata carried from source to summary. */
export interface RecallMeta {
  runId: string;
  office: string;
  /** ISO YYYY-MM-DD the segments were computed for */
  asOf?: string;
  source: SourceKind;
  dryRun?: boolean;
  counts: Counts;
  /** source details */
  file?: string;
  latencyMs?: number;
  rowCount?: number;
  columns?: string[];
  /** bookings after contact per office and segment, from the ledger (idempotency-gate commit) */
  outcomes?: OutcomeFigures;
  /** batch-export-in: the export's file format (csv, xlsx, pdf, …) */
  format?: string;
  /** batch-export-in: headers of the export that no column of the preset reads */
  unexpectedColumns?: string[];
  /** the gate-sink handshake: the ledger that reserved the keys and until when (idempotency-gate reserve) */
  ledger?: LedgerHandshake;
  // Each stage adds its own summary under its node type ('recall-normalize', 'consent-filter',
  // 'idempotency-gate', 'crm-webhook-out', 'dentrix-odbc-in'): declared beside the summary's
  // type in lib/<domain> (`declare module '../types'`), so this floor imports none of them.
}

/** msg.recall.ledger: what the sink needs from the gate's reservation. */
export interface LedgerHandshake {
  /** id of the recall-ledger config node that reserved the keys */
  node: string;
  leaseMs: number;
  /** ISO time the reservations run out; null on a dry run (nothing reserved) */
  leaseUntil: string | null;
}

/** Outcome of one contact at the CRM sink; the results contract of idempotency-gate commit. */
export type DeliveryOutcome =
  | 'delivered' // 2xx: commit marks the key `sent`
  | 'failed' // permanent (non-retryable 4xx): commit marks `failed` with `error`
  | 'retry' // retryable fault, retries exhausted or run stopped: commit releases the key
  | 'dry-run'; // nothing was sent: commit releases (dry-run reserves nothing anyway)

export interface DeliveryResult {
  key: string;
  patientId: string;
  outcome: DeliveryOutcome;
  /** HTTP status, when there was a response */
  status?: number;
  attempts: number;
  error?: string;
  /** the start of the CRM's answer to a refused request (debug output only; never stored) */
  response?: string;
  /** dry-run only: the exact request that would have been sent */
  request?: {
    url: string;
    method: string;
    headers: Record<string, string>;
    body: unknown;
    /** calls that follow the first one's answer (GoHighLevel add-tags, workflow) */
    then?: { url: string; method: string; body: unknown }[];
  };
}

export interface RecallMessage<P = unknown> {
  payload: P;
  recall: RecallMeta;
  [prop: string]: unknown;
}
