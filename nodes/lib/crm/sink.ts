// One run of the CRM sink, without Node-RED: check the batch, apply the blast guard,
// build payloads, then either describe the requests (dry-run) or deliver them while
// keeping the ledger's leases alive. Returns one DeliveryResult per contact.
import type { DeliveryResult } from '../types';
import type { Hmac } from '../ledger/keys';
import { Checkpoint, type CheckpointLedger } from './checkpoint';
import { Delivery, attemptHeaders, type DeliveryStats, type RequestOutcome } from './deliver';
import { BlastGuardError, earlierInWindow, liveRunForecast, windowText, type LiveRunForecast, type SentCounter } from './guard';
import type { HttpClient } from './http';
import { toItems } from './items';
import { jsonCopy, jsonView } from './json-view';
import type { Limiter } from './limiter';
import type { AllowableField } from './payload';
import { planRequests } from './plan';
import { batchProblem, checkLiveEndpoint } from './preflight';
import type { EndpointConfig, Item, PlannedRequest } from './presets';
import type { RetryPolicy } from './retry';
import { signingKey } from './signing';
import { redactUrl, safeUrl } from '../net/url';

export interface SinkSettings {
  dryRun: boolean;
  /** blast guard: more contacts than this outside dry-run refuses the batch */
  maxPerRun: number;
  /**
   * The blast guard's window: messages the office was sent in the last `guardWindowMs`
   * (and those in flight in other runs) count toward `maxPerRun` too, so ten files of
   * 499 in one schedule period cannot send 4,990. 0 = each message on its own.
   */
  guardWindowMs?: number;
  /** contacts per request (generic); presets clamp it */
  batchSize: number;
  allow: readonly AllowableField[];
  policy: RetryPolicy;
  timeoutMs: number;
}

/** The parts of the ledger the sink uses (nodes/lib/ledger/api.ts `Ledger`). */
export interface SinkLedger extends SentCounter {
  renew(keys: readonly string[], leaseMs: number, opts?: { runId?: string }): Promise<number>;
  release(keys: readonly string[], opts?: { runId?: string }): Promise<number>;
}

export interface SinkContext {
  endpoint: EndpointConfig;
  /** HMAC-SHA256(ledger secret, parts joined by '|'), hex: contactKey, dry-run keys */
  hmac: Hmac;
  /** the ledger that reserved the keys (renewal on long runs, release on refusal) */
  ledger?: SinkLedger;
  /** dry-run: a ledger only read, for what the blast guard would count in a live run */
  forecastLedger?: Pick<SinkLedger, 'sentSince'>;
  leaseMs?: number;
  /** msg.recall.runId: renewals and releases touch only this run's reservations */
  runId?: string;
  /**
   * Set when the gate reserved for real: delivered keys are marked `sent` in this ledger
   * during the run, every `every` results or `maxWaitMs`, and once more at the end.
   */
  checkpoint?: { ledger: CheckpointLedger; every?: number; maxWaitMs?: number; onFault?: (message: string) => void };
  limiter: Limiter;
  client: HttpClient;
  signal?: AbortSignal;
  onProgress?: (stats: DeliveryStats) => void;
  /** a renewal failed: the run goes on, the error is reported */
  onWarning?: (message: string) => void;
  now?: () => number;
  random?: () => number;
}

export interface RunSummary {
  dryRun: boolean;
  preset: string;
  endpoint: string;
  contacts: number;
  delivered: number;
  failed: number;
  retry: number;
  /** contacts the preset cannot carry, left unsent with a reason (counted in `retry` too) */
  unsendable: number;
  'dry-run': number;
  /** HTTP attempts, retries included */
  requests: number;
  retries: number;
  http429: number;
  durationMs: number;
  /** lease renewals done during the run */
  renewals: number;
  /** delivered keys the sink itself marked `sent` in the ledger during the run */
  checkpointed: number;
  /** a checkpoint write failed: the commit gate records those deliveries (they are all in the output) */
  checkpointFault?: string;
  /** the run stopped early: node closed, or the endpoint refused us */
  stopped?: string;
  /** dry-run only: what a live run would do with this batch (the blast guard) */
  liveRun?: LiveRunForecast;
}

export interface SinkOutput {
  results: DeliveryResult[];
  summary: RunSummary;
}

const REDACTED = '[redacted]';
/** checkpoint defaults: at most this many delivered keys not yet on disk, or this old */
export const CHECKPOINT_EVERY = 10;
export const CHECKPOINT_MS = 250;

export class SinkRun {
  private delivery: Delivery | undefined;
  private checkpoint: Checkpoint | undefined;
  /** results by the input position of their contact */
  private done: DeliveryResult[] = [];
  private readonly started: number;
  private readonly now: () => number;
  private unsendable = 0;
  private readonly shownUrls = new Map<string, string>();

  constructor(private readonly input: unknown, private readonly settings: SinkSettings, private readonly ctx: SinkContext) {
    this.now = ctx.now ?? Date.now;
    this.started = this.now();
  }

  /** Runs to the end (or to a stop). Throws BlastGuardError or a configuration error. */
  async run(): Promise<SinkOutput> {
    if (!Array.isArray(this.input)) throw new Error('msg.payload must be an array of recall contacts');
    const { items, bad } = toItems(this.input, this.settings.allow, this.ctx.hmac, this.settings.dryRun);
    // a slot per input entry: results come in delivery order and are read out in input order
    this.done = new Array<DeliveryResult>(this.input.length);
    if (this.settings.dryRun) {
      if (bad >= 0) throw new Error(`msg.payload[${bad}] is not a recall contact (no office or patientId)`);
      return this.dryRun(items, this.plan(items));
    }
    await this.preflight(items, bad);
    return this.deliver(this.plan(items));
  }

  /** Live run: refuses the batch (nothing sent, its reservations given back) when it must not go. */
  private async preflight(items: Item[], bad: number): Promise<void> {
    const problem = batchProblem(items, bad);
    if (problem) await this.refuse(items, new Error(problem));
    await this.blastGuard(items);
    if (!items.length) return;
    try {
      checkLiveEndpoint(this.ctx.endpoint);
    } catch (err) {
      await this.refuse(items, err as Error);
    }
  }

  /** A refused batch sends nothing and gives its reservations back at once. */
  private async refuse(items: readonly Item[], err: Error): Promise<never> {
    const { ledger, runId } = this.ctx;
    const keys = items.map((i) => i.key).filter(Boolean);
    if (ledger && keys.length) await ledger.release(keys, { runId }).catch(() => undefined);
    throw err;
  }

  /** More than "max per run" with what the window already counts: refused, reservations released. */
  private async blastGuard(items: readonly Item[]): Promise<void> {
    const { settings, ctx } = this;
    const windowMs = settings.guardWindowMs ?? 0;
    const earlier = await earlierInWindow(items, ctx.ledger, windowMs, this.now, ctx.runId);
    if (items.length + earlier <= settings.maxPerRun) return;
    const released = ctx.ledger ? await ctx.ledger.release(items.map((i) => i.key), { runId: ctx.runId }) : undefined;
    throw new BlastGuardError(items.length, settings.maxPerRun, released, earlier, windowText(windowMs));
  }

  /** The preset's requests; contacts it cannot carry are left unsent with the reason. */
  private plan(items: readonly Item[]): PlannedRequest[] {
    const plan = planRequests(items, this.ctx.endpoint, this.settings.batchSize);
    // not the contact's fault and not the CRM's: never `failed`, released with the reason
    for (const r of plan.unsendable) this.add(r.item, { outcome: 'retry', attempts: 0, error: r.error });
    this.unsendable = plan.unsendable.length;
    return plan.requests;
  }

  /** Dry-run: every request described as it would go out, and what a live run would do. */
  private async dryRun(items: readonly Item[], requests: readonly PlannedRequest[]): Promise<SinkOutput> {
    const { settings, ctx } = this;
    const key = this.signingKey();
    for (const req of requests) {
      const request = this.describe(req, key);
      for (const it of req.items) this.add(it, { outcome: 'dry-run', attempts: 0, request });
    }
    const out = this.output(undefined);
    // the same count the blast guard checks outside dry-run
    const windowMs = settings.guardWindowMs ?? 0;
    const earlier = await earlierInWindow(items, ctx.forecastLedger, windowMs, this.now, ctx.runId).catch(() => 0);
    out.summary.liveRun = liveRunForecast(items.length, settings.maxPerRun, earlier, windowText(windowMs));
    return out;
  }

  /** Live run: the requests delivered, leases renewed, confirmed deliveries checkpointed. */
  private async deliver(requests: PlannedRequest[]): Promise<SinkOutput> {
    const key = this.signingKey();
    const cp = (this.checkpoint = this.startCheckpoint());
    const delivery = (this.delivery = this.startDelivery(requests, key, cp));
    const renewer = this.startRenewing(requests.flatMap((r) => r.items.map((i) => i.key)));
    try {
      const outcomes = await delivery.run();
      for (const o of outcomes) for (const it of o.request.items) this.add(it, perContact(o, it));
    } catch (err) {
      cp?.stop();
      throw err;
    } finally {
      renewer.stop();
    }
    // at a stop the close handler commits everything; otherwise write the rest before the output
    if (cp && !this.ctx.signal?.aborted) await cp.flush();
    cp?.stop();
    return this.output(renewer.count);
  }

  private signingKey(): Buffer | undefined {
    const { signingSecret } = this.ctx.endpoint;
    return signingSecret ? signingKey(signingSecret) : undefined;
  }

  /** Set when the gate reserved for real: delivered keys are marked sent during the run. */
  private startCheckpoint(): Checkpoint | undefined {
    const { checkpoint, runId, limiter, onWarning } = this.ctx;
    if (!checkpoint) return undefined;
    return new Checkpoint({
      ledger: checkpoint.ledger,
      runId,
      every: checkpoint.every ?? CHECKPOINT_EVERY,
      inFlightMax: limiter.concurrency,
      maxWaitMs: checkpoint.maxWaitMs ?? CHECKPOINT_MS,
      onFault: checkpoint.onFault ?? onWarning,
    });
  }

  private startDelivery(requests: PlannedRequest[], key: Buffer | undefined, cp: Checkpoint | undefined): Delivery {
    const { ctx, settings } = this;
    return new Delivery(requests, {
      client: ctx.client,
      limiter: ctx.limiter,
      policy: settings.policy,
      timeoutMs: settings.timeoutMs,
      preset: ctx.endpoint.preset,
      token: ctx.endpoint.token,
      signingKey: key,
      signal: ctx.signal,
      now: ctx.now,
      random: ctx.random,
      onProgress: ctx.onProgress,
      // only contacts the CRM confirmed (2xx, and listed in a 207) are checkpointed
      onOutcome:
        cp &&
        ((o) => {
          for (const it of o.request.items) {
            const r = perContact(o, it);
            if (r.outcome === 'delivered') cp.delivered({ key: it.key, patientId: it.patientId, ...r });
          }
        }),
      hold: cp && ((signal, inFlight) => cp.room(signal, inFlight)),
    });
  }

  /**
   * At a stop, synchronously: the outcomes so far plus every contact still open as
   * `retry`, for a ledger commit issued before the in-flight requests have unwound.
   */
  snapshot(): DeliveryResult[] {
    if (!this.delivery) return [];
    const ended = this.delivery.finished.flatMap((o) => o.request.items.map((it): DeliveryResult => ({ key: it.key, patientId: it.patientId, ...perContact(o, it) })));
    const open = this.delivery.unfinished().flatMap((req) =>
      req.items.map((it): DeliveryResult => ({ key: it.key, patientId: it.patientId, outcome: 'retry', attempts: 0, error: 'stopped before delivery' })),
    );
    return [...ended, ...open];
  }

  /** The exact request a dry-run would have sent, the bearer token redacted. */
  private describe(req: PlannedRequest, key: Buffer | undefined): NonNullable<DeliveryResult['request']> {
    const { endpoint } = this.ctx;
    // the text is only needed to sign it; the body shown is what the CRM would parse
    const body = key ? JSON.stringify(req.body) : '';
    // without a token or a signature the headers are the request's own (no copy per request)
    const headers = endpoint.token || key ? attemptHeaders(req, body, this.now(), endpoint.token, key) : req.headers;
    if (headers.Authorization) headers.Authorization = `Bearer ${REDACTED}`;
    // the body is the sink's own object, built for this run and touched by nothing after:
    // shown as is when it is plain JSON data (70k copies per 100k rows were ~50 MB)
    const described = { url: this.shownUrl(req.url), method: req.method, headers, body: key ? JSON.parse(body) : jsonView(req.body) };
    // GoHighLevel: the calls that follow the upsert (their contact id is known only then)
    const then = req.then?.('{"contact":{"id":"<contact id from the upsert>"}}');
    if (then?.length) return { ...described, then: then.map((t) => ({ url: decodeURI(redactUrl(t.url)), method: t.method, body: jsonCopy(t.body) })) };
    return described;
  }

  /** redactUrl, once per distinct URL of the run (every request of a preset shares one) */
  private shownUrl(url: string): string {
    let shown = this.shownUrls.get(url);
    if (shown === undefined) this.shownUrls.set(url, (shown = redactUrl(url)));
    return shown;
  }

  /**
   * Renews the leases of every contact of the run, every third of the lease: the
   * delivered ones too until a checkpoint (or the commit after the run) marks them sent.
   */
  private startRenewing(keys: string[]): { stop(): void; count: number } {
    const { ledger, leaseMs } = this.ctx;
    const state = { count: 0, stop: () => undefined as void };
    if (!ledger || !leaseMs || !keys.length) return state;
    const timer = setInterval(() => {
      ledger.renew(keys, leaseMs, { runId: this.ctx.runId }).then(
        () => void state.count++,
        (err: Error) => this.ctx.onWarning?.(`lease renewal failed: ${err.message}`),
      );
    }, Math.max(50, Math.floor(leaseMs / 3)));
    state.stop = () => clearInterval(timer);
    return state;
  }

  private output(renewals: number | undefined): SinkOutput {
    // input order, for people reading the debug sidebar (entries that were no contact have none)
    const results: DeliveryResult[] = [];
    const counted: Record<string, number> = {};
    for (const r of this.done) {
      if (r === undefined) continue;
      results.push(r);
      counted[r.outcome] = (counted[r.outcome] ?? 0) + 1;
    }
    const count = (o: string) => counted[o] ?? 0;
    const stats = this.delivery?.stats;
    const summary: RunSummary = {
      dryRun: this.settings.dryRun,
      preset: this.ctx.endpoint.preset,
      endpoint: safeUrl(this.ctx.endpoint.url),
      contacts: results.length,
      delivered: count('delivered'),
      failed: count('failed'),
      retry: count('retry'),
      unsendable: this.unsendable,
      'dry-run': count('dry-run'),
      requests: stats?.requests ?? 0,
      retries: stats?.retries ?? 0,
      http429: stats?.http429 ?? 0,
      durationMs: this.now() - this.started,
      renewals: renewals ?? 0,
      checkpointed: this.checkpoint?.written ?? 0,
    };
    if (this.checkpoint?.fault) summary.checkpointFault = this.checkpoint.fault;
    if (this.delivery?.halted) summary.stopped = this.delivery.halted;
    else if (this.ctx.signal?.aborted) summary.stopped = 'node stopped (redeploy or shutdown)';
    return { results, summary };
  }

  private add(item: Item, r: Omit<DeliveryResult, 'key' | 'patientId'>): void {
    this.done[item.at] = { key: item.key, patientId: item.patientId, ...r };
  }
}

function perContact(o: RequestOutcome, item: Item): Omit<DeliveryResult, 'key' | 'patientId'> {
  if (o.unconfirmed?.has(item.key)) {
    // answered, but not confirmed for this contact: send again next run (same key)
    return { outcome: 'retry', attempts: o.attempts, status: o.status, error: `HTTP ${o.status}: the CRM did not confirm this contact`, response: o.response };
  }
  const r: Omit<DeliveryResult, 'key' | 'patientId'> = { outcome: o.outcome, attempts: o.attempts };
  if (o.status !== undefined) r.status = o.status;
  if (o.error) r.error = o.error;
  if (o.response) r.response = o.response;
  return r;
}

declare module '../types' {
  interface RecallMeta {
    'crm-webhook-out'?: RunSummary;
  }
}
