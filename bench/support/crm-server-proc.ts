// The CRM test server (test/support/crm-server.ts, shared with the CRM sink's tests)
// in its own process, as a remote CRM does not share the sink's CPU. Forked with its
// options as JSON in argv[2]; answers 'stats', 'reset', 'close' over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { CrmServer, type CrmServerOptions } from '../../test/support/crm-server';

export interface CrmStats {
  requests: number;
  /** 2xx answers */
  accepted: number;
  http429: number;
  /** distinct contacts (contactKey|segment|dueDate) in accepted bodies */
  contacts: number;
  /** accepted contacts seen more than once */
  duplicates: number;
  /** epoch ms of the first and last request that arrived */
  firstAt: number;
  lastAt: number;
}

interface Request {
  id: number;
  op: 'stats' | 'reset' | 'close';
}

interface Contact {
  contactKey?: string;
  segment?: string;
  dueDate?: string | null;
}

function stats(srv: CrmServer, from: number): CrmStats {
  const reqs = srv.requests.slice(from);
  const keys = new Set<string>();
  let duplicates = 0;
  let accepted = 0;
  for (const r of reqs) {
    if (typeof r.answer !== 'number' || r.answer < 200 || r.answer >= 300) continue;
    accepted++;
    const body = r.json as Contact | Contact[] | { inputs?: Contact[] };
    const list = Array.isArray(body) ? body : 'inputs' in body && Array.isArray(body.inputs) ? body.inputs : [body as Contact];
    for (const c of list) {
      const id = `${c.contactKey}|${c.segment}|${c.dueDate}`;
      if (keys.has(id)) duplicates++;
      else keys.add(id);
    }
  }
  return {
    requests: reqs.length,
    accepted,
    http429: reqs.filter((r) => r.answer === 429).length,
    contacts: keys.size,
    duplicates,
    firstAt: reqs[0]?.receivedAt ?? 0,
    lastAt: reqs[reqs.length - 1]?.receivedAt ?? 0,
  };
}

if (require.main === module) {
  CrmServer.start(JSON.parse(process.argv[2]) as CrmServerOptions).then((srv) => {
    let from = 0;
    process.send!({ url: `${srv.url}/recall` });
    process.on('message', async (m: Request) => {
      if (m.op === 'stats') process.send!({ id: m.id, stats: stats(srv, from) });
      if (m.op === 'reset') {
        from = srv.requests.length;
        process.send!({ id: m.id });
      }
      if (m.op === 'close') {
        await srv.close();
        process.send!({ id: m.id }, () => process.exit(0));
      }
    });
    process.on('disconnect', () => process.exit(0));
  });
}

export interface RemoteCrm {
  url: string;
  stats(): Promise<CrmStats>;
  /** later stats count only requests from now on */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the CRM test server in a child process. */
export function spawnCrmServer(opts: CrmServerOptions): Promise<RemoteCrm> {
  const child: ChildProcess = fork(__filename, [JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 0;
  const call = <T>(op: Request['op']): Promise<T> =>
    new Promise((resolve) => {
      const id = ++next;
      const on = (m: { id?: number } & T) => {
        if (m.id !== id) return;
        child.off('message', on);
        resolve(m);
      };
      child.on('message', on);
      child.send({ id, op });
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (m: { url: string }) =>
      resolve({
        url: m.url,
        stats: async () => (await call<{ stats: CrmStats }>('stats')).stats,
        reset: async () => void (await call('reset')),
        close: async () => {
          if (child.exitCode !== null) return;
          const exited = new Promise((r) => child.once('exit', r));
          await call('close');
          await exited;
        },
      }),
    );
  });
}
