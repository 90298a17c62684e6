// The editor's comms websocket (/comms): what the debug sidebar and node status
// show, read by a test the way the editor reads it.
import WebSocket = require('ws');

export interface DebugMessage {
  /** id of the debug node */
  id: string;
  name?: string;
  /** the shown property, serialized by Node-RED (JSON text for objects and arrays) */
  msg: string;
  format: string;
  property?: string;
  topic?: string;
}

export interface StatusEvent { id: string; text?: string; fill?: string; shape?: string }

export interface Comms {
  debug: DebugMessage[];
  status: Map<string, StatusEvent>;
  /** resolves with the first debug message (past or future) that matches */
  waitForDebug(match: (m: DebugMessage) => boolean, what: string, timeoutMs?: number): Promise<DebugMessage>;
  close(): void;
}

/** `token`: the admin API's bearer token when the runtime asks for a login. */
export async function connectComms(baseUrl: string, token?: string): Promise<Comms> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/comms`);
  const debug: DebugMessage[] = [];
  const status = new Map<string, StatusEvent>();
  const waiters: { match: (m: DebugMessage) => boolean; resolve: (m: DebugMessage) => void }[] = [];
  ws.on('message', (data) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(data));
    } catch {
      return;
    }
    for (const item of (Array.isArray(parsed) ? parsed : [parsed]) as { topic: string; data: any }[]) {
      if (item.topic === 'debug') {
        debug.push(item.data);
        for (const w of [...waiters]) {
          if (w.match(item.data)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(item.data);
          }
        }
      } else if (item.topic?.startsWith('status/')) {
        status.set(item.topic.slice(7), { id: item.topic.slice(7), ...(item.data ?? {}) });
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  if (token) {
    // Node-RED answers {auth:"ok"} before it accepts subscriptions from a logged-in client
    const authed = new Promise<void>((resolve, reject) => {
      const onMessage = (data: WebSocket.RawData) => {
        const text = String(data);
        if (text.includes('"auth"')) {
          ws.off('message', onMessage);
          if (text.includes('"ok"')) resolve();
          else reject(new Error(`/comms login refused: ${text}`));
        }
      };
      ws.on('message', onMessage);
    });
    ws.send(JSON.stringify({ auth: token }));
    await authed;
  }
  ws.send(JSON.stringify({ subscribe: 'debug' }));
  ws.send(JSON.stringify({ subscribe: 'status/#' }));
  return {
    debug,
    status,
    waitForDebug(match, what, timeoutMs = 60_000) {
      const seen = debug.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no debug message for ${what}; saw: ${debug.map((d) => d.name ?? d.id).join(', ') || 'none'}`));
        }, timeoutMs);
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    close: () => ws.close(),
  };
}
