// The one place that talks HTTP: Node's own client with keep-alive agents (one TLS
// handshake per socket, not per contact), no redirects (PHI must not follow a 3xx
// elsewhere), and every status handed back rather than thrown. The timeout is a deadline
// for the whole exchange (a server trickling a byte a second cannot hold a request for
// ever), and an answer larger than 1 MiB is cut off. Node's client, not axios: at 32 in
// flight axios's per-request config merging was a third of the sink's CPU.
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

/** Largest CRM answer read (bytes): refusals and batch results are far smaller. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface HttpClient {
  post(url: string, headers: Record<string, string>, body: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<HttpAnswer>;
  /** closes idle keep-alive sockets */
  destroy(): void;
}

export function createHttpClient(opts: { maxSockets?: number; userAgent?: string } = {}): HttpClient {
  const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 16 };
  const httpAgent = new http.Agent(agentOpts);
  const httpsAgent = new https.Agent(agentOpts);
  const base: Record<string, string> = opts.userAgent ? { 'User-Agent': opts.userAgent } : {};
  return {
    post(url, headers, body, { timeoutMs, signal }) {
      return new Promise<HttpAnswer>((resolve, reject) => {
        let target: URL;
        try {
          target = new URL(url);
          if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`unsupported protocol ${target.protocol}`);
        } catch (err) {
          reject(new NetworkError((err as Error).message, 'ERR_INVALID_URL', false, false));
          return;
        }
        const secure = target.protocol === 'https:';
        const req = (secure ? https : http).request(target, {
          method: 'POST',
          agent: secure ? httpsAgent : httpAgent,
          headers: { Accept: 'application/json, text/plain, */*', ...base, ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        });
        let ended = false;
        const end = (err: NetworkError | undefined, answer?: HttpAnswer) => {
          if (ended) return;
          ended = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (err) {
            req.destroy();
            reject(err);
          } else resolve(answer!);
        };
        const fail = (what: string, code: string | undefined, aborted = false, timedOut = false) =>
          end(new NetworkError(what + (code && !aborted ? ` (${code})` : ''), code, aborted, timedOut));
        const timer = setTimeout(() => fail(`no complete answer within ${timeoutMs} ms`, 'ETIMEDOUT', false, true), timeoutMs);
        const onAbort = () => fail('stopped during the request', 'ERR_CANCELED', true);
        signal?.addEventListener('abort', onAbort, { once: true });
        // first: a request destroyed by an abort still emits its error
        req.on('error', (err: NodeJS.ErrnoException) => fail(err.message || 'network error', err.code));
        if (signal?.aborted) return onAbort();
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) fail(`answer larger than ${MAX_RESPONSE_BYTES} bytes, not read`, 'ERESPONSETOOLARGE');
            else chunks.push(chunk);
          });
          res.on('error', (err: NodeJS.ErrnoException) => fail(err.message || 'network error', err.code));
          // closed before its end (the server or the network cut it): no answer
          res.on('close', () => res.complete || fail('the answer was cut off', 'ECONNRESET'));
          res.on('end', () =>
            end(undefined, {
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? '',
              header: headerGetter(res.headers as Record<string, unknown>),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        });
        req.end(body);
      });
    },
    destroy() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
