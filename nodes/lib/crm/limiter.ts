// Concurrency cap plus a sliding-window request rate: at most `perInterval` request
// starts in any `intervalMs`, at most `concurrency` requests in flight, and a pause
// when the CRM says its window is exhausted. Shared by every sink of one endpoint.
//
// The CRM counts arrivals, we count starts: a request can reach the CRM a little
// later than it left the limiter, and its successor a little sooner. A caller that
// waits after acquiring (the checkpoint hold) moves its start to the moment it
// really sends (`Release.sent`), and a slot that leaves our window opens a jitter
// margin later (1 % of the interval, 50-250 ms) for the network: about 2 % of the
// rate at 100 per 10 s, instead of the whole second a rounded-up X-RateLimit-Reset costs.

export interface LimiterOptions {
  concurrency: number;
  /** requests allowed per interval; 0 = no rate limit */
  perInterval: number;
  intervalMs: number;
  now?: () => number;
}

/** Added to the interval before a start leaves the window (see above). */
export function jitterMarginMs(intervalMs: number): number {
  return Math.min(250, Math.max(50, Math.round(intervalMs / 100)));
}

/** Ends a request's hold on its slot; `sent()` moves its start in the window to now. */
export type Release = (() => void) & { sent(): void };

export class AbortedError extends Error {
  constructor(message = 'stopped') {
    super(message);
    this.name = 'AbortedError';
  }
}

interface Waiter {
  resolve: (release: Release) => void;
  reject: (err: Error) => void;
  signal?: AbortSignal;
}

export class Limiter {
  private active = 0;
  /** start times in start order; `sent()` only moves one later, which can only overcount */
  private readonly starts: { at: number }[] = [];
  private readonly queue: Waiter[] = [];
  /**
   * One abort listener per signal, not per waiter: a run queues all its requests on
   * one signal, and EventTarget scans its listener list on every add and remove
   * (thousands of waiters made that quadratic).
   */
  private readonly bySignal = new Map<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();
  private pausedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  /** the interval plus the jitter margin: how long a start stays in our window */
  private readonly windowMs: number;

  constructor(private readonly opts: LimiterOptions) {
    if (!(opts.concurrency >= 1)) throw new Error('concurrency must be at least 1');
    if (opts.perInterval > 0 && !(opts.intervalMs > 0)) throw new Error('rate interval must be positive');
    this.now = opts.now ?? Date.now;
    this.windowMs = opts.perInterval > 0 ? opts.intervalMs + jitterMarginMs(opts.intervalMs) : 0;
  }

  /**
   * Our own window is full: the next start already waits until a slot leaves it.
   * Then a CRM answering "remaining 0" says what we know, only rounded up to whole
   * seconds, and its reset need not pause us (deliver.ts).
   */
  get windowFull(): boolean {
    if (!(this.opts.perInterval > 0)) return false;
    this.prune(this.now());
    return this.starts.length >= this.opts.perInterval;
  }

  get concurrency(): number {
    return this.opts.concurrency;
  }

  get inFlight(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Waits for a slot; call the returned function when the request is over. `first`:
   * ahead of every waiting request (a contact's second call, so it completes before
   * new contacts start instead of after all of them).
   */
  acquire(signal?: AbortSignal, first = false): Promise<Release> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) this.watch(signal).waiters.add(waiter);
      if (first) this.queue.unshift(waiter);
      else this.queue.push(waiter);
      this.pump();
    });
  }

  private watch(signal: AbortSignal): { waiters: Set<Waiter>; onAbort: () => void } {
    let entry = this.bySignal.get(signal);
    if (!entry) {
      const waiters = new Set<Waiter>();
      const onAbort = () => {
        this.bySignal.delete(signal);
        const keep = this.queue.filter((w) => !waiters.has(w));
        this.queue.length = 0;
        this.queue.push(...keep);
        for (const w of waiters) w.reject(new AbortedError());
      };
      entry = { waiters, onAbort };
      this.bySignal.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    return entry;
  }

  private unwatch(waiter: Waiter): void {
    const signal = waiter.signal;
    const entry = signal && this.bySignal.get(signal);
    if (!entry) return;
    entry.waiters.delete(waiter);
    if (entry.waiters.size === 0) {
      this.bySignal.delete(signal!);
      signal!.removeEventListener('abort', entry.onAbort);
    }
  }

  /** No new request starts before `until` (epoch ms): the CRM asked us to wait. */
  pauseUntil(until: number): void {
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.pump();
  }

  /** Drops timers (node close); waiting callers stay pending until their signal aborts. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    while (this.queue.length > 0 && this.active < this.opts.concurrency) {
      const wait = this.waitMs();
      if (wait > 0) {
        this.schedule(wait);
        return;
      }
      const waiter = this.queue.shift()!;
      this.unwatch(waiter);
      this.active++;
      const start = { at: this.now() };
      if (this.opts.perInterval > 0) this.starts.push(start);
      let released = false;
      const release = Object.assign(
        () => {
          if (released) return;
          released = true;
          this.active--;
          this.pump();
        },
        { sent: () => void (start.at = Math.max(start.at, this.now())) },
      );
      waiter.resolve(release);
    }
  }

  /** How long until the next start is allowed (0 = now). */
  private waitMs(): number {
    const now = this.now();
    let wait = Math.max(0, this.pausedUntil - now);
    if (this.opts.perInterval > 0) {
      this.prune(now);
      if (this.starts.length >= this.opts.perInterval) wait = Math.max(wait, this.starts[0].at + this.windowMs - now);
    }
    return wait;
  }

  private prune(now: number): void {
    while (this.starts.length > 0 && this.starts[0].at <= now - this.windowMs) this.starts.shift();
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, ms);
  }
}

/** setTimeout as a promise that rejects with AbortedError when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortedError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(new AbortedError());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
