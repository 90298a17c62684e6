// A real HTTP server on 127.0.0.1 playing the CRM's suppression feed:
// set `answer` per test (status + body, `hang` to never answer, `trickle` to answer
// one byte at a time forever, `redirect` to send the client elsewhere).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FeedAnswer {
  status?: number;
  body?: unknown;
  /** raw text instead of JSON */
  text?: string;
  /** never answer (timeout tests) */
  hang?: boolean;
  /** answer 200 and then one byte every 20 ms, never ending (deadline tests) */
  trickle?: boolean;
  /** answer this status (default 302) with `Location: redirect` */
  redirect?: string;
}

export interface FeedServer {
  url: string;
  answer: FeedAnswer;
  requests: { path: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function startFeedServer(): Promise<FeedServer> {
  const state: FeedServer = { url: '', answer: { status: 200, body: [] }, requests: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    state.requests.push({ path: req.url ?? '', headers: req.headers });
    const a = state.answer;
    if (a.hang) return; // the socket stays open until the client gives up or the server closes
    if (a.redirect !== undefined) {
      res.writeHead(a.status ?? 302, { Location: a.redirect });
      res.end();
      return;
    }
    if (a.trickle) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('[');
      const t = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(t));
      return;
    }
    const text = a.text ?? JSON.stringify(a.body ?? []);
    res.writeHead(a.status ?? 200, { 'Content-Type': a.text !== undefined ? 'text/plain' : 'application/json' });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/suppressions`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
