// Starts Node-RED the way `npm start` does (flows/settings.js, a given user dir) and
// measures the time until it has "Started flows" and its admin API answers.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './paths';
import { freePort } from '../../test/support/runtime';

export { freePort };

export interface StartTiming {
  /** ms from spawn to "Started flows" printed and GET /flows answering 200 */
  readyMs: number;
  /** the Node-RED process's peak RSS (VmHWM) when ready, MB */
  peakRssMb: number;
  output: string;
}

/** Peak resident set of a process (Linux /proc), MB; NaN elsewhere. */
function vmHwmMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export async function timeStart(userDir: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<StartTiming> {
  const port = await freePort();
  const red = require.resolve(`${process.env.NODE_RED_MODULE || 'node-red'}/red.js`, { paths: [ROOT] });
  const t0 = performance.now();
  const child = spawn(process.execPath, [red, '--settings', path.join(ROOT, 'flows', 'settings.js'), '--userDir', userDir], {
    cwd: ROOT,
    env: { ...process.env, NODE_RED_CREDENTIAL_SECRET: 'bench-credential-secret', RECALL_USER_DIR: userDir, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Node-RED exited with ${child.exitCode}:\n${out.slice(-2000)}`);
      if (out.includes('Started flows')) {
        const res = await fetch(`http://127.0.0.1:${port}/flows`, { headers: { Accept: 'application/json' } }).catch(() => null);
        if (res?.ok) {
          await res.arrayBuffer();
          return { readyMs: performance.now() - t0, peakRssMb: vmHwmMb(child.pid!), output: out };
        }
      }
      if (performance.now() - t0 > timeoutMs) throw new Error(`Node-RED did not start within ${timeoutMs} ms:\n${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await stop(child);
  }
}

function stop(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}
