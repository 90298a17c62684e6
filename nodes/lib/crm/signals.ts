// Each CRM's own rate-limit signals, read after every answer: how long every request of
// the endpoint should wait, and whether a daily quota is spent (the run stops then:
// retrying for minutes cannot bring a daily quota back).
import type { HttpAnswer } from './http';
import type { Limiter } from './limiter';
import { jsonObject, type PresetName } from './presets';
import { rateLimitWaitMs, retryAfterMs } from './retry';

export interface RateSignal {
  /** every request of the endpoint waits this long (0 = no pause) */
  pauseMs: number;
  /** the daily quota is spent: why, for the error */
  dailySpent?: string;
}

type Answer = Pick<HttpAnswer, 'status' | 'header' | 'body'>;
type Window = Pick<Limiter, 'windowFull'>;

const num = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : undefined);

/**
 * Generic: a 429/503 always counts (Retry-After, reset). "Remaining 0" on an accepted
 * request counts only when our own window is not full: then something we do not count
 * (another app on the same account) spent the CRM's quota. When our window is full
 * too, the limiter already holds the next start to the millisecond; the CRM's reset,
 * in whole seconds rounded up, would add up to a second per window.
 */
export function genericSignal(a: Answer, limiter: Window, now: number): RateSignal {
  const refused = a.status === 429 || a.status === 503;
  const retryAfter = refused ? retryAfterMs(a.header('retry-after'), now) ?? 0 : 0;
  const spent = refused || !limiter.windowFull ? rateLimitWaitMs(a.header, now) ?? 0 : 0;
  return { pauseMs: Math.max(spent, retryAfter) };
}

/**
 * GoHighLevel: X-RateLimit-Max / -Remaining / -Interval-Milliseconds (100 per 10 s per
 * location) and X-RateLimit-Daily-Remaining (200,000 a day); no reset header, so an
 * exhausted window waits one whole interval.
 */
export function ghlSignal(a: Answer, limiter: Window, now: number): RateSignal {
  if (num(a.header('x-ratelimit-daily-remaining')) === 0) {
    return { pauseMs: 0, dailySpent: 'GoHighLevel daily API limit spent (X-RateLimit-Daily-Remaining: 0); the rest goes with the next run after it resets' };
  }
  const interval = num(a.header('x-ratelimit-interval-milliseconds')) ?? 10_000;
  const refused = a.status === 429;
  const retryAfter = refused ? retryAfterMs(a.header('retry-after'), now) ?? 0 : 0;
  const empty = num(a.header('x-ratelimit-remaining')) === 0;
  const pause = refused || (empty && !limiter.windowFull) ? interval : 0;
  return { pauseMs: Math.max(pause, retryAfter) };
}

/**
 * HubSpot: X-HubSpot-RateLimit-Remaining / -Interval-Milliseconds (100 or 190 per 10 s)
 * and -Daily-Remaining; a 429's body names the policy: `DAILY`, or a rolling window
 * (TEN_SECONDLY_ROLLING, SECONDLY...) treated as the short one.
 */
export function hubspotSignal(a: Answer, limiter: Window, now: number): RateSignal {
  const policy = a.status === 429 ? jsonObject(a.body)?.policyName : undefined;
  if (policy === 'DAILY' || num(a.header('x-hubspot-ratelimit-daily-remaining')) === 0) {
    return { pauseMs: 0, dailySpent: 'HubSpot daily API limit spent (policy DAILY); the rest goes with the next run after midnight (HubSpot account time zone)' };
  }
  const interval = num(a.header('x-hubspot-ratelimit-interval-milliseconds')) ?? (policy === 'SECONDLY' ? 1000 : 10_000);
  const refused = a.status === 429;
  const retryAfter = refused ? retryAfterMs(a.header('retry-after'), now) ?? 0 : 0;
  const empty = num(a.header('x-hubspot-ratelimit-remaining')) === 0;
  const pause = refused || (empty && !limiter.windowFull) ? interval : 0;
  return { pauseMs: Math.max(pause, retryAfter) };
}

export function signalReader(preset: PresetName): (a: Answer, limiter: Window, now: number) => RateSignal {
  return preset === 'gohighlevel' ? ghlSignal : preset === 'hubspot' ? hubspotSignal : genericSignal;
}
