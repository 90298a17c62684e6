// The bench CRM in its own process (a remote CRM does not share the sink's CPU):
// forked with the options as JSON in argv[2]; answers 'stats', 'reset', 'close' over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { startCrmServer, type CrmServerOptions, type CrmServerStats } from './crm-server';

interface Request {
  id: number;
  op: 'stats' | 'reset' | 'close';
}

if (require.main === module) {
  startCrmServer(JSON.parse(process.argv[2]) as CrmServerOptions).then((srv) => {
    process.send!({ url: srv.url });
    process.on('message', async (m: Request) => {
      if (m.op === 'stats') process.send!({ id: m.id, stats: srv.stats() });
      if (m.op === 'reset') {
        srv.reset();
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
  stats(): Promise<CrmServerStats>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the bench CRM in a child process. */
export function spawnCrmServer(opts: CrmServerOptions): Promise<RemoteCrm> {
  const child: ChildProcess = fork(path.join(__dirname, 'crm-server-proc.js'), [JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
        stats: async () => (await call<{ stats: CrmServerStats }>('stats')).stats,
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
