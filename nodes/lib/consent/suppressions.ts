// The suppression feed: entries from msg.suppress and from a GET of the CRM's
// list, normalized the way contacts are (E.164 / lower-case e-mail) so that the
// keyed hashes match. The feed fails closed: a vague entry suppresses more, never
// less; an entry without a usable value is counted and reported; a feed that is not
// the documented shape, or in which nothing is usable, is a failure, not an empty list.
import type { CountryCode } from 'libphonenumber-js/max';
import { normalizeEmail } from '../contact/email';
import { normalizePhone } from '../contact/phone';
import type { SuppressionChannel, SuppressionEntry, SuppressionReason } from '../ledger/api';

const CHANNELS: readonly SuppressionChannel[] = ['sms', 'email', 'voice', 'all'];
const REASONS: readonly SuppressionReason[] = ['opted-out', 'bad-number', 'bounced-email'];
/** problems listed by position in one warning; the rest are only counted */
const MAX_PROBLEMS = 20;

export interface FeedResult {
  entries: SuppressionEntry[];
  /** entries without a usable value (not stored); `problems` says why, by position, never the value */
  bad: number;
  problems: string[];
  /** usable entries whose channel or reason was missing, unknown or did not fit, read as `all` / `opted-out` */
  widened: number;
  widenings: string[];
}

/** One entry: the stored entry and, when it was read fail-closed, what was assumed. */
export type EntryResult = { entry: SuppressionEntry; widened?: string } | { problem: string };

function given(v: unknown): boolean {
  return v !== undefined && v !== null && String(v).trim() !== '';
}

/** A channel or reason as a warning may show it: a short word, else not at all (a shifted column could hold a phone). */
function shown(v: unknown): string {
  const text = String(v).trim();
  return /^[a-z][a-z _-]{0,19}$/i.test(text) ? `"${text}"` : '(not a word)';
}

/** The value as E.164 or lower-case e-mail, or why it is not usable. */
function entryValue(raw: unknown, region: CountryCode): { kind: 'phone' | 'email'; value: string } | string {
  if (typeof raw !== 'string' && typeof raw !== 'number') return 'no value';
  const text = String(raw).trim();
  if (text.includes('@')) {
    const email = normalizeEmail(text);
    return email?.valid ? { kind: 'email', value: email.email } : 'value is not a valid e-mail address';
  }
  const phone = normalizePhone(text, region);
  return phone?.valid ? { kind: 'phone', value: phone.phone } : 'value is neither a valid phone number nor an e-mail address';
}

/**
 * One entry checked and normalized. Usable = a valid phone or e-mail in `value`.
 * A channel that is missing, unknown or does not apply to the value (sms for an
 * e-mail) reads as `all`; a reason that is missing, unknown or does not apply
 * (bounced-email for a phone) reads as `opted-out`.
 */
export function normalizeEntry(raw: unknown, region: CountryCode): EntryResult {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { problem: 'not an object' };
  const e = raw as Record<string, unknown>;
  const v = entryValue(e.value, region);
  if (typeof v === 'string') return { problem: v };
  const notes: string[] = [];
  let channel = String(e.channel ?? '').trim().toLowerCase() as SuppressionChannel;
  const channelFits = CHANNELS.includes(channel) && (channel === 'all' || (v.kind === 'email') === (channel === 'email'));
  if (!channelFits) {
    // a missing channel is the documented default, not worth a warning
    if (given(e.channel)) notes.push(`channel ${shown(e.channel)} read as all`);
    channel = 'all';
  }
  let reason = String(e.reason ?? '').trim().toLowerCase() as SuppressionReason;
  const reasonFits = REASONS.includes(reason) && !(reason === 'bad-number' && v.kind === 'email') && !(reason === 'bounced-email' && v.kind === 'phone');
  if (!reasonFits) {
    if (given(e.reason)) notes.push(`reason ${shown(e.reason)} read as opted-out`);
    reason = 'opted-out';
  }
  return { entry: { channel, value: v.value, reason }, ...(notes.length > 0 ? { widened: notes.join(', ') } : {}) };
}

/**
 * A feed body normalized; `label` names the feed in problems. Throws when the body
 * is not a JSON array of objects, or when it has entries and none is usable: such a
 * feed says nothing reliable, and taking it as an empty list would contact everyone.
 */
export function parseFeed(body: unknown, region: CountryCode, label: string): FeedResult {
  const shape = 'a JSON array of { channel, value, reason }';
  if (!Array.isArray(body)) throw new Error(`${label}: expected ${shape}, got ${body === null ? 'null' : typeof body}`);
  const notObject = body.findIndex((raw) => !raw || typeof raw !== 'object' || Array.isArray(raw));
  if (notObject >= 0) throw new Error(`${label}: expected ${shape}, entry ${notObject + 1} is ${describe(body[notObject])}`);
  const out: FeedResult = { entries: [], bad: 0, problems: [], widened: 0, widenings: [] };
  body.forEach((raw, i) => {
    const e = normalizeEntry(raw, region);
    if ('problem' in e) {
      out.bad += 1;
      if (out.problems.length < MAX_PROBLEMS) out.problems.push(`entry ${i + 1}: ${e.problem}`);
      return;
    }
    out.entries.push(e.entry);
    if (e.widened) {
      out.widened += 1;
      if (out.widenings.length < MAX_PROBLEMS) out.widenings.push(`entry ${i + 1}: ${e.widened}`);
    }
  });
  if (body.length > 0 && out.entries.length === 0) {
    throw new Error(`${label}: none of its ${body.length} entries has a usable value (${out.problems.slice(0, 3).join('; ')}${out.bad > 3 ? '; …' : ''})`);
  }
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
