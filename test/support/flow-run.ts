// Driving the shipped default flow in a real runtime: drop export files the way
// an office does, and read the run summary the flow keeps (its recall-summary
// node's context, what the editor's Context Data sidebar shows).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StartedRuntime } from './runtime';

/** The run summary node of examples/default-recall-flow.json. */
export const SUMMARY_NODE = 'summary';

export interface RunSummaryView {
  runId: string;
  office: string;
  source: string;
  file?: string;
  dryRun: boolean;
  ok: boolean;
  error?: string;
  counts: Record<string, number>;
  leftOut: Record<string, number>;
  channelsDropped: Record<string, number>;
  delivery: { delivered: number; failed: number; retry: number; 'dry-run': number };
  text: string;
}

/** The last run summary, or undefined before the first run. */
export async function lastRun(red: StartedRuntime): Promise<RunSummaryView | undefined> {
  const ctx = await red.api<Record<string, Record<string, { msg: string; format: string }>>>('GET', `/context/node/${SUMMARY_NODE}`);
  for (const store of Object.values(ctx ?? {})) {
    if (store.lastRun) return JSON.parse(store.lastRun.msg) as RunSummaryView;
  }
  return undefined;
}

/**
 * Waits for a new run summary (its run id not in `seen`) about a file whose name
 * matches `file`, or any failed run. A failed run throws unless `allowFail`.
 */
export async function waitForRun(
  red: StartedRuntime,
  file: string | RegExp | ((run: RunSummaryView) => boolean),
  seen: Set<string>,
  opts: { allowFail?: boolean; timeoutMs?: number } = {},
): Promise<RunSummaryView> {
  const until = Date.now() + (opts.timeoutMs ?? 60_000);
  const matches = (name: string | undefined, run: RunSummaryView) =>
    typeof file === 'function' ? file(run) : typeof file === 'string' ? name === file : !!name && file.test(name);
  for (;;) {
    const run = await lastRun(red);
    if (run && !seen.has(run.runId) && (matches(run.file, run) || !run.ok)) {
      seen.add(run.runId);
      if (!run.ok && !opts.allowFail) throw new Error(`the run failed: ${run.text}\n${red.output().slice(-3000)}`);
      return run;
    }
    if (Date.now() > until) throw new Error(`no run summary for ${file}; last: ${run?.text}\n${red.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Puts a file into the watched folder in one step (written beside it, then renamed in). */
export function dropFile(watchDir: string, name: string, content: string | Buffer): string {
  const staging = path.join(path.dirname(watchDir), `.staging-${path.basename(watchDir)}`);
  fs.mkdirSync(staging, { recursive: true });
  const tmp = path.join(staging, name);
  fs.writeFileSync(tmp, content);
  const target = path.join(watchDir, name);
  fs.renameSync(tmp, target);
  return target;
}
