// idempotency-gate logic: contacts -> keys -> ledger (reserve), delivery results -> ledger (commit).
import type { Counts, CoveredRecall, DeliveryResult, OutcomeFigures, RecallContact } from '../types';
import type { CommitOutcome, KeyLabels, Ledger } from './api';
import { recallKey } from './keys';
import { outcomeFigures, windowStart } from './figures';
import { outcomeLabels, sightingsOf } from './outcomes';

export type HeldState = NonNullable<RecallContact['ledgerState']>;

export interface ReserveRun {
  leaseMs: number;
  dryRun: boolean;
  runId?: string;
  /** the run's office date (msg.recall.asOf), stored as the contact date; default today (UTC) */
  asOf?: string;
  /** for lease expiry checks in dry-run */
  now?: () => number;
}

export interface ReserveSummary {
  mode: 'reserve';
  dryRun: boolean;
  input: number;
  /** passed on to the sink (dry-run: would be reserved) */
  passed: number;
  alreadySent: number;
  failedEarlier: number;
  leasedElsewhere: number;
  duplicateKey: number;
  /** rows folded into a passed contact whose keys were reserved with it (dry-run: would be) */
  covered: number;
  leaseUntil: string | null;
}

export interface ReserveResult {
  pass: RecallContact[];
  /** not passed on, each with `ledgerState` */
  held: RecallContact[];
  counts: Counts;
  summary: ReserveSummary;
}

/**
 * The contact's idempotency key; names the contact by its place in the batch when a key
 * part is missing (never by chart number: error text reaches logs, status and pings).
 */
export function keyFor(hmac: Ledger['hmac'], c: RecallContact, index: number): string {
  for (const field of ['office', 'patientId', 'segment'] as const) {
    if (typeof c?.[field] !== 'string' || c[field] === '') {
      throw new Error(`contact ${index + 1} of the batch has no ${field}: cannot compute its idempotency key`);
    }
  }
  return recallKey(hmac, c);
}

/**
 * What the ledger would do with these keys in a run starting now, without changing it:
 * `sent`, `failed`, or `leased` (reserved by a run whose lease is live). Keys not in the
 * map would pass. Consent folds among the rows that would pass; dry-run reserves nothing.
 */
export async function heldStates(ledger: Pick<Ledger, 'status'>, keys: readonly string[], now: number = Date.now()): Promise<Map<string, HeldState>> {
  const state = new Map<string, HeldState>();
  if (!ledger.status || keys.length === 0) return state;
  const nowIso = new Date(now).toISOString();
  for (const s of await ledger.status(keys)) {
    if (s.state === 'sent') state.set(s.key, 'sent');
    else if (s.state === 'failed') state.set(s.key, 'failed');
    else if (s.leaseUntil && s.leaseUntil > nowIso) state.set(s.key, 'leased');
  }
  return state;
}

/** The key of a row listed on a contact (same office); undefined when it cannot have one. */
function coveredKey(hmac: Ledger['hmac'], office: string, r: CoveredRecall): string | undefined {
  if (!r || typeof r.patientId !== 'string' || r.patientId === '' || typeof r.segment !== 'string' || (r.segment as string) === '') return undefined;
  return recallKey(hmac, { office, patientId: r.patientId, segment: r.segment, dueDate: r.dueDate, lastVisit: r.lastVisit });
}

/**
 * The contact with its key, and the keys of the rows it carries (household, otherRecalls),
 * set on the contact itself: the message is the gate's to change, as any node changes the
 * msg it passes on (Node-RED copies a message for each further wire), and a copy of every
 * contact was the largest share of what the gate kept alive.
 */
function withKeys(hmac: Ledger['hmac'], c: RecallContact, index: number): RecallContact {
  c.key = keyFor(hmac, c, index);
  // (no list of the two lists: most contacts carry neither)
  if (Array.isArray(c.household)) keyCovered(hmac, c.office, c.household);
  if (Array.isArray(c.otherRecalls)) keyCovered(hmac, c.office, c.otherRecalls);
  return c;
}

function keyCovered(hmac: Ledger['hmac'], office: string, list: CoveredRecall[]): void {
  for (const r of list) {
    const key = coveredKey(hmac, office, r);
    if (key) r.key = key;
  }
}

const NONE: readonly CoveredRecall[] = [];

/** The rows a contact carries (most carry none: no list is made for them). */
function carried(c: RecallContact): readonly CoveredRecall[] {
  const own = c.otherRecalls ?? NONE;
  const household = c.household ?? NONE;
  if (household.length === 0) return own;
  return own.length === 0 ? household : [...own, ...household];
}

export async function reserveContacts(ledger: Ledger, contacts: readonly RecallContact[], run: ReserveRun): Promise<ReserveResult> {
  const keyed = contacts.map((c, i) => withKeys(ledger.hmac, c, i));
  const first = new Map<string, RecallContact>();
  const labels = new Map<string, KeyLabels>();
  const contactedOn = run.asOf || new Date((run.now ?? Date.now)()).toISOString().slice(0, 10);
  const held: RecallContact[] = [];
  for (const c of keyed) {
    // the same patient, segment and date twice in one batch is one send
    if (first.has(c.key!)) held.push({ ...c, ledgerState: 'duplicate' });
    else {
      first.set(c.key!, c);
      // labels are stored by a real reservation only: a dry-run reads, so it spends no hashes on them
      if (!run.dryRun) labels.set(c.key!, outcomeLabels(ledger.hmac, c, contactedOn));
    }
  }
  // a row listed on a contact is covered by it: its key goes with the carrier's (first claim wins)
  const coveredBy = new Map<string, string>();
  for (const c of first.values()) {
    for (const r of carried(c)) {
      if (!r.key || first.has(r.key) || coveredBy.has(r.key)) continue;
      coveredBy.set(r.key, c.key!);
      // the covered patient's own references, reached on the carrier's channels
      if (run.dryRun) continue;
      const row: RecallContact = { ...c, patientId: r.patientId, segment: r.segment, recallType: r.recallType, dueDate: r.dueDate, lastVisit: r.lastVisit };
      labels.set(r.key, outcomeLabels(ledger.hmac, row, contactedOn));
    }
  }
  const keys = [...first.keys(), ...coveredBy.keys()];
  let state = new Map<string, HeldState>();
  let leaseUntil: string | null = null;
  if (run.dryRun) {
    // read-only: mark what the ledger already holds, reserve nothing
    state = await heldStates(ledger, keys, (run.now ?? Date.now)());
  } else {
    const out = await ledger.reserve(keys, run.leaseMs, { runId: run.runId, labels, coveredBy });
    for (const k of out.alreadySent) state.set(k, 'sent');
    for (const k of out.failed ?? []) state.set(k, 'failed');
    for (const k of out.leased) state.set(k, 'leased');
    leaseUntil = out.leaseUntil ?? new Date(Date.now() + run.leaseMs).toISOString();
  }
  const pass: RecallContact[] = [];
  const orphans: string[] = [];
  let covered = 0;
  for (const c of first.values()) {
    const s = state.get(c.key!);
    const list = carried(c);
    const mine = list.length === 0 ? NONE : list.filter((r) => r.key && coveredBy.get(r.key) === c.key && !state.has(r.key));
    if (s) {
      held.push({ ...c, ledgerState: s });
      // another run holds the carrier (it raced this one): its rows wait for the next run
      orphans.push(...mine.map((r) => r.key!));
    } else {
      pass.push(c);
      covered += mine.length;
    }
  }
  if (!run.dryRun && orphans.length > 0) await ledger.release(orphans, { runId: run.runId });
  const n = (s: HeldState) => held.filter((c) => c.ledgerState === s).length;
  const summary: ReserveSummary = {
    mode: 'reserve',
    dryRun: run.dryRun,
    input: contacts.length,
    passed: pass.length,
    alreadySent: n('sent'),
    failedEarlier: n('failed'),
    leasedElsewhere: n('leased'),
    duplicateKey: n('duplicate'),
    covered,
    leaseUntil,
  };
  const counts: Counts = {
    [run.dryRun ? 'would-reserve' : 'reserved']: summary.passed,
    'already-sent': summary.alreadySent,
    'failed-earlier': summary.failedEarlier,
    'leased-elsewhere': summary.leasedElsewhere,
    'duplicate-key': summary.duplicateKey,
  };
  return { pass, held, counts, summary };
}

export interface CommitSummary extends Required<CommitOutcome> {
  mode: 'commit';
  dryRun: boolean;
  results: number;
  /** results by outcome as the sink reported them */
  outcomes: Counts;
}

/** Checks the results contract; the error names the element at fault. */
export function checkResults(payload: unknown): DeliveryResult[] {
  if (!Array.isArray(payload)) throw new Error('commit expects msg.payload to be an array of delivery results {key, outcome}');
  payload.forEach((r, i) => {
    if (!r || typeof r !== 'object') throw new Error(`delivery result ${i + 1} is not an object`);
    const { key, outcome } = r as Partial<DeliveryResult>;
    if (typeof key !== 'string' || key === '') throw new Error(`delivery result ${i + 1} has no key (copy contact.key from the reserve output)`);
    if (typeof outcome !== 'string' || !outcome) throw new Error(`delivery result ${i + 1} has no outcome (delivered, failed, retry or dry-run)`);
  });
  return payload as DeliveryResult[];
}

/**
 * Applies the results whatever the dry-run settings say: a `delivered` result means a
 * request reached the CRM and must be recorded; `dry-run` results change nothing, so a
 * dry run leaves the ledger as it was (and is not even opened when every result is one).
 */
export async function commitResults(ledger: () => Promise<Ledger>, payload: unknown, run: { dryRun: boolean; runId?: string }): Promise<CommitSummary> {
  const results = checkResults(payload);
  const outcomes: Counts = {};
  for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  let out: CommitOutcome = { sent: 0, failed: 0, released: 0, ignored: results.length };
  if (results.some((r) => r.outcome !== 'dry-run')) out = await (await ledger()).commit(results, { runId: run.runId });
  // every delivered key is `sent` once the commit is through, also those the sink already
  // checkpointed during the run (the ledger counts only rows it changed)
  const sent = new Set(results.filter((r) => r.outcome === 'delivered').map((r) => r.key)).size;
  return { mode: 'commit', dryRun: run.dryRun, results: results.length, outcomes, sent, failed: out.failed, released: out.released, ignored: out.ignored ?? 0, coveredSent: out.coveredSent ?? 0 };
}

export interface ObserveSummary {
  mode: 'observe';
  records: number;
  /** records that named a patient */
  sightings: number;
  /** contacted keys marked booked by this run */
  booked: number;
}

/**
 * Outcome tracking: the patients a run saw (contacts, and left-out records carrying their
 * contact) against the contacted keys in the ledger. Read-only in dry-run: a dry run
 * changes nothing in the ledger.
 */
export async function observeRecords(ledger: Ledger, records: unknown, run: { asOf?: string; dryRun: boolean }): Promise<ObserveSummary> {
  if (!Array.isArray(records)) throw new Error('observe expects msg.payload to be an array of contacts or left-out records');
  const sightings = sightingsOf(ledger.hmac, records);
  const out: ObserveSummary = { mode: 'observe', records: records.length, sightings: sightings.length, booked: 0 };
  if (run.dryRun || sightings.length === 0 || !ledger.observe) return out;
  const on = run.asOf || new Date().toISOString().slice(0, 10);
  out.booked = (await ledger.observe(sightings, on)).booked;
  return out;
}

/** The figures as the ledger holds them now, for the office date `asOf`; undefined when the ledger cannot tell. */
export async function ledgerFigures(ledger: Ledger, asOf: string): Promise<OutcomeFigures | undefined> {
  if (!ledger.outcomeRows) return undefined;
  return outcomeFigures(await ledger.outcomeRows(windowStart(asOf)), asOf);
}

declare module '../types' {
  interface RecallMeta {
    /** idempotency-gate's own summary of its last mode on this run */
    'idempotency-gate'?: ReserveSummary | CommitSummary;
  }
}
