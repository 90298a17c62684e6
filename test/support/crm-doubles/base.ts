// Shared plumbing of the CRM doubles: a real HTTP server on 127.0.0.1, JSON in and out,
// a bearer token, a sliding request window and a daily quota counted as the vendor does.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Limits {
  /** requests per window (the vendor's burst limit) */
  max: number;
  windowMs: number;
  /** requests per day */
  daily: number;
}

export interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  json: unknown;
  status: number;
  at: number;
}

export abstract class Double {
  readonly seen: Seen[] = [];
  /** arrival times of counted requests (the window) */
  private readonly window: number[] = [];
  dailyUsed = 0;
  /** most requests the window held at once (the rate actually reached) */
  peakInWindow = 0;
  private server!: http.Server;
  private readonly sockets = new Set<Socket>();
  url = '';

  constructor(readonly token: string, readonly limits: Limits) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.receive(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** The vendor's answer to one authorized request within its limits. */
  protected abstract route(method: string, path: string, json: unknown, headers: Record<string, string>): Answer;
  /** Rate-limit headers on every answer, in the vendor's names. */
  protected abstract rateHeaders(remaining: number, dailyRemaining: number): Record<string, string>;
  /** The vendor's 429: `daily` when the daily quota is spent. */
  protected abstract tooMany(daily: boolean): Answer;
  /** The vendor's answer to a missing or wrong token. */
  protected abstract unauthorized(): Answer;

  private receive(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        json = undefined;
      }
      const now = Date.now();
      while (this.window.length && this.window[0] <= now - this.limits.windowMs) this.window.shift();
      let answer: Answer;
      if (headers.authorization !== `Bearer ${this.token}`) answer = this.unauthorized();
      else if (this.dailyUsed >= this.limits.daily) answer = this.tooMany(true);
      else if (this.window.length >= this.limits.max) answer = this.tooMany(false);
      else {
        this.window.push(now);
        this.dailyUsed++;
        this.peakInWindow = Math.max(this.peakInWindow, this.window.length);
        answer = this.route(req.method ?? '', req.url ?? '', json, headers);
      }
      const remaining = Math.max(0, this.limits.max - this.window.length);
      const dailyRemaining = Math.max(0, this.limits.daily - this.dailyUsed);
      this.seen.push({ method: req.method ?? '', path: req.url ?? '', headers, json, status: answer.status, at: now });
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...this.rateHeaders(remaining, dailyRemaining), ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  }

  /** Answers with this status, counted. */
  count(status: number): number {
    return this.seen.filter((s) => s.status === status).length;
  }
}
