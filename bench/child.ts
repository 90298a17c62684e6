// One benchmark phase in its own process: `node dist/bench/child.js <case> <prepare|run> <repeat>`.
// Reports its result and this process's peak RSS to the parent over IPC.
import { CASES } from './cases';
import { NotMeasured, type CaseContext } from './support/case';

export interface ChildMessage {
  ok: boolean;
  figures?: Record<string, number>;
  notes?: string[];
  notMeasured?: string;
  error?: string;
}

async function main(): Promise<void> {
  const [name, phase, repeat] = process.argv.slice(2);
  const bench = CASES.find((c) => c.name === name);
  if (!bench) throw new Error(`no benchmark named ${name}`);
  const ctx: CaseContext = {
    quick: process.env.BENCH_QUICK === '1',
    repeat: Number(repeat) || 0,
    workDir: process.env.BENCH_WORKDIR || require('node:os').tmpdir(),
    log: (text) => process.stderr.write(`[${name}] ${text}\n`),
  };
  let msg: ChildMessage;
  try {
    if (phase === 'prepare') {
      await bench.prepare?.(ctx);
      msg = { ok: true, figures: {} };
    } else {
      const result = await bench.run(ctx);
      // maxRSS is in kilobytes (getrusage ru_maxrss) for this process only.
      const maxRssMb = process.resourceUsage().maxRSS / 1024;
      msg = { ok: true, figures: { ...result.figures, maxRssMb }, notes: result.notes };
    }
  } catch (err) {
    msg = err instanceof NotMeasured
      ? { ok: false, notMeasured: err.message }
      : { ok: false, error: err instanceof Error ? err.stack || err.message : String(err) };
  }
  await new Promise<void>((resolve) => process.send!(msg, () => resolve()));
  // Node-RED runtimes, keep-alive sockets and timers may linger: the figures are in.
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${err?.stack || err}\n`);
  process.exit(2);
});
