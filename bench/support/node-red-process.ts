// Starts Node-RED the way `npm start` does (flows/settings.js, a given user dir) and
// measures the time until it has "Started flows" and its admin API answers
// (test/support/runtime.ts's launchNodeRed, the one start loop).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './paths';
import { freePort, launchNodeRed } from '../../test/support/runtime';

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
  const script = require.resolve(`${process.env.NODE_RED_MODULE || 'node-red'}/red.js`, { paths: [ROOT] });
  const t0 = performance.now();
  const red = await launchNodeRed(script, ['--settings', path.join(ROOT, 'flows', 'settings.js'), '--userDir', userDir], {
    port,
    cwd: ROOT,
    env: { ...process.env, NODE_RED_CREDENTIAL_SECRET: 'bench-credential-secret', RECALL_USER_DIR: userDir, ...env, PORT: String(port) },
    timeoutMs,
    pollMs: 10,
  });
  try {
    return { readyMs: performance.now() - t0, peakRssMb: vmHwmMb(red.child.pid!), output: red.output() };
  } finally {
    await red.stop();
  }
}
