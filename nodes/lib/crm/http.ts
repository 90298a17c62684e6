// The one place that talks HTTP: axios with keep-alive agents (one TLS handshake per
// socket, not per contact), no redirects (PHI must not follow a 3xx elsewhere), and
// every status handed back rather than thrown.
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
    headers: opts.userAgent ? { 'User-Agent': opts.userAgent } : {},
  });
  return {
    async post(url, headers, body, { timeoutMs, signal }) {
      try {
        const res = await ax.post(url, body, { headers, timeout: timeoutMs, signal });
        return {
          status: res.status,
          statusText: res.statusText ?? '',
          header: headerGetter(res.headers as Record<string, unknown>),
          body: typeof res.data === 'string' ? res.data : '',
        };
      } catch (err) {
        const e = err as { code?: string; message?: string };
        const aborted = signal?.aborted === true || e.code === 'ERR_CANCELED';
        const timedOut = !aborted && (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT');
        const what = aborted ? 'stopped during the request' : timedOut ? `no answer within ${timeoutMs} ms` : e.message || 'network error';
        throw new NetworkError(what + (e.code && !aborted ? ` (${e.code})` : ''), e.code, aborted, timedOut);
      }
    },
    destroy() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
