// A real HTTP server on 127.0.0.1 playing the practice's CRM, for tests and benchmarks.
// It records every request, checks Standard Webhooks signatures on its own (no code
// shared with the sink), replays or refuses reused Idempotency-Keys, enforces a rate
// limit, and answers with faults on demand: statuses, Retry-After, slow answers,
// silence, connection resets.
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface CrmRequest {
  /** 1-based arrival order */
  seq: number;
  method: string;
  path: string;
  /** lower-case names */
  headers: Record<string, string>;
  body: string;
  /** parsed body (undefined when not JSON) */
  json: unknown;
  receivedAt: number;
  /** what the server did: an HTTP status, 'reset', 'hang', or 'client-gone' when the client left first */
  answer?: number | 'reset' | 'hang' | 'client-gone';
  /** the signature check, when the server has a signing secret */
  signatureValid?: boolean;
  /** same key and body as an earlier accepted request */
  replay?: boolean;
  /** the CRM took the contact in (2xx, or accepted and then the connection dropped) */
  processed?: boolean;
}

/** How to answer one request. */
export type Fault =
  | { status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number }
  | { reset: true; delayMs?: number }
  /** the CRM processes the request, then the connection drops before the answer (a duplicate in the making) */
  | { acceptThenReset: true }
  | { hang: true };

export interface CrmServerOptions {
  /** at most `limit` accepted requests in any `windowMs` (sliding); beyond it 429 with Retry-After */
  rateLimit?: { limit: number; windowMs: number; headers?: boolean };
  /** checks Standard Webhooks signatures with this secret (`whsec_<base64>` or raw); bad -> 401 */
  signingSecret?: string;
  /** a bearer token the server requires; wrong or missing -> 401 */
  token?: string;
  /** default delay before every answer */
  delayMs?: number;
  /** answers a reused Idempotency-Key with a different body with 422 (default true) */
  checkIdempotency?: boolean;
  /** decides the answer; undefined falls through to queued faults and the default 200 */
  handler?: (req: CrmRequest) => Fault | undefined;
}

/** Independent Standard Webhooks check: v1 HMAC-SHA256 over `id.timestamp.body`, 5 min tolerance. */
export function verifyStandardWebhook(secret: string, headers: Record<string, string>, body: string, nowSec = Date.now() / 1000): boolean {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sigs = headers['webhook-signature'];
  if (!id || !ts || !sigs) return false;
  if (!/^\d+$/.test(ts) || Math.abs(nowSec - Number(ts)) > 300) return false;
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
  return sigs.split(' ').some((s) => {
    const [version, b64] = s.split(',', 2);
    if (version !== 'v1' || !b64) return false;
    const got = Buffer.from(b64, 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

export class CrmServer {
  readonly requests: CrmRequest[] = [];
  /** most requests being answered at the same moment */
  maxInFlight = 0;
  inFlight = 0;
  private readonly queued: Fault[] = [];
  private readonly perKey = new Map<string, Fault[]>();
  private readonly matched: { when: (req: CrmRequest) => boolean; fault: Fault }[] = [];
  private readonly keys = new Map<string, string>();
  private readonly accepted: number[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<http.ServerResponse>();
  private constructor(private readonly server: http.Server, readonly url: string, private readonly opts: CrmServerOptions) {}

  static async start(opts: CrmServerOptions = {}): Promise<CrmServer> {
    let self: CrmServer | undefined;
    const server = http.createServer((req, res) => self!.handle(req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new CrmServer(server, `http://127.0.0.1:${port}`, opts);
    server.on('connection', (s) => {
      self!.sockets.add(s);
      s.on('close', () => self!.sockets.delete(s));
    });
    return self;
  }

  /** The next requests (any key) get these answers, in order. */
  enqueue(...faults: Fault[]): this {
    this.queued.push(...faults);
    return this;
  }

  /** The next request for which `when` holds gets this answer (once). */
  failWhen(when: (req: CrmRequest) => boolean, fault: Fault): this {
    this.matched.push({ when, fault });
    return this;
  }

  /** The next requests carrying this Idempotency-Key get these answers, in order. */
  failKey(key: string, ...faults: Fault[]): this {
    this.perKey.set(key, [...(this.perKey.get(key) ?? []), ...faults]);
    return this;
  }

  /** Requests answered 2xx. */
  get succeeded(): CrmRequest[] {
    return this.requests.filter((r) => typeof r.answer === 'number' && r.answer >= 200 && r.answer < 300);
  }

  /** How many 2xx answers each Idempotency-Key got (the duplicate count of a test). */
  deliveriesByKey(): Map<string, number> {
    const m = new Map<string, number>();
    for (const r of this.succeeded) {
      const k = r.headers['idempotency-key'] ?? '';
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  }

  /** Resolves once `n` requests have arrived. */
  async waitForRequests(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < n) {
      if (Date.now() > deadline) throw new Error(`CRM test server: ${this.requests.length} of ${n} requests arrived`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const rec: CrmRequest = { seq: this.requests.length + 1, method: req.method ?? '', path: req.url ?? '', headers, body, json, receivedAt: Date.now() };
      this.requests.push(rec);
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      let settled = false;
      const settle = () => {
        if (!settled) {
          settled = true;
          this.inFlight--;
        }
      };
      res.on('close', () => {
        if (!res.writableFinished && rec.answer === undefined) rec.answer = 'client-gone';
        this.hanging.delete(res);
        settle();
      });
      this.answer(rec, req, res, settle);
    });
  }

  private decide(rec: CrmRequest): Fault {
    const custom = this.opts.handler?.(rec);
    if (custom) return custom;
    const key = rec.headers['idempotency-key'];
    const m = this.matched.findIndex((x) => x.when(rec));
    if (m >= 0) return this.matched.splice(m, 1)[0].fault;
    const forKey = key ? this.perKey.get(key) : undefined;
    if (forKey?.length) return forKey.shift()!;
    if (this.queued.length) return this.queued.shift()!;
    if (this.opts.token !== undefined && rec.headers.authorization !== `Bearer ${this.opts.token}`) return { status: 401, body: { error: 'bad token' } };
    if (this.opts.signingSecret !== undefined) {
      rec.signatureValid = verifyStandardWebhook(this.opts.signingSecret, rec.headers, rec.body);
      if (!rec.signatureValid) return { status: 401, body: { error: 'bad signature' } };
    }
    const limited = this.rateLimited();
    if (limited) return limited;
    if (key && this.opts.checkIdempotency !== false) {
      const seen = this.keys.get(key);
      if (seen !== undefined && seen !== rec.body) return { status: 422, body: { error: 'Idempotency-Key reused with a different body' } };
      rec.replay = seen !== undefined;
      this.keys.set(key, rec.body);
    }
    return { status: 200, body: { ok: true } };
  }

  /** Sliding window over accepted requests; undefined = within the limit (and counted). */
  private rateLimited(): Fault | undefined {
    const rl = this.opts.rateLimit;
    if (!rl) return undefined;
    const now = Date.now();
    while (this.accepted.length && this.accepted[0] <= now - rl.windowMs) this.accepted.shift();
    const resetSec = () => Math.max(1, Math.ceil(((this.accepted[0] ?? now) + rl.windowMs - now) / 1000));
    if (this.accepted.length >= rl.limit) {
      const headers: Record<string, string> = { 'Retry-After': String(resetSec()) };
      if (rl.headers !== false) Object.assign(headers, { 'X-RateLimit-Limit': String(rl.limit), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(resetSec()) });
      return { status: 429, headers, body: { error: 'rate limited' } };
    }
    this.accepted.push(now);
    return undefined;
  }

  private rateHeaders(): Record<string, string> {
    const rl = this.opts.rateLimit;
    if (!rl || rl.headers === false) return {};
    const remaining = Math.max(0, rl.limit - this.accepted.length);
    const reset = Math.max(1, Math.ceil(((this.accepted[0] ?? Date.now()) + rl.windowMs - Date.now()) / 1000));
    return { 'X-RateLimit-Limit': String(rl.limit), 'X-RateLimit-Remaining': String(remaining), 'X-RateLimit-Reset': String(reset) };
  }

  private answer(rec: CrmRequest, req: http.IncomingMessage, res: http.ServerResponse, settle: () => void): void {
    const fault = this.decide(rec);
    if ('acceptThenReset' in fault) {
      rec.answer = 'reset';
      rec.processed = true;
      settle();
      req.socket.destroy();
      return;
    }
    if ('hang' in fault) {
      rec.answer = 'hang';
      this.hanging.add(res);
      return;
    }
    // a 2xx is processed on receipt, even if the client gives up before the answer
    if ('status' in fault && fault.status >= 200 && fault.status < 300) rec.processed = true;
    const delay = fault.delayMs ?? this.opts.delayMs ?? 0;
    const go = () => {
      if (res.destroyed) return settle();
      if ('reset' in fault) {
        rec.answer = 'reset';
        settle();
        req.socket.destroy();
        return;
      }
      rec.answer = fault.status;
      const headers = { 'Content-Type': 'application/json', ...this.rateHeaders(), ...(fault.headers ?? {}) };
      res.writeHead(fault.status, headers);
      res.end(fault.body === undefined ? '' : JSON.stringify(fault.body));
      settle();
    };
    if (delay > 0) {
      const t = setTimeout(go, delay);
      res.on('close', () => clearTimeout(t));
    } else go();
  }
}
