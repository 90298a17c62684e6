// `npm run bench`: every benchmark in its own child processes (so peak RSS is its
// own), repeated for a median, then one table with the machine's Node version and
// core count. BENCH_QUICK=1: small sizes, one repeat (smoke run). BENCH_ONLY=a,b:
// only those benchmarks. BENCH_VERBOSE=1: children's output on the terminal.
// Figures, never assertions: a missed goal is a row in the table, not a failure.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CASES } from './cases';
import type { ChildMessage } from './child';
import type { BenchCase, Row } from './support/case';
import { DIST_BENCH, ROOT } from './support/paths';
import { fmt, median } from './support/stats';

const quick = process.env.BENCH_QUICK === '1';
const verbose = process.env.BENCH_VERBOSE === '1';
const only = (process.env.BENCH_ONLY || '').split(',').map((s) => s.trim()).filter(Boolean);

interface CaseOutcome {
  bench: BenchCase;
  runs: Record<string, number>[];
  notes: string[];
  notMeasured?: string;
}

function runChild(bench: BenchCase, phase: 'prepare' | 'run', repeat: number, workDir: string): Promise<ChildMessage> {
  const logFile = path.join(workDir, `${bench.name}-${phase}-${repeat}.log`);
  const out = verbose ? 'inherit' : fs.openSync(logFile, 'w');
  const child = fork(path.join(DIST_BENCH, 'child.js'), [bench.name, phase, String(repeat)], {
    cwd: ROOT,
    env: { ...process.env, BENCH_WORKDIR: workDir },
    stdio: ['ignore', out, out, 'ipc'],
  });
  const tail = () => (verbose ? '' : fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n'));
  return new Promise((resolve) => {
    let answer: ChildMessage | undefined;
    const timer = setTimeout(() => {
      answer = { ok: false, error: `timed out after ${bench.timeoutMs / 1000} s\n${tail()}` };
      child.kill('SIGKILL');
    }, bench.timeoutMs);
    child.on('message', (m) => (answer ??= m as ChildMessage));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (typeof out === 'number') fs.closeSync(out);
      resolve(answer ?? { ok: false, error: `child exited (${signal ?? code}) without a result\n${tail()}` });
    });
  });
}

async function runCase(bench: BenchCase, workDir: string): Promise<CaseOutcome> {
  const outcome: CaseOutcome = { bench, runs: [], notes: [] };
  const started = Date.now();
  if (bench.prepare) {
    const prep = await runChild(bench, 'prepare', 0, workDir);
    if (!prep.ok) return { ...outcome, notMeasured: prep.notMeasured ?? `prepare failed: ${firstLine(prep.error)}` };
  }
  const repeats = bench.repeats(quick);
  for (let i = 0; i < repeats; i++) {
    const res = await runChild(bench, 'run', i, workDir);
    if (!res.ok) {
      if (res.error) process.stderr.write(`[${bench.name}] run ${i + 1} failed:\n${res.error}\n`);
      return { ...outcome, notMeasured: res.notMeasured ?? `failed: ${firstLine(res.error)}` };
    }
    outcome.runs.push(res.figures ?? {});
    // notes describe sizes and settings: the first run's stand for all (counts vary by seed)
    if (i === 0) outcome.notes.push(...(res.notes ?? []));
    process.stderr.write(`[${bench.name}] run ${i + 1}/${repeats} done\n`);
  }
  process.stderr.write(`[${bench.name}] ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return outcome;
}

function firstLine(text = ''): string {
  return text.split('\n')[0].slice(0, 160);
}

function verdict(row: Row, value: number): string {
  if (!row.goal) return '';
  const { op, value: goal } = row.goal;
  const met = op === '>=' ? value >= goal : op === '<' ? value < goal : value <= goal;
  if (goal === 0) return met ? 'met' : `**missed** by ${fmt(value)}`;
  if (met) return value === 0 ? "met" : `met (${fmt(value / goal)}× the goal)`;
  const by = op === '>=' ? (goal - value) / goal : (value - goal) / goal;
  return `**missed** by ${fmt(by * 100)} % (${fmt(value / goal)}× the goal)`;
}

function table(outcomes: CaseOutcome[]): string {
  const lines = [
    '| Benchmark | Figure | Median | Runs (min–max) | Goal | Verdict |',
    '|---|---|---|---|---|---|',
  ];
  for (const { bench, runs, notMeasured } of outcomes) {
    const title = bench.title(quick);
    if (notMeasured) {
      lines.push(`| ${title} | — | not measured: ${notMeasured.replace(/\|/g, '/')} | | ${bench.rows.map((r) => r.goal?.text).filter(Boolean).join(', ') || '—'} | |`);
      continue;
    }
    bench.rows.forEach((row, i) => {
      const values = runs.map((r) => r[row.key]).filter((v) => typeof v === 'number' && Number.isFinite(v));
      const m = median(values);
      const range = values.length > 1 ? `${values.length} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})` : String(values.length);
      const shown = values.length ? `${fmt(m)}${row.unit === "×" ? "" : " "}${row.unit}`.trim() : 'no value';
      lines.push(`| ${i === 0 ? title : ''} | ${row.figure} | ${shown} | ${range} | ${row.goal?.text ?? '—'} | ${values.length ? verdict(row, m) : ''} |`);
    });
  }
  return lines.join('\n');
}

/** One line per goal: met or missed, with the median. */
function goalLines(outcomes: CaseOutcome[]): string[] {
  const lines: string[] = [];
  for (const { bench, runs, notMeasured } of outcomes) {
    for (const row of bench.rows) {
      if (!row.goal) continue;
      const what = `${bench.title(quick)}, ${row.figure}`;
      const values = runs.map((r) => r[row.key]).filter((v) => typeof v === 'number' && Number.isFinite(v));
      if (notMeasured || !values.length) {
        lines.push(`- ${what}: not measured (goal ${row.goal.text})`);
        continue;
      }
      const m = median(values);
      lines.push(`- ${what}: ${fmt(m)}${row.unit === '×' ? '×' : ` ${row.unit}`.trimEnd()}, goal ${row.goal.text}: ${verdict(row, m)}`);
    }
  }
  return lines;
}

/**
 * Replaces the "Latest run" section of docs/performance.md (up to the next "## " heading)
 * with this run's table and goal verdicts; the prose around it stays as written.
 */
function writeLatestRun(file: string, report: string, goals: string[]): void {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Performance\n';
  const section = [
    '## Latest run',
    '',
    '<!-- written by `npm run bench` (a full run, all benchmarks); edits here are replaced by the next run -->',
    '',
    report,
    '',
    'Goals, from the medians above:',
    '',
    ...goals,
    '',
  ].join('\n');
  const start = text.indexOf('## Latest run');
  if (start < 0) {
    fs.writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  const next = text.indexOf('\n## ', start + 1);
  fs.writeFileSync(file, text.slice(0, start) + section + (next < 0 ? '' : text.slice(next)));
}

async function main(): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-bench-'));
  const selected = CASES.filter((c) => only.length === 0 || only.includes(c.name));
  const redModule = process.env.NODE_RED_MODULE || 'node-red';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const redVersion: string = require(require.resolve(`${redModule}/package.json`, { paths: [ROOT] })).version;
  const cpus = os.cpus();
  const header = [
    `Node ${process.version} · Node-RED ${redVersion} · ${os.availableParallelism()} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}) · ` +
      `${fmt(os.totalmem() / 2 ** 30)} GiB RAM · load average ${os.loadavg()[0].toFixed(1)} at start · ${os.platform()} ${os.release()} · ${new Date().toISOString().slice(0, 16)}Z` +
      (quick ? ' · **BENCH_QUICK=1 (smoke sizes, not figures to quote)**' : ''),
  ];
  process.stderr.write(`${header[0]}\nwork dir ${workDir}\n`);
  const started = Date.now();
  const outcomes: CaseOutcome[] = [];
  for (const bench of selected) outcomes.push(await runCase(bench, workDir));

  const notes = outcomes.flatMap((o) => o.notes.map((n) => `- ${o.bench.title(quick)}: ${n}`));
  header[0] = header[0].replace(' at start', ` at start, ${os.loadavg()[0].toFixed(1)} at end`);
  const report = [
    ...header,
    '',
    table(outcomes),
    '',
    ...notes,
    `- Medians over the runs shown; each run is a fresh child process. Total bench time ${fmt((Date.now() - started) / 1000)} s.`,
  ].join('\n');
  process.stdout.write(`\n${report}\n`);
  fs.mkdirSync(DIST_BENCH, { recursive: true });
  fs.writeFileSync(path.join(DIST_BENCH, 'last-run.md'), `${report}\n`);
  fs.writeFileSync(path.join(DIST_BENCH, 'last-run.json'), JSON.stringify({ quick, header: header[0], outcomes: outcomes.map((o) => ({ name: o.bench.name, runs: o.runs, notes: o.notes, notMeasured: o.notMeasured })) }, null, 2));
  // the page the README links to shows a full run only: not smoke sizes, not a BENCH_ONLY subset
  if (!quick && only.length === 0) {
    writeLatestRun(path.join(ROOT, 'docs', 'performance.md'), report, goalLines(outcomes));
    process.stderr.write('written to docs/performance.md (section "Latest run")\n');
  }
  if (process.env.BENCH_KEEP !== '1') fs.rmSync(workDir, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`${err?.stack || err}\n`);
  process.exit(1);
});
