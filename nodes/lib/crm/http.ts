// The one place that talks HTTP: axios with keep-alive agents (one TLS handshake per
// socket, not per contact), no redirects (PHI must not follow a 3xx elsewhere), and
// every status handed back rather than thrown. The timeout is a deadline for the whole
// exchange (axios's own `timeout` is a socket idle timer: a server trickling a byte a
// second would hold a request for ever), and an answer larger than 1 MiB is cut off.
import * as http from 'node:http';
import * as https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
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
  const ax: AxiosInstance = axios.create({
    httpAgent,
    httpsAgent,
    maxRedirects: 0,
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxContentLength: MAX_RESPONSE_BYTES,
    headers: opts.userAgent ? { 'User-Agent': opts.userAgent } : {},
  });
  return {
    async post(url, headers, body, { timeoutMs, signal }) {
      const deadline = new AbortController();
      let timedOutByDeadline = false;
      const timer = setTimeout(() => {
        timedOutByDeadline = true;
        deadline.abort();
      }, timeoutMs);
      const onAbort = () => deadline.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) deadline.abort();
      try {
        const res = await ax.post(url, body, { headers, signal: deadline.signal });
        return {
          status: res.status,
          statusText: res.statusText ?? '',
          header: headerGetter(res.headers as Record<string, unknown>),
          body: typeof res.data === 'string' ? res.data : '',
        };
      } catch (err) {
        const e = err as { code?: string; message?: string };
        const aborted = signal?.aborted === true || (e.code === 'ERR_CANCELED' && !timedOutByDeadline);
        const timedOut = !aborted && (timedOutByDeadline || e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT');
        const tooLarge = /maxContentLength/.test(e.message ?? '');
        const what = aborted
          ? 'stopped during the request'
          : timedOut
            ? `no complete answer within ${timeoutMs} ms`
            : tooLarge
              ? `answer larger than ${MAX_RESPONSE_BYTES} bytes, not read`
              : e.message || 'network error';
        const code = timedOut ? 'ETIMEDOUT' : tooLarge ? 'ERESPONSETOOLARGE' : e.code;
        throw new NetworkError(what + (code && !aborted ? ` (${code})` : ''), code, aborted, timedOut);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
    },
    destroy() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
