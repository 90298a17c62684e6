// The delivery loop: each planned request goes through the limiter, is retried per
// the policy, and ends delivered, failed or retry. A stop (node close) or a halt
// (endpoint misconfigured) aborts requests in flight and starts no new one.
import { setMaxListeners } from 'node:events';
import { NetworkError, type HttpAnswer, type HttpClient } from './http';
import { AbortedError, sleep, type Limiter, type Release } from './limiter';
import { BREAKER_THRESHOLD, Breaker } from './breaker';
import type { PlannedRequest, PresetName } from './presets';
import { classifyStatus, isRetryableNetworkError, retryDelayMs, type RetryPolicy } from './retry';
import { genericSignal, signalReader } from './signals';
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
  /** whose rate-limit signals and quotas to read (default generic) */
  preset?: PresetName;
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
  /** refused batches split to find the contact at fault */
  splits: number;
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

/** The generic CRM's pause after an answer (signals.ts `genericSignal`). */
export function crmPauseMs(answer: Pick<HttpAnswer, 'status' | 'header'>, limiter: Pick<Limiter, 'windowFull'>, nowMs: number): number {
  return genericSignal({ ...answer, body: '' }, limiter, nowMs).pauseMs;
}

/** How one call (with its retries) ended. */
type Call =
  | { kind: 'ok'; status: number; body: string; attempts: number }
  /** a permanent refusal; `breaker` classifies it for the run-fault breaker */
  | { kind: 'refused'; status: number; error: string; response?: string; attempts: number; breaker: string; runFault?: string }
  | { kind: 'retry'; status?: number; error: string; response?: string; attempts: number }
  | { kind: 'stopped'; attempts: number; during: boolean };

export class Delivery {
  readonly stats: DeliveryStats;
  private readonly halter = new AbortController();
  private haltReason: string | undefined;
  private readonly open = new Set<PlannedRequest>();
  /** this run's requests between the hold and their answer */
  private sending = 0;
  private readonly inFlight = () => this.sending;
  private readonly breaker: Breaker;
  private readonly signals: ReturnType<typeof signalReader>;
  /** outcomes so far, in the order they ended */
  readonly finished: RequestOutcome[] = [];

  constructor(private readonly requests: readonly PlannedRequest[], private readonly opts: DeliverOptions) {
    const contacts = requests.reduce((n, r) => n + r.items.length, 0);
    this.stats = { contacts, delivered: 0, failed: 0, retry: 0, retrying: 0, requests: 0, http429: 0, retries: 0, splits: 0 };
    for (const r of requests) this.open.add(r);
    this.breaker = new Breaker(Math.min(BREAKER_THRESHOLD, Math.max(1, contacts)));
    this.signals = signalReader(opts.preset ?? 'generic');
    // every waiting request listens on this one signal
    setMaxListeners(0, this.halter.signal);
    opts.signal?.addEventListener('abort', () => this.halter.abort(), { once: true });
    if (opts.signal?.aborted) this.halter.abort();
  }

  /** Why the run stopped early: the endpoint refused us, a daily quota, the run-fault breaker. */
  get halted(): string | undefined {
    return this.haltReason;
  }

  /** Requests not finished yet (at a stop: what was not sent or is being aborted). */
  unfinished(): PlannedRequest[] {
    return [...this.open];
  }

  async run(): Promise<RequestOutcome[]> {
    await Promise.all(this.requests.map((r) => this.one(r)));
    return [...this.finished];
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
    this.breaker.settleIfStuck(this.open.size);
    return o;
  }

  private stopped(request: PlannedRequest, attempts: number, during: boolean): RequestOutcome {
    const why = this.haltReason ? `not sent: run halted (${this.haltReason})` : during ? 'stopped during the request' : 'stopped before sending';
    return this.finish({ request, outcome: 'retry', attempts, error: why });
  }

  /** One planned request and the calls that must follow it, to its outcome. */
  private async one(request: PlannedRequest): Promise<void> {
    const r = await this.call(request);
    if (r.kind === 'stopped') return void this.stopped(request, r.attempts, r.during);
    if (r.kind === 'retry') return void this.finish({ request, outcome: 'retry', status: r.status, attempts: r.attempts, error: r.error, response: r.response });
    if (r.kind === 'refused') return this.refused(request, r);
    this.breaker.accepted();
    let attempts = r.attempts;
    for (const step of request.then?.(r.body) ?? []) {
      const s = await this.call(step, true);
      attempts += s.attempts;
      if (s.kind === 'stopped') return void this.stopped(request, attempts, s.during);
      if (s.kind === 'refused' && s.runFault) this.halt(s.runFault);
      if (s.kind !== 'ok') {
        // in the CRM but incomplete (tags, workflow): the next run repeats every call
        const path = safePath(step.url);
        const o: RequestOutcome = { request, outcome: 'retry', attempts, error: `${path}: ${s.error}` };
        if (s.status !== undefined) o.status = s.status;
        if (s.response) o.response = s.response;
        return void this.finish(o);
      }
    }
    const confirmed = request.confirmed?.(r.status, r.body);
    const unconfirmed = confirmed ? new Set(request.items.map((i) => i.key).filter((k) => !confirmed.has(k))) : undefined;
    const o: RequestOutcome = { request, outcome: 'delivered', status: r.status, attempts };
    if (unconfirmed?.size) {
      o.unconfirmed = unconfirmed;
      o.response = r.body.slice(0, SNIPPET);
    }
    this.finish(o);
  }

  /** A permanent refusal: the run's fault (stop), a batch to split, or the contact's (via the breaker). */
  private async refused(request: PlannedRequest, r: Extract<Call, { kind: 'refused' }>): Promise<void> {
    const base = { request, status: r.status, attempts: r.attempts, response: r.response };
    if (r.runFault) {
      this.halt(r.runFault);
      return void this.finish({ ...base, outcome: 'retry', error: `${r.error}: ${r.runFault}` });
    }
    if (request.split && !this.halter.signal.aborted) {
      const parts = request.split();
      this.open.delete(request);
      for (const p of parts) this.open.add(p);
      this.stats.splits++;
      await Promise.all(parts.map((p) => this.one(p)));
      return;
    }
    const verdict = this.breaker.refused(r.breaker, r.error);
    this.breaker.settleIfStuck(this.open.size);
    if (await verdict) {
      this.halt(this.breaker.tripped ?? 'run-fault breaker');
      return void this.finish({ ...base, outcome: 'retry', error: `${r.error}; released: ${this.breaker.tripped ?? 'run stopped'}` });
    }
    this.finish({ ...base, outcome: 'failed', error: r.error });
  }

  /** One HTTP call with its retries; `followUp` calls go ahead of waiting first calls. */
  private async call(request: PlannedRequest, followUp = false): Promise<Call> {
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
        release = await limiter.acquire(signal, followUp);
      } catch (err) {
        if (err instanceof AbortedError) return { kind: 'stopped', attempts, during: false };
        throw err;
      }
      if (this.opts.hold) {
        await this.opts.hold(signal, this.inFlight);
        if (signal.aborted) {
          release();
          return { kind: 'stopped', attempts, during: false };
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
      if (netErr?.aborted || (signal.aborted && !answer)) return { kind: 'stopped', attempts, during: true };

      if (answer) {
        lastStatus = answer.status;
        if (answer.status === 429) this.stats.http429++;
        const verdict = classifyStatus(answer.status);
        // the CRM's window is spent: every request of this endpoint waits, not just this one
        const sig = this.signals(answer, limiter, now());
        if (sig.pauseMs > 0 && sig.pauseMs <= policy.maxRetryAfterMs) limiter.pauseUntil(now() + sig.pauseMs);
        if (sig.dailySpent) this.halt(sig.dailySpent);
        const response = answer.body ? answer.body.slice(0, SNIPPET) : undefined;
        const status = `HTTP ${answer.status}${answer.statusText ? ' ' + answer.statusText : ''}`;
        if (verdict === 'delivered') {
          const why = request.bodyError?.(answer.status, answer.body);
          if (!why) return { kind: 'ok', status: answer.status, body: answer.body, attempts };
          return { kind: 'refused', status: answer.status, error: `${status}, but ${why}`, response, attempts, breaker: `body ${why}` };
        }
        lastError = status;
        if (verdict === 'failed') {
          return { kind: 'refused', status: answer.status, error: lastError, response, attempts, breaker: `HTTP ${answer.status}`, runFault: request.runFault?.(answer.status, answer.body) };
        }
        if (verdict === 'halt') {
          this.halt(`${lastError} from the CRM endpoint`);
          return { kind: 'retry', status: answer.status, error: `${lastError}: check the endpoint URL, token and IDs`, response, attempts };
        }
        if (sig.dailySpent) return { kind: 'retry', status: answer.status, error: `${lastError}: ${sig.dailySpent}`, response, attempts };
      } else {
        lastError = netErr!.message;
        if (!isRetryableNetworkError(netErr!.code)) {
          this.halt(lastError);
          return { kind: 'retry', error: lastError, attempts };
        }
      }

      // retryable
      if (attempts >= policy.maxAttempts) return { kind: 'retry', status: lastStatus, error: `${lastError}; gave up after ${attempts} attempts`, attempts };
      const delay = retryDelayMs(attempts, policy, answer?.header, now(), this.opts.random);
      if (delay === undefined) return { kind: 'retry', status: lastStatus, error: `${lastError}; the CRM asked to wait longer than the retry limit`, attempts };
      this.stats.retries++;
      this.stats.retrying++;
      this.progress();
      try {
        await sleep(delay, signal);
      } catch (err) {
        if (err instanceof AbortedError) {
          this.stats.retrying--;
          return { kind: 'stopped', attempts, during: false };
        }
        throw err;
      }
      this.stats.retrying--;
    }
  }

  private halt(reason: string): void {
    if (this.haltReason) return;
    this.haltReason = reason;
    this.breaker.trip(reason);
    this.halter.abort();
  }
}

/** A URL's path only (no host, no query): for per-contact errors. */
function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(request)';
  }
}
