// The delivery loop: each planned request goes through the limiter, is retried per
// the policy, and ends delivered, failed or retry. A stop (node close) or a halt
// (endpoint misconfigured) aborts requests in flight and starts no new one.
import { setMaxListeners } from 'node:events';
import { NetworkError, type HttpAnswer, type HttpClient } from './http';
import { AbortedError, sleep, type Limiter, type Release } from './limiter';
import type { PlannedRequest } from './presets';
import { classifyStatus, isRetryableNetworkError, rateLimitWaitMs, retryAfterMs, retryDelayMs, type RetryPolicy } from './retry';
import { signatureHeaders } from './signing';

export type RequestVerdict = 'delivered' | 'failed' | 'retry';

export interface RequestOutcome {
  request: PlannedRequest;
  outcome: RequestVerdict;
  status?: number;
  attempts: number;
  error?: string;
  /** start of the CRM's answer to a refused request (debug output, never logged) */
  response?: string;
  /** a partly confirmed batch (HubSpot 207): the item keys the CRM did not confirm */
  unconfirmed?: Set<string>;
}

export interface DeliverOptions {
  client: HttpClient;
  limiter: Limiter;
  policy: RetryPolicy;
  timeoutMs: number;
  token?: string;
  signingKey?: Buffer;
  /** external stop (node close) */
  signal?: AbortSignal;
  now?: () => number;
  random?: () => number;
  /** after every change of the counters (status text) */
  onProgress?: (stats: DeliveryStats) => void;
  /** each request's outcome as it ends (the sink checkpoints delivered keys) */
  onOutcome?: (o: RequestOutcome) => void;
  /** awaited with a limiter slot held before each attempt: the checkpoint holds sends while its backlog is full */
  hold?: (signal: AbortSignal, inFlight: () => number) => Promise<void>;
}

export interface DeliveryStats {
  /** contacts in the plan */
  contacts: number;
  delivered: number;
  failed: number;
  retry: number;
  /** requests currently waiting to be retried */
  retrying: number;
  /** HTTP attempts made */
  requests: number;
  http429: number;
  retries: number;
}

/** The headers of one attempt: planned ones, bearer token, Standard Webhooks signature. */
export function attemptHeaders(req: PlannedRequest, body: string, nowMs: number, token?: string, signingKey?: Buffer): Record<string, string> {
  const headers = { ...req.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (signingKey) Object.assign(headers, signatureHeaders(signingKey, webhookId(req), nowMs / 1000, body));
  return headers;
}

/** webhook-id: the same for every attempt of a message (receivers dedupe on it). */
export function webhookId(req: PlannedRequest): string {
  return `msg_${req.idempotencyKey}`;
}

const SNIPPET = 300;

/**
 * How long every request of the endpoint should wait after this answer. A 429/503
 * always counts (Retry-After, reset). "Remaining 0" on an accepted request counts
 * only when our own window is not full: then the CRM's quota is spent by something
 * we do not count (another app on the same account). When our window is full too,
 * the limiter already holds the next start until a slot leaves it, to the
 * millisecond; the CRM's reset, in whole seconds rounded up, would add up to a
 * second per window (and a second per answer once the window slides).
 */
export function crmPauseMs(answer: Pick<HttpAnswer, 'status' | 'header'>, limiter: Pick<Limiter, 'windowFull'>, nowMs: number): number {
  const refused = answer.status === 429 || answer.status === 503;
  const retryAfter = refused ? retryAfterMs(answer.header('retry-after'), nowMs) ?? 0 : 0;
  const spent = refused || !limiter.windowFull ? rateLimitWaitMs(answer.header, nowMs) ?? 0 : 0;
  return Math.max(spent, retryAfter);
}

export class Delivery {
  readonly stats: DeliveryStats;
  private readonly halter = new AbortController();
  private haltReason: string | undefined;
  private readonly open = new Set<PlannedRequest>();
  /** this run's requests between the hold and their answer */
  private sending = 0;
  private readonly inFlight = () => this.sending;
  /** outcomes so far, in the order they ended */
  readonly finished: RequestOutcome[] = [];

  constructor(private readonly requests: readonly PlannedRequest[], private readonly opts: DeliverOptions) {
    this.stats = { contacts: requests.reduce((n, r) => n + r.items.length, 0), delivered: 0, failed: 0, retry: 0, retrying: 0, requests: 0, http429: 0, retries: 0 };
    for (const r of requests) this.open.add(r);
    // every waiting request listens on this one signal
    setMaxListeners(0, this.halter.signal);
    opts.signal?.addEventListener('abort', () => this.halter.abort(), { once: true });
    if (opts.signal?.aborted) this.halter.abort();
  }

  /** Why the run stopped early: the endpoint refused us (401/403/404/3xx...). */
  get halted(): string | undefined {
    return this.haltReason;
  }

  /** Requests not finished yet (at a stop: what was not sent or is being aborted). */
  unfinished(): PlannedRequest[] {
    return [...this.open];
  }

  async run(): Promise<RequestOutcome[]> {
    return Promise.all(this.requests.map((r) => this.one(r)));
  }

  private progress(): void {
    this.opts.onProgress?.({ ...this.stats });
  }

  private finish(o: RequestOutcome): RequestOutcome {
    this.open.delete(o.request);
    this.finished.push(o);
    this.opts.onOutcome?.(o);
    const missing = o.unconfirmed?.size ?? 0;
    this.stats[o.outcome] += o.request.items.length - missing;
    this.stats.retry += missing;
    this.progress();
    return o;
  }

  private stopped(request: PlannedRequest, attempts: number, during: boolean): RequestOutcome {
    const why = this.haltReason ? `not sent: run halted (${this.haltReason})` : during ? 'stopped during the request' : 'stopped before sending';
    return this.finish({ request, outcome: 'retry', attempts, error: why });
  }

  private async one(request: PlannedRequest): Promise<RequestOutcome> {
    const { policy, limiter, client } = this.opts;
    const now = this.opts.now ?? Date.now;
    const signal = this.halter.signal;
    const body = JSON.stringify(request.body);
    let attempts = 0;
    let lastError = '';
    let lastStatus: number | undefined;
    for (;;) {
      let release: Release;
      try {
        release = await limiter.acquire(signal);
      } catch (err) {
        if (err instanceof AbortedError) return this.stopped(request, attempts, false);
        throw err;
      }
      if (this.opts.hold) {
        await this.opts.hold(signal, this.inFlight);
        if (signal.aborted) {
          release();
          return this.stopped(request, attempts, false);
        }
      }
      // the rate window counts from here: a hold must not make this request arrive late
      release.sent();
      attempts++;
      this.stats.requests++;
      let answer: HttpAnswer | undefined;
      let netErr: NetworkError | undefined;
      this.sending++;
      try {
        const headers = attemptHeaders(request, body, now(), this.opts.token, this.opts.signingKey);
        answer = await client.post(request.url, headers, body, { timeoutMs: this.opts.timeoutMs, signal });
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err;
        netErr = err;
      } finally {
        this.sending--;
        release();
      }
      if (netErr?.aborted || (signal.aborted && !answer)) return this.stopped(request, attempts, true);

      let verdict;
      if (answer) {
        lastStatus = answer.status;
        if (answer.status === 429) this.stats.http429++;
        verdict = classifyStatus(answer.status);
        // the CRM's window is spent: every request of this endpoint waits, not just this one
        const asked = crmPauseMs(answer, limiter, now());
        if (asked > 0 && asked <= policy.maxRetryAfterMs) limiter.pauseUntil(now() + asked);
        if (verdict === 'delivered') {
          const confirmed = request.confirmed?.(answer.status, answer.body);
          const unconfirmed = confirmed ? new Set(request.items.map((i) => i.key).filter((k) => !confirmed.has(k))) : undefined;
          const o: RequestOutcome = { request, outcome: 'delivered', status: answer.status, attempts };
          if (unconfirmed?.size) {
            o.unconfirmed = unconfirmed;
            o.response = answer.body.slice(0, SNIPPET);
          }
          return this.finish(o);
        }
        lastError = `HTTP ${answer.status}${answer.statusText ? ' ' + answer.statusText : ''}`;
        const response = answer.body ? answer.body.slice(0, SNIPPET) : undefined;
        if (verdict === 'failed') return this.finish({ request, outcome: 'failed', status: answer.status, attempts, error: lastError, response });
        if (verdict === 'halt') {
          this.halt(`${lastError} from the CRM endpoint`);
          return this.finish({ request, outcome: 'retry', status: answer.status, attempts, error: `${lastError}: check the endpoint URL and token`, response });
        }
      } else {
        lastError = netErr!.message;
        if (!isRetryableNetworkError(netErr!.code)) {
          this.halt(lastError);
          return this.finish({ request, outcome: 'retry', attempts, error: lastError });
        }
      }

      // retryable
      const give = (why: string) => this.finish({ request, outcome: 'retry', status: lastStatus, attempts, error: `${lastError}; ${why}` });
      if (attempts >= policy.maxAttempts) return give(`gave up after ${attempts} attempts`);
      const delay = retryDelayMs(attempts, policy, answer?.header, now(), this.opts.random);
      if (delay === undefined) return give('the CRM asked to wait longer than the retry limit');
      this.stats.retries++;
      this.stats.retrying++;
      this.progress();
      try {
        await sleep(delay, signal);
      } catch (err) {
        if (err instanceof AbortedError) {
          this.stats.retrying--;
          return this.stopped(request, attempts, false);
        }
        throw err;
      }
      this.stats.retrying--;
    }
  }

  private halt(reason: string): void {
    if (this.haltReason) return;
    this.haltReason = reason;
    this.halter.abort();
  }
}
