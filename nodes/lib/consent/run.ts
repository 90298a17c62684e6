// One consent-filter run: gather suppression entries (msg.suppress, then the pull),
// store them in the ledger, read the whole list back, decide. Nothing is decided on a
// stale list: a failed pull (or a msg.suppress that is not a feed) throws unless the
// office chose to continue.
import type { CountryCode } from 'libphonenumber-js/max';
import type { Ledger } from '../ledger/api';
import { heldStates } from '../ledger/gate';
import { recallKey } from '../ledger/keys';
import type { Counts, RecallContact, SkippedRecord } from '../types';
import { applyConsent, type ConsentOptions } from './rules';
import { safeUrl } from '../net/url';
import { pullSuppressions } from './pull';
import { parseFeed, type FeedResult } from './suppressions';

/** msg.recall.counts name for feed entries that had no usable value */
export const UNUSABLE_COUNT = 'suppression-unusable';

export interface ConsentRunInput {
  contacts: readonly unknown[];
  /** msg.suppress: an entry or an array of entries (or undefined) */
  suppress?: unknown;
  ledger: Ledger;
  region: CountryCode;
  /** '' = no pull */
  pullUrl: string;
  pullTimeoutMs: number;
  pullToken?: string;
  /** plain http to another machine, also for redirect targets */
  allowHttp?: boolean;
  /** the largest answer the pull reads */
  pullMaxBytes?: number;
  continueOnPullFailure: boolean;
  rules?: ConsentOptions;
  /** non-fatal problems (never patient data) */
  warn: (text: string) => void;
}

export interface ConsentRunSummary {
  contacts: number;
  contactable: number;
  suppressed: number;
  /** entries taken from msg.suppress / the pull */
  fromMessage: number;
  pulled: number;
  /** entries without a usable value (not stored) */
  badEntries: number;
  /** usable entries with an unknown channel or reason, stored as `all` / `opted-out` */
  widenedEntries: number;
  /** the pull (or msg.suppress) failed and the run went on (the office allowed it) */
  pullFailed: boolean;
  /** size of the list consent was decided on */
  listSize: number;
  /** rows whose key the ledger would hold back in this run (sent, failed, leased): not folded */
  ledgerHeld: number;
}

export interface ConsentRunResult {
  contactable: RecallContact[];
  suppressed: SkippedRecord[];
  counts: Counts;
  summary: ConsentRunSummary;
}

export async function runConsent(i: ConsentRunInput): Promise<ConsentRunResult> {
  const summary: ConsentRunSummary = { contacts: i.contacts.length, contactable: 0, suppressed: 0, fromMessage: 0, pulled: 0, badEntries: 0, widenedEntries: 0, pullFailed: false, listSize: 0, ledgerHeld: 0 };
  // a feed that failed: stop, or (when the office allowed it) warn and go on with the stored list
  const failed = (e: unknown) => {
    if (!i.continueOnPullFailure) throw new Error(`${(e as Error).message}; nothing was passed on (the suppression list may be stale)`);
    summary.pullFailed = true;
    i.warn(`${(e as Error).message}; going on with the stored suppression list ("continue on a failed pull" is set)`);
  };
  // each batch is stored as soon as it is read: an opt-out that arrived is never lost,
  // even when a later pull fails and stops the run
  const take = async (feed: FeedResult, name: string, source: string) => {
    summary.badEntries += feed.bad;
    summary.widenedEntries += feed.widened;
    if (feed.bad > 0) i.warn(`${feed.bad} entries of ${name} have no usable value and were not stored: ${feed.problems.join('; ')}`);
    if (feed.widened > 0) i.warn(`${feed.widened} entries of ${name} were read fail-closed: ${feed.widenings.join('; ')}`);
    if (feed.entries.length > 0) await i.ledger.addSuppressions(feed.entries, source);
    return feed.entries.length;
  };

  if (i.suppress !== undefined && i.suppress !== null) {
    let feed: FeedResult | undefined;
    try {
      feed = parseFeed(Array.isArray(i.suppress) ? i.suppress : [i.suppress], i.region, 'msg.suppress');
    } catch (e) {
      failed(e);
    }
    if (feed) summary.fromMessage = await take(feed, 'msg.suppress', 'msg.suppress');
  }
  if (i.pullUrl) {
    let feed: FeedResult | undefined;
    try {
      feed = await pullSuppressions(i.pullUrl, i.region, { timeoutMs: i.pullTimeoutMs, token: i.pullToken, allowHttp: i.allowHttp, maxBytes: i.pullMaxBytes });
    } catch (e) {
      failed(e);
    }
    if (feed) summary.pulled = await take(feed, 'the suppression feed', `pull ${safeUrl(i.pullUrl)}`);
  }

  const index = await i.ledger.loadSuppressions();
  summary.listSize = index.size;
  const held = await ledgerHeld(i.ledger, i.contacts);
  summary.ledgerHeld = held.count;
  const result = applyConsent(i.contacts, index, i.rules, { held: held.test });
  summary.contactable = result.contactable.length;
  summary.suppressed = result.suppressed.length;
  // never silently ignored: unusable entries show in the run's counts (and its summary)
  const counts = summary.badEntries > 0 ? { ...result.counts, [UNUSABLE_COUNT]: summary.badEntries } : result.counts;
  return { ...result, counts, summary };
}

const part = (v: unknown) => typeof v === 'string' && v !== '';
const keyable = (x: unknown): x is RecallContact => {
  const c = x as Partial<RecallContact> | null;
  return !!c && typeof c === 'object' && part(c.office) && part(c.patientId) && part(c.segment);
};

/**
 * Which rows the ledger would hold back in this run, read-only (the same reading the gate's
 * dry-run makes): folding is decided among the others, so a live run and a dry-run fold
 * alike, and a row already contacted never hides another one's new recall.
 */
async function ledgerHeld(ledger: Ledger, contacts: readonly unknown[]): Promise<{ count: number; test: (c: RecallContact) => boolean }> {
  // one keyed hash per row; the fold asks about the same contact objects (consent writes
  // its decision on them), so recallKey answers it from what it computed here
  const keyOf = (c: RecallContact) => recallKey(ledger.hmac, c);
  const keys = contacts.map((c) => (keyable(c) ? keyOf(c) : ''));
  // the ledger reads each distinct key once
  const states = await heldStates(ledger, keys.filter(Boolean));
  // nothing held (a new ledger, or a run of new recalls): nothing to match
  if (states.size === 0) return { count: 0, test: () => false };
  return { count: keys.filter((k) => k && states.has(k)).length, test: (c) => keyable(c) && states.has(keyOf(c)) };
}

declare module '../types' {
  interface RecallMeta {
    'consent-filter'?: ConsentRunSummary;
  }
}
