// GET of the CRM's suppression list. Bounded three ways, because a run waits on it
// and a stale or hostile server must not hold it: one deadline for the whole pull
// (a server trickling bytes cannot stretch it), a size limit on the answer, and
// redirects followed only to URLs that pass the same checks as the setting (the
// token only to the same origin).
import axios from 'axios';
import type { CountryCode } from 'libphonenumber-js/max';
import { checkCrmUrl, safeUrl } from '../net/url';
import { parseFeed, type FeedResult } from './suppressions';

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
const MAX_REDIRECTS = 3;
const REDIRECTS = [301, 302, 303, 307, 308];

/** The pull URL checked like every URL patient data travels to (throws naming the setting). */
export function checkPullUrl(url: string, allowHttp: boolean, setting = 'setting "suppression URL"'): URL {
  return checkCrmUrl(url, allowHttp, setting);
}

export interface PullOptions {
  /** the whole pull, redirects and body included */
  timeoutMs: number;
  /** sent as `Authorization: Bearer` when set, and only to the origin of the setting */
  token?: string;
  /** plain http to another machine (also for redirect targets) */
  allowHttp?: boolean;
  /** the largest answer read (bytes, after decompression) */
  maxBytes?: number;
}

/** One GET; answers the body of a 2xx, or the next URL of a redirect. */
async function getOnce(url: string, opts: PullOptions, withToken: boolean, signal: AbortSignal): Promise<{ body: string } | { location: string }> {
  const res = await axios.get<string>(url, {
    timeout: opts.timeoutMs,
    signal,
    responseType: 'text',
    transformResponse: (x: string) => x,
    headers: { Accept: 'application/json', ...(withToken && opts.token ? { Authorization: `Bearer ${opts.token}` } : {}) },
    maxRedirects: 0,
    maxContentLength: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    validateStatus: (s) => (s >= 200 && s < 300) || REDIRECTS.includes(s),
  });
  if (res.status < 300) return { body: res.data };
  const location = res.headers.location;
  if (typeof location !== 'string' || location === '') throw new Error(`HTTP ${res.status} without a Location`);
  return { location: new URL(location, url).href };
}

/** GETs the suppression feed; rejects with an error naming the URL (without secrets) and the cause. */
export async function pullSuppressions(url: string, region: CountryCode, opts: PullOptions): Promise<FeedResult> {
  const where = safeUrl(url);
  const origin = checkPullUrl(url, opts.allowHttp ?? false).origin;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), opts.timeoutMs);
  let text: string | undefined;
  try {
    let current = url;
    for (let hop = 0; text === undefined; hop++) {
      const got = await getOnce(current, opts, new URL(current).origin === origin, deadline.signal);
      if ('body' in got) text = got.body;
      else {
        if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
        checkPullUrl(got.location, opts.allowHttp ?? false, `redirect to ${safeUrl(got.location)}`);
        current = got.location;
      }
    }
  } catch (e) {
    throw new Error(`suppression pull from ${where} failed: ${cause(e, opts, deadline.signal.aborted)}`);
  } finally {
    clearTimeout(timer);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`suppression pull from ${where} failed: the answer is not JSON`);
  }
  try {
    return parseFeed(body, region, 'the answer');
  } catch (e) {
    throw new Error(`suppression pull from ${where} failed: ${(e as Error).message}`);
  }
}

function cause(e: unknown, opts: PullOptions, timedOut: boolean): string {
  const err = e as { response?: { status: number }; code?: string; message?: string };
  if (timedOut || err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT') return `not finished after ${opts.timeoutMs} ms`;
  if (err.response) return `HTTP ${err.response.status}`;
  if (/maxContentLength/.test(err.message ?? '')) return `the answer is larger than ${opts.maxBytes ?? DEFAULT_MAX_BYTES} bytes`;
  return err.code ?? err.message ?? 'network error';
}
