// Who may be contacted, on which channels (docs/recall-rules.md). The rules run in this order;
// the first patient-level rule that applies is the one reason a record carries:
//  1. has-appointment   any future appointment
//  2. inactive          status other than active
//  channels (each channel keeps the FIRST reason that dropped it):
//  3. suppression list  opt-outs first (sms-/email-/voice-opt-out), then bad-number / bounced-email
//  4. privacy flags     bit value 1 no voice, 2 no SMS and no e-mail; noSms no SMS  -> privacy-flag
//  5. landline          no SMS to a number not marked mobile                       -> landline
//  6. bad numbers       a phone that is not a valid E.164 number                   -> bad-number
//  7. invalid e-mails   not syntactically an address: treated as missing (no reason code of its own)
//  8. no channel left   opted-out when an opt-out took a channel, else no-channel
//  9. one per patient     duplicate-recall, then one per household duplicate-household,
//     both among the rows the ledger would still let through (see household.ts)
import type { SuppressionHit, SuppressionIndex } from '../ledger/api';
import { countBy } from '../run';
import type { Channel, ChannelReason, Counts, RecallContact, SkippedRecord } from '../types';
import { isValidEmail } from '../contact/email';
import { isValidE164, knownValidE164 } from '../contact/phone';
import { foldRun, type FoldOptions } from './household';

export interface ConsentOptions {
  /** privacy_flags bit meaning "no voice calls" (Dentrix: 1) */
  noVoiceMask?: number;
  /** privacy_flags bit meaning "no SMS and no e-mail" (Dentrix: 2) */
  noTextMask?: number;
}

export interface ConsentResult {
  contactable: RecallContact[];
  suppressed: SkippedRecord[];
  /** patient reasons of `suppressed` + channel reasons of `contactable` */
  counts: Counts;
}

const OPT_OUTS: ReadonlySet<ChannelReason> = new Set(['sms-opt-out', 'email-opt-out', 'voice-opt-out']);
const OPT_OUT_CODE: Record<Channel, ChannelReason> = { sms: 'sms-opt-out', email: 'email-opt-out', voice: 'voice-opt-out' };
const PHONE_CHANNELS: readonly Channel[] = ['sms', 'voice'];

type Decided = { contact: RecallContact } | { skip: SkippedRecord };

/**
 * Per-run memos of the two costly per-value checks (libphonenumber parsing, HMAC
 * lookups): household members share numbers and addresses, and the household rule
 * asks the same question again. Both are pure within a run, so results are unchanged.
 */
export interface RunChecks {
  validPhone(phone: string): boolean;
  lookup(value: string): readonly SuppressionHit[];
}

const NO_HITS: readonly SuppressionHit[] = [];
const NO_REASONS: NonNullable<RecallContact['channelReasons']> = Object.freeze({});

export function runChecks(index: SuppressionIndex): RunChecks {
  const phones = new Map<string, boolean>();
  const hits = new Map<string, readonly SuppressionHit[]>();
  // an empty list cannot match: skip the keyed hash of every phone and e-mail
  const empty = index.size === 0;
  return {
    validPhone(phone) {
      // most numbers normalize found valid in this process: no second entry for them here
      if (knownValidE164(phone)) return true;
      let v = phones.get(phone);
      if (v === undefined) phones.set(phone, (v = isValidE164(phone)));
      return v;
    },
    lookup(value) {
      if (empty) return NO_HITS;
      let h = hits.get(value);
      if (h === undefined) hits.set(value, (h = index.lookup(value)));
      return h;
    },
  };
}

function skip(c: RecallContact, reason: SkippedRecord['reason'], detail: string, field?: string): Decided {
  return { skip: { reason, detail, office: c.office, patientId: c.patientId, contact: c, ...(field ? { field } : {}) } };
}

/** Channels and channel reasons of one contact (steps 3–8). */
function decideChannels(c: RecallContact, checks: RunChecks, o: Required<ConsentOptions>): Decided {
  // the decision is written on the contact itself (new channels and channelReasons
  // objects; the msg is this node's to change, and Node-RED copies it for every further
  // wire): a copy of every row was a tenth of the pipeline's peak memory
  const hadReasons = Object.prototype.hasOwnProperty.call(c, 'channelReasons');
  const on: Record<Channel, boolean> = {
    sms: !!c.channels?.sms && !!c.phone,
    email: !!c.channels?.email && !!c.email,
    voice: !!c.channels?.voice && !!c.phone,
  };
  // made when a channel is dropped (most contacts keep every channel they have)
  let reasons: NonNullable<RecallContact['channelReasons']> | undefined = hadReasons ? { ...c.channelReasons } : undefined;
  const drop = (ch: Channel, reason: ChannelReason) => {
    if (!on[ch]) return;
    on[ch] = false;
    (reasons ??= {})[ch] = reason;
  };

  // 3. the suppression list: opt-outs before data faults, so a legal "no" is what is reported
  const phoneHits = c.phone ? checks.lookup(c.phone) : NO_HITS;
  const emailHits = c.email ? checks.lookup(c.email) : NO_HITS;
  // (indexed loops: most lists are the shared empty one, and a for-of made an iterator for each)
  for (let i = 0; i < phoneHits.length; i++) {
    const h = phoneHits[i];
    if (h.reason !== 'opted-out') continue;
    for (const ch of PHONE_CHANNELS) if (h.channel === 'all' || h.channel === ch) drop(ch, OPT_OUT_CODE[ch]);
  }
  for (let i = 0; i < emailHits.length; i++) {
    const h = emailHits[i];
    if (h.reason === 'opted-out' && (h.channel === 'all' || h.channel === 'email')) drop('email', 'email-opt-out');
  }
  // a data fault on a value (the CRM saw a bad number / a bounce) ends every channel of that value
  for (let i = 0; i < phoneHits.length; i++) if (phoneHits[i].reason !== 'opted-out') for (const ch of PHONE_CHANNELS) drop(ch, 'bad-number');
  for (let i = 0; i < emailHits.length; i++) if (emailHits[i].reason !== 'opted-out') drop('email', 'bounced-email');

  // 4. practice-system privacy flags
  const flags = c.privacyFlags ?? 0;
  if (flags & o.noVoiceMask) drop('voice', 'privacy-flag');
  if (flags & o.noTextMask) {
    drop('sms', 'privacy-flag');
    drop('email', 'privacy-flag');
  }
  if (c.noSms) drop('sms', 'privacy-flag');

  // 5. texts go to mobiles only
  if (c.phoneType !== 'mobile') drop('sms', 'landline');

  const gone: string[] = [];
  // 6. a number that cannot be dialled is not handed on
  if (c.phone && !checks.validPhone(c.phone)) {
    for (const ch of PHONE_CHANNELS) drop(ch, 'bad-number');
    gone.push('phone', 'phoneType');
  }
  // 7. an unreadable address is missing data
  if (c.email && !isValidEmail(c.email)) {
    on.email = false;
    gone.push('email');
  }

  c.channels = on;
  if (!reasons || Object.keys(reasons).length === 0) {
    if (hadReasons) gone.push('channelReasons');
  } else c.channelReasons = reasons;
  return finish(gone.length > 0 ? without(c, gone) : c, on, reasons ?? NO_REASONS);
}

/**
 * `c` without the named fields, in one copy: `delete` would leave the object in V8's
 * slow dictionary mode for every later node.
 */
function without(c: RecallContact, gone: readonly string[]): RecallContact {
  const out: Record<string | symbol, unknown> = {};
  for (const k of Reflect.ownKeys(c)) {
    if (typeof k === 'string' && gone.includes(k)) continue;
    const value = (c as unknown as Record<string | symbol, unknown>)[k];
    // as the spread did: an own "__proto__" key stays a plain field
    if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    else out[k] = value;
  }
  return out as unknown as RecallContact;
}

/** Step 8: nothing left. */
function finish(c: RecallContact, on: Record<Channel, boolean>, reasons: NonNullable<RecallContact['channelReasons']>): Decided {
  if (!on.sms && !on.email && !on.voice) {
    const optedOut = Object.values(reasons).some((r) => OPT_OUTS.has(r as ChannelReason));
    const why = Object.entries(reasons).map(([ch, r]) => `${ch} ${r}`).join(', ');
    return optedOut
      ? skip(c, 'opted-out', `no channel left after opt-outs (${why})`)
      : skip(c, 'no-channel', why ? `no channel left (${why})` : 'no phone or e-mail');
  }
  return { contact: c };
}

function decide(c: RecallContact, checks: RunChecks, o: Required<ConsentOptions>): Decided {
  if (c.hasFutureAppointment === true) return skip(c, 'has-appointment', 'has a future appointment', 'hasFutureAppointment');
  if (c.status !== 'active') return skip(c, 'inactive', `status ${String(c.status)}`, 'status');
  return decideChannels(c, checks, o);
}

function isContact(x: unknown): x is RecallContact {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return false;
  const c = x as Partial<RecallContact>;
  return typeof c.patientId === 'string' && c.patientId !== '' && typeof c.firstName === 'string' && c.firstName !== '' && !!c.channels && typeof c.channels === 'object';
}

/**
 * Applies the rules to one run's contacts. Every input ends either in `contactable`
 * or in `suppressed` with exactly one reason; input order is kept in both. A contact's
 * channels and channel reasons are written on it (a contact losing a field, and a
 * household's carrier, are new objects).
 * `fold.held` names the rows the ledger would hold back in this run: they take no part
 * in folding (runConsent asks the ledger; without it every row takes part).
 */
export function applyConsent(contacts: readonly unknown[], index: SuppressionIndex, opts: ConsentOptions = {}, fold: Pick<FoldOptions, 'held'> = {}): ConsentResult {
  const o: Required<ConsentOptions> = { noVoiceMask: opts.noVoiceMask ?? 1, noTextMask: opts.noTextMask ?? 2 };
  const checks = runChecks(index);
  const slots: (Decided | undefined)[] = contacts.map((x, i) => {
    if (!isContact(x)) return { skip: { reason: 'invalid', field: 'contact', detail: `element ${i + 1} is not a RecallContact (patientId, firstName, channels)`, rowNumber: i + 1 } };
    return decide(x, checks, o);
  });

  // 9. one message per patient and per household among those still contactable
  const alive: { i: number; contact: RecallContact }[] = [];
  slots.forEach((s, i) => {
    if (s && 'contact' in s) alive.push({ i, contact: s.contact });
  });
  const folded = foldRun(alive.map((a) => a.contact), { held: fold.held, validPhone: checks.validPhone });
  alive.forEach((a, k) => {
    const f = folded[k];
    if (f.reason === undefined || f.carriedBy === undefined) slots[a.i] = { contact: f.contact };
    else {
      const by = alive[f.carriedBy].contact;
      const detail = f.reason === 'duplicate-recall'
        ? `another recall row of patient ${f.contact.patientId} is sent${by.patientId === f.contact.patientId ? '' : ` (on the contact of patient ${by.patientId}, ${f.link})`}; this row is listed on it`
        : `household of patient ${by.patientId}, who is sent (${f.link}); listed on that contact`;
      slots[a.i] = skip(f.contact, f.reason, detail, f.reason === 'duplicate-recall' ? 'recallType' : 'household');
    }
  });

  const contactable: RecallContact[] = [];
  const suppressed: SkippedRecord[] = [];
  for (const s of slots) {
    if (s && 'contact' in s) contactable.push(s.contact);
    else if (s) suppressed.push(s.skip);
  }
  const counts = countBy(suppressed, (s) => s.reason);
  // the channel reasons of those sent (most have none: nothing made for them)
  for (const c of contactable) {
    const reasons = c.channelReasons;
    if (!reasons) continue;
    for (const ch in reasons) {
      if (!Object.prototype.hasOwnProperty.call(reasons, ch)) continue;
      const r = String(reasons[ch as Channel]);
      counts[r] = (counts[r] ?? 0) + 1;
    }
  }
  return { contactable, suppressed, counts };
}
