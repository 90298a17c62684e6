// One run of the CRM sink, without Node-RED: check the batch, apply the blast guard,
// build payloads, then either describe the requests (dry-run) or deliver them while
// keeping the ledger's leases alive. Returns one DeliveryResult per contact.
import type { Channel, DeliveryResult, RecallContact } from '../types';
import { Checkpoint, type CheckpointLedger } from './checkpoint';
import { Delivery, attemptHeaders, type DeliveryStats, type RequestOutcome } from './deliver';
import { liveRunForecast, type LiveRunForecast } from './forecast';
import type { HttpClient } from './http';
import { contactKey, recallKey } from '../ledger/keys';
import type { Limiter } from './limiter';
import { neutralizePayload } from './neutralize';
import { buildPayload, type AllowableField } from './payload';
import { planRequests } from './plan';
import { presetUrl, type EndpointConfig, type Item, type PlannedRequest } from './presets';
import type { RetryPolicy } from './retry';
import { signingKey } from './signing';
import { checkCrmUrl, redactUrl, safeUrl } from '../net/url';

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
export interface SinkLedger {
  /** messages of `office` sent since `sinceIso` plus those in flight in other runs (blast guard) */
  sentSince?(office: string, sinceIso: string, opts?: { runId?: string }): Promise<number>;
  renew(keys: readonly string[], leaseMs: number, opts?: { runId?: string }): Promise<number>;
  release(keys: readonly string[], opts?: { runId?: string }): Promise<number>;
}

export interface SinkContext {
  endpoint: EndpointConfig;
  /** HMAC-SHA256(ledger secret, parts joined by '|'), hex: contactKey, dry-run keys */
  hmac: (...parts: string[]) => string;
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

/** More contacts than maxPerRun to send for real: nothing was sent. */
export class BlastGuardError extends Error {
  constructor(readonly contacts: number, readonly maxPerRun: number, readonly released: number | undefined, readonly earlier = 0, windowText = '') {
    super(
      (earlier
        ? `blast guard: ${contacts} contacts to send after ${earlier} already sent or in flight in the last ${windowText}, more than "max per run" (${maxPerRun}); nothing was sent`
        : `blast guard: ${contacts} contacts to send, more than "max per run" (${maxPerRun}); nothing was sent`) +
        (released === undefined ? '' : `, ${released} reservations released`) +
        '. Raise "max per run" (RECALL_MAX_PER_RUN) if a batch this large is expected.',
    );
    this.name = 'BlastGuardError';
  }
}

const REDACTED = '[redacted]';
/** checkpoint defaults: at most this many delivered keys not yet on disk, or this old */
export const CHECKPOINT_EVERY = 10;
export const CHECKPOINT_MS = 250;

function isContact(x: unknown): x is RecallContact {
  const c = x as RecallContact;
  return !!c && typeof c === 'object' && typeof c.patientId === 'string' && c.patientId !== '' && typeof c.office === 'string';
}

export class SinkRun {
  private delivery: Delivery | undefined;
  private checkpoint: Checkpoint | undefined;
  /** results with the input position of their contact */
  private readonly done: { at: number; r: DeliveryResult }[] = [];
  private readonly position = new Map<Item, number>();
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
    const { settings, ctx } = this;
    if (!Array.isArray(this.input)) throw new Error('msg.payload must be an array of recall contacts');
    const input = this.input as unknown[];
    const bad = input.findIndex((raw) => !isContact(raw));
    const items: Item[] = [];
    input.forEach((raw, at) => {
      if (!isContact(raw)) return;
      const key = raw.key || (settings.dryRun ? recallKey(ctx.hmac, raw) : '');
      const payload = neutralizePayload(buildPayload(raw, contactKey(ctx.hmac, raw), settings.allow));
      const item: Item = { key, patientId: raw.patientId, payload, blocked: blockedChannels(raw) };
      this.position.set(item, at);
      items.push(item);
    });

    if (!settings.dryRun) {
      // a refused batch sends nothing and gives its reservations back at once
      const refuse = async (err: Error): Promise<never> => {
        const keys = items.map((i) => i.key).filter(Boolean);
        if (ctx.ledger && keys.length) await ctx.ledger.release(keys, { runId: ctx.runId }).catch(() => undefined);
        throw err;
      };
      if (bad >= 0) await refuse(new Error(`msg.payload[${bad}] is not a recall contact (no office or patientId); nothing was sent`));
      const keyless = items.filter((i) => !i.key).length;
      if (keyless) await refuse(new Error(`${keyless} contacts have no idempotency key: put idempotency-gate (reserve) before the CRM sink; nothing was sent`));
      const earlier = await this.earlierInWindow(items);
      if (items.length + earlier > settings.maxPerRun) {
        const released = ctx.ledger ? await ctx.ledger.release(items.map((i) => i.key), { runId: ctx.runId }) : undefined;
        throw new BlastGuardError(items.length, settings.maxPerRun, released, earlier, hoursText(settings.guardWindowMs ?? 0));
      }
      if (items.length) {
        const url = presetUrl(ctx.endpoint);
        try {
          if (!url) throw new Error('CRM endpoint: no URL set (CRM_WEBHOOK_URL)');
          if (ctx.endpoint.preset === 'gohighlevel' && !ctx.endpoint.locationId) throw new Error('CRM endpoint: GoHighLevel needs its Location ID (the sub-account id); nothing was sent');
          checkCrmUrl(url, ctx.endpoint.allowPlainHttp, 'CRM endpoint URL');
          if (ctx.endpoint.signingSecret) signingKey(ctx.endpoint.signingSecret);
        } catch (err) {
          await refuse(err as Error);
        }
      }
    } else if (bad >= 0) {
      throw new Error(`msg.payload[${bad}] is not a recall contact (no office or patientId)`);
    }

    const plan = planRequests(items, ctx.endpoint, settings.batchSize);
    // not the contact's fault and not the CRM's: never `failed`, released with the reason
    for (const r of plan.unsendable) this.add(r.item, { outcome: 'retry', attempts: 0, error: r.error });
    this.unsendable = plan.unsendable.length;

    if (settings.dryRun) {
      const key = ctx.endpoint.signingSecret ? signingKey(ctx.endpoint.signingSecret) : undefined;
      for (const req of plan.requests) {
        const request = this.describe(req, key);
        for (const it of req.items) this.add(it, { outcome: 'dry-run', attempts: 0, request });
      }
      const out = this.output(undefined);
      // the same count the blast guard checks outside dry-run
      const earlier = await this.earlierInWindow(items, ctx.forecastLedger).catch(() => 0);
      out.summary.liveRun = liveRunForecast(items.length, settings.maxPerRun, earlier, hoursText(settings.guardWindowMs ?? 0));
      return out;
    }

    const key = ctx.endpoint.signingSecret ? signingKey(ctx.endpoint.signingSecret) : undefined;
    const cp = ctx.checkpoint
      ? new Checkpoint({
          ledger: ctx.checkpoint.ledger,
          runId: ctx.runId,
          every: ctx.checkpoint.every ?? CHECKPOINT_EVERY,
          inFlightMax: ctx.limiter.concurrency,
          maxWaitMs: ctx.checkpoint.maxWaitMs ?? CHECKPOINT_MS,
          onFault: ctx.checkpoint.onFault ?? ctx.onWarning,
        })
      : undefined;
    this.checkpoint = cp;
    this.delivery = new Delivery(plan.requests, {
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
    const renewer = this.startRenewing(plan.requests.flatMap((r) => r.items.map((i) => i.key)));
    try {
      const outcomes = await this.delivery.run();
      for (const o of outcomes) for (const it of o.request.items) this.add(it, perContact(o, it));
    } catch (err) {
      cp?.stop();
      throw err;
    } finally {
      renewer.stop();
    }
    // at a stop the close handler commits everything; otherwise write the rest before the output
    if (cp && !ctx.signal?.aborted) await cp.flush();
    cp?.stop();
    return this.output(renewer.count);
  }

  /**
   * Messages already sent (or in flight in other runs) within the guard window, for the
   * office of this batch with the most of them. Without a ledger that can tell, 0.
   */
  private async earlierInWindow(items: readonly Item[], ledger: Pick<SinkLedger, 'sentSince'> | undefined = this.ctx.ledger): Promise<number> {
    const { runId } = this.ctx;
    const windowMs = this.settings.guardWindowMs ?? 0;
    if (!windowMs || !ledger?.sentSince || !items.length) return 0;
    const since = new Date(this.now() - windowMs).toISOString();
    const offices = [...new Set(items.map((i) => i.payload.office))];
    let most = 0;
    for (const office of offices) most = Math.max(most, await ledger.sentSince(office, since, { runId }));
    return most;
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
    const count = (o: string) => this.done.filter((d) => d.r.outcome === o).length;
    const stats = this.delivery?.stats;
    const summary: RunSummary = {
      dryRun: this.settings.dryRun,
      preset: this.ctx.endpoint.preset,
      endpoint: safeUrl(this.ctx.endpoint.url),
      contacts: this.done.length,
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
    // input order, for people reading the debug sidebar
    const results = [...this.done].sort((a, b) => a.at - b.at).map((d) => d.r);
    return { results, summary };
  }

  private add(item: Item, r: Omit<DeliveryResult, 'key' | 'patientId'>): void {
    this.done.push({ at: this.position.get(item) ?? 0, r: { key: item.key, patientId: item.patientId, ...r } });
  }
}

function hoursText(ms: number): string {
  const h = ms / 3_600_000;
  return h === 1 ? 'hour' : `${h} hours`;
}

const NOT_PLAIN = Symbol('not plain JSON data');

/** A copy of plain JSON data (what JSON.parse would build), else NOT_PLAIN. */
function plainCopy(v: unknown, depth: number): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return !Number.isFinite(v) ? NOT_PLAIN : v === 0 ? 0 : v; // -0 reads back as 0
  if (typeof v !== 'object' || depth > 32) return NOT_PLAIN;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return NOT_PLAIN;
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) return NOT_PLAIN;
      const c = plainCopy(v[i], depth + 1);
      if (c === NOT_PLAIN) return NOT_PLAIN;
      out.push(c);
    }
    return out;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype || 'toJSON' in v) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    if (k === '__proto__') return NOT_PLAIN;
    const c = plainCopy((v as Record<string, unknown>)[k], depth + 1);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    out[k] = c;
  }
  return out;
}

/**
 * JSON.parse(JSON.stringify(v)) without the text: a dry-run describes 70k requests
 * per 100k rows. Anything not plain JSON data (undefined, Date, NaN, ...) takes the
 * round trip, so the result is the same either way.
 */
export function jsonCopy(v: unknown): unknown {
  const c = plainCopy(v, 0);
  return c === NOT_PLAIN ? JSON.parse(JSON.stringify(v)) : c;
}

/** True when `v` is plain JSON data that reads back unchanged (what plainCopy copies as is). */
function isPlain(v: unknown, depth: number): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (typeof v !== 'object' || depth > 32) return false;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return false;
    for (let i = 0; i < v.length; i++) if (!(i in v) || !isPlain(v[i], depth + 1)) return false;
    return true;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype || 'toJSON' in v) return false;
  for (const k of Object.keys(v)) if (k === '__proto__' || !isPlain((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/** `v` itself when it is plain JSON data, else what JSON would make of it (jsonCopy). */
export function jsonView(v: unknown): unknown {
  return isPlain(v, 0) ? v : JSON.parse(JSON.stringify(v));
}

/**
 * The channels the CRM must be told not to use: those consent dropped with a reason,
 * and any other that is off although the patient has the address (fail safe). A channel
 * off for want of an address says nothing about consent and is left alone.
 */
export function blockedChannels(c: RecallContact): Item['blocked'] {
  const out: Item['blocked'] = [];
  for (const channel of ['sms', 'voice', 'email'] as Channel[]) {
    if (c.channels?.[channel] === true) continue;
    const reason = c.channelReasons?.[channel];
    const hasAddress = channel === 'email' ? !!c.email : !!c.phone;
    if (reason || hasAddress) out.push({ channel, reason: reason ?? 'not consented' });
  }
  return out;
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
