// The suppression feed of SPEC §3: entries from msg.suppress and from a GET of
// CRM_SUPPRESSION_URL, normalized the way contacts are (E.164 / lower-case e-mail)
// so that the keyed hashes match. Bad entries are counted, never fatal.
import axios from 'axios';
import type { CountryCode } from 'libphonenumber-js/max';
import type { SuppressionChannel, SuppressionEntry, SuppressionReason } from '../ledger/api';
import { normalizeEmail } from '../contact/email';
import { normalizePhone } from '../contact/phone';
import { isLoopbackHost, safeUrl } from '../crm/url';

export { safeUrl };

const CHANNELS: readonly SuppressionChannel[] = ['sms', 'email', 'voice', 'all'];
const REASONS: readonly SuppressionReason[] = ['opted-out', 'bad-number', 'bounced-email'];

export interface FeedResult {
  entries: SuppressionEntry[];
  /** entries that could not be used; `problems` says why (by position, never the value) */
  bad: number;
  problems: string[];
}

/**
 * One entry checked and normalized. A missing channel reads as `all` and a missing
 * reason as `opted-out`: when a feed is vague, the pack errs on not contacting.
 */
export function normalizeEntry(raw: unknown, region: CountryCode): SuppressionEntry | string {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'not an object';
  const e = raw as Record<string, unknown>;
  const channel = (e.channel === undefined || e.channel === null || e.channel === '' ? 'all' : String(e.channel).trim().toLowerCase()) as SuppressionChannel;
  const reason = (e.reason === undefined || e.reason === null || e.reason === '' ? 'opted-out' : String(e.reason).trim().toLowerCase()) as SuppressionReason;
  if (!CHANNELS.includes(channel)) return `channel "${String(e.channel)}" is not sms, email, voice or all`;
  if (!REASONS.includes(reason)) return `reason "${String(e.reason)}" is not opted-out, bad-number or bounced-email`;
  if (typeof e.value !== 'string' && typeof e.value !== 'number') return 'no value';
  const text = String(e.value).trim();
  if (text.includes('@')) {
    const email = normalizeEmail(text);
    if (!email || !email.valid) return 'value is not a valid e-mail address';
    if (channel === 'sms' || channel === 'voice') return `channel ${channel} does not apply to an e-mail address`;
    if (reason === 'bad-number') return 'reason bad-number does not apply to an e-mail address';
    return { channel, value: email.email, reason };
  }
  const phone = normalizePhone(text, region);
  if (!phone || !phone.valid) return 'value is neither a valid phone number nor an e-mail address';
  if (channel === 'email') return 'channel email does not apply to a phone number';
  if (reason === 'bounced-email') return 'reason bounced-email does not apply to a phone number';
  return { channel, value: phone.phone, reason };
}

/** A feed body (array of entries) normalized; `label` names the feed in problems. */
export function parseFeed(body: unknown, region: CountryCode, label: string): FeedResult {
  if (!Array.isArray(body)) throw new Error(`${label}: expected a JSON array of { channel, value, reason }, got ${body === null ? 'null' : typeof body}`);
  const out: FeedResult = { entries: [], bad: 0, problems: [] };
  body.forEach((raw, i) => {
    const e = normalizeEntry(raw, region);
    if (typeof e === 'string') {
      out.bad += 1;
      if (out.problems.length < 20) out.problems.push(`${label} entry ${i + 1}: ${e}`);
    } else out.entries.push(e);
  });
  return out;
}

/** Checks the pull URL: http(s) only, plain http only to loopback unless allowed. */
export function checkPullUrl(url: string, allowHttp: boolean): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`setting "suppression URL": "${safeUrl(url)}" is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`setting "suppression URL" must be http(s), got ${u.protocol}`);
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname) && !allowHttp) {
    throw new Error(`setting "suppression URL": plain http:// is only allowed to this machine (opt-out lists hold phone numbers and e-mails); use https:// or tick "allow plain http"`);
  }
}

export interface PullOptions {
  timeoutMs: number;
  /** sent as `Authorization: Bearer` when set */
  token?: string;
}

/** GETs the suppression feed; rejects with an error naming the URL (without secrets) and the cause. */
export async function pullSuppressions(url: string, region: CountryCode, opts: PullOptions): Promise<FeedResult> {
  const where = safeUrl(url);
  let text: string;
  try {
    const res = await axios.get<string>(url, {
      timeout: opts.timeoutMs,
      responseType: 'text',
      transformResponse: (x: string) => x,
      headers: { Accept: 'application/json', ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}) },
      maxRedirects: 3,
      validateStatus: (s) => s >= 200 && s < 300,
    });
    text = res.data;
  } catch (e) {
    const err = e as { response?: { status: number }; code?: string; message?: string };
    if (err.response) throw new Error(`suppression pull from ${where} failed: HTTP ${err.response.status}`);
    if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT') throw new Error(`suppression pull from ${where} timed out after ${opts.timeoutMs} ms`);
    throw new Error(`suppression pull from ${where} failed: ${err.code ?? err.message ?? 'network error'}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`suppression pull from ${where}: the answer is not JSON`);
  }
  return parseFeed(body, region, `suppression feed ${where}`);
}
