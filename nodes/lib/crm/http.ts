// The one place that talks HTTP: node:http(s) with keep-alive agents (one TLS
// handshake per socket, not per contact), no redirects (PHI must not follow a 3xx
// elsewhere), and every status handed back rather than thrown. Plain node:http, not
// axios: axios's per-request config merging, interceptors and listeners cost about
// as much CPU as the rest of a delivery (profiled at 32 requests in flight).
import * as http from 'node:http';
import * as https from 'node:https';
import { headerGetter, type HeaderGetter } from './retry';

export interface HttpAnswer {
  status: number;
  statusText: string;
  header: HeaderGetter;
  body: string;
}

/** A failed exchange without an HTTP answer (reset, refused, timeout, abort). */
export class NetworkError extends Error {
  constructor(message: string, readonly code: string | undefined, readonly aborted: boolean, readonly timedOut: boolean) {
    super(message);
    this.name = 'NetworkError';
  }
}

export interface HttpClient {
  post(url: string, headers: Record<string, string>, body: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<HttpAnswer>;
  /** closes idle keep-alive sockets */
  destroy(): void;
}

export function createHttpClient(opts: { maxSockets?: number; userAgent?: string } = {}): HttpClient {
  const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 16 };
  const httpAgent = new http.Agent(agentOpts);
  const httpsAgent = new https.Agent(agentOpts);
  return {
    post(url, headers, body, { timeoutMs, signal }) {
      const data = Buffer.from(body, 'utf8');
      const all: Record<string, string | number> = { ...headers, 'Content-Length': data.length };
      if (opts.userAgent && !hasHeader(headers, 'user-agent')) all['User-Agent'] = opts.userAgent;
      return new Promise<HttpAnswer>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        let settled = false;
        const fail = (err: NodeJS.ErrnoException) => {
          if (settled) return;
          settled = true;
          if (timer) clearTimeout(timer);
          const aborted = signal?.aborted === true;
          const timedOut = !aborted && err.code === 'ETIMEDOUT';
          const what = aborted ? 'stopped during the request' : timedOut ? `no answer within ${timeoutMs} ms` : err.message || 'network error';
          reject(new NetworkError(what + (err.code && !aborted ? ` (${err.code})` : ''), aborted ? 'ERR_CANCELED' : err.code, aborted, timedOut));
        };
        let target: URL;
        let req: http.ClientRequest;
        try {
          target = new URL(url);
          if (target.protocol !== 'https:' && target.protocol !== 'http:') throw Object.assign(new Error(`not an http(s) URL: ${target.protocol}`), { code: 'ERR_INVALID_URL' });
        } catch (err) {
          fail(Object.assign(err as NodeJS.ErrnoException, { code: (err as NodeJS.ErrnoException).code ?? 'ERR_INVALID_URL' }));
          return;
        }
        const secure = target.protocol === 'https:';
        try {
          // no redirect is ever followed: a 3xx comes back as an answer (PHI must not go elsewhere)
          req = (secure ? https : http).request(target, { method: 'POST', agent: secure ? httpsAgent : httpAgent, headers: all, signal }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', fail);
            res.on('end', () => {
              if (settled) return;
              settled = true;
              if (timer) clearTimeout(timer);
              resolve({
                status: res.statusCode ?? 0,
                statusText: res.statusMessage ?? '',
                header: headerGetter(res.headers as Record<string, unknown>),
                body: Buffer.concat(chunks).toString('utf8'),
              });
            });
          });
        } catch (err) {
          // a header value Node refuses (ERR_INVALID_CHAR...): not retryable, names the cause
          fail(Object.assign(err as NodeJS.ErrnoException, { code: 'ERR_BAD_OPTION' }));
          return;
        }
        req.on('error', fail);
        // the whole exchange, connect to last byte of the answer
        timer = setTimeout(() => {
          const err: NodeJS.ErrnoException = new Error(`no answer within ${timeoutMs} ms`);
          err.code = 'ETIMEDOUT';
          fail(err);
          req.destroy(err);
        }, timeoutMs);
        req.end(data);
      });
    },
    destroy() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}
