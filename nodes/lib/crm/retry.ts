// What an answer means and how long to wait before asking again.
// Exponential backoff with full jitter (AWS architecture blog), never shorter than
// what the CRM asked for with Retry-After or an exhausted X-RateLimit window.

export type Verdict =
  | 'delivered' // 2xx
  | 'retry' // 408, 409, 425, 429, 5xx, network errors, timeouts
  | 'failed' // other 4xx: this contact will not be accepted as it is
  | 'halt'; // 3xx, 401, 403, 404, 405, 407: the endpoint or credentials are wrong, not the contact

/** Statuses that say the endpoint is misconfigured: failing every contact for them would burn the batch. */
const ENDPOINT_FAULTS = new Set([401, 403, 404, 405, 407]);

export function classifyStatus(status: number): Verdict {
  if (status >= 200 && status < 300) return 'delivered';
  // 409: the Idempotency-Key draft's "a request with this key is still in progress"
  if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) return 'retry';
  if (ENDPOINT_FAULTS.has(status) || (status >= 300 && status < 400)) return 'halt';
  return 'failed';
}

export interface RetryPolicy {
  /** attempts per request, the first included */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** a Retry-After / reset longer than this ends the request as `retry` (next run) */
  maxRetryAfterMs: number;
}

export const DEFAULT_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 300_000 };

/** Reads a response header whatever its case. */
export type HeaderGetter = (name: string) => string | undefined;

export function headerGetter(headers: Record<string, unknown> | undefined): HeaderGetter {
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v !== undefined && v !== null) lower.set(k.toLowerCase(), Array.isArray(v) ? String(v[0]) : String(v));
  }
  return (name) => lower.get(name.toLowerCase());
}

/** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms from `now`. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Wait until an exhausted rate-limit window resets: X-RateLimit-Remaining (or
 * RateLimit-Remaining) 0 with a reset given as seconds from now, or as a Unix time
 * in seconds (GitHub style) when the number is that large.
 */
export function rateLimitWaitMs(get: HeaderGetter, now: number): number | undefined {
  const remaining = get('x-ratelimit-remaining') ?? get('ratelimit-remaining');
  if (remaining === undefined || Number(remaining) > 0) return undefined;
  const reset = get('x-ratelimit-reset') ?? get('ratelimit-reset');
  if (reset === undefined || !/^\d+(\.\d+)?$/.test(reset.trim())) return undefined;
  const n = Number(reset);
  return n > 1e9 ? Math.max(0, n * 1000 - now) : n * 1000;
}

/** Full jitter: uniform in [0, min(max, base * 2^(retry-1))]. `retry` counts from 1. */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * The wait before retry number `retry`, or undefined when the CRM asks for longer
 * than the policy allows (the contact is released for the next run instead).
 */
export function retryDelayMs(retry: number, policy: RetryPolicy, get: HeaderGetter | undefined, now: number, random?: () => number): number | undefined {
  const asked = get ? Math.max(retryAfterMs(get('retry-after'), now) ?? 0, rateLimitWaitMs(get, now) ?? 0) : 0;
  if (asked > policy.maxRetryAfterMs) return undefined;
  return Math.max(asked, backoffMs(retry, policy, random));
}

/** Network error codes worth another attempt (resets, refusals, timeouts, DNS hiccups). */
export function isRetryableNetworkError(code: string | undefined): boolean {
  if (!code) return true;
  // TLS certificate problems do not heal by retrying: the endpoint is wrong.
  return !/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_INVALID_URL|ERR_BAD_OPTION/.test(code);
}
