// Retries with exponential backoff and full jitter: several offices restarting at
// once after a server reboot should not all knock at the same second.

export interface RetryPolicy {
  /** retries after the first attempt (0 = try once) */
  retries: number;
  /** delay before the first retry, ms (doubles each time) */
  baseDelayMs: number;
  /** cap on any one delay, ms */
  maxDelayMs: number;
}

/** Delay before retry number `retry` (1-based): random in [d/2, d], d = min(max, base * 2^(retry-1)). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export interface RetryHooks<E> {
  /** whether the error is worth another attempt */
  retryable(err: E): boolean;
  /** called before waiting for a retry */
  onRetry?(err: E, retry: number, delayMs: number): void;
  /** true when the caller wants to stop (node closing): no more attempts */
  cancelled?(): boolean;
  sleep?(ms: number): Promise<void>;
  random?(): number;
}

export interface RetryFailure<E> {
  error: E;
  first: E;
  attempts: number;
}

/** Runs `task` until it succeeds, fails with a non-retryable error, or retries run out. */
export async function withRetry<T, E>(task: (attempt: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks<E>): Promise<T> {
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let first: E | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (caught) {
      const err = caught as E;
      if (first === undefined) first = err;
      const last = attempt > policy.retries || !hooks.retryable(err) || hooks.cancelled?.() === true;
      if (last) throw { error: err, first, attempts: attempt } satisfies RetryFailure<E>;
      const delay = backoffDelay(attempt, policy, hooks.random);
      hooks.onRetry?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}

export function isRetryFailure<E>(value: unknown): value is RetryFailure<E> {
  return typeof value === 'object' && value !== null && 'attempts' in value && 'error' in value && 'first' in value;
}
