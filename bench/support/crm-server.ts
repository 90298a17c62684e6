// The CRM for the sink benchmarks, on 127.0.0.1: answers every POST after `delayMs`,
// and with `limit` set allows at most `limit` accepted requests in any sliding
// `windowMs` (GoHighLevel: 100 per 10 s per location), answering 429 with
// Retry-After beyond it. Counts what it accepted per contact, so lost contacts show.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CrmServerOptions {
  delayMs: number;
  limit?: number;
  windowMs?: number;
}

export interface CrmServerStats {
  requests: number;
  accepted: number;
  http429: number;
  /** distinct contacts (contactKey|segment|dueDate) in accepted bodies */
  contacts: number;
  /** accepted contacts seen more than once */
  duplicates: number;
  /** epoch ms of the first and last request that arrived */
  firstAt: number;
  lastAt: number;
  /** the most accepted requests seen in any window (checks the server's own limit) */
  maxInWindow: number;
}

export interface CrmServer {
  url: string;
  stats(): CrmServerStats;
  reset(): void;
  close(): Promise<void>;
}

interface Contact {
  contactKey?: string;
  segment?: string;
  dueDate?: string | null;
}

export async function startCrmServer(opts: CrmServerOptions): Promise<CrmServer> {
  const windowMs = opts.windowMs ?? 10_000;
  let accepted: number[] = []; // arrival times of accepted requests in the current window
  let keys = new Set<string>();
  let s: CrmServerStats;
  const reset = () => {
    accepted = [];
    keys = new Set();
    s = { requests: 0, accepted: 0, http429: 0, contacts: 0, duplicates: 0, firstAt: 0, lastAt: 0, maxInWindow: 0 };
  };
  reset();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      s.requests++;
      if (!s.firstAt) s.firstAt = now;
      s.lastAt = now;
      const answer = (status: number, headers: Record<string, string>, body: string) =>
        setTimeout(() => {
          res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
          res.end(body);
        }, opts.delayMs);
      if (opts.limit) {
        while (accepted.length && accepted[0] <= now - windowMs) accepted.shift();
        if (accepted.length >= opts.limit) {
          s.http429++;
          const retryAfter = Math.max(1, Math.ceil((accepted[0] + windowMs - now) / 1000));
          return answer(429, { 'Retry-After': String(retryAfter) }, '{"error":"rate limit"}');
        }
        accepted.push(now);
        s.maxInWindow = Math.max(s.maxInWindow, accepted.length);
      }
      s.accepted++;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answer(400, {}, '{"error":"not JSON"}');
      }
      const list = (Array.isArray(body) ? body : (body as { inputs?: unknown[] }).inputs ?? [body]) as Contact[];
      for (const c of list) {
        const id = `${c.contactKey}|${c.segment}|${c.dueDate}`;
        if (keys.has(id)) s.duplicates++;
        else keys.add(id);
      }
      s.contacts = keys.size;
      answer(200, {}, '{"ok":true}');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/recall`,
    stats: () => ({ ...s }),
    reset,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
