// `npm run bench` as a smoke run (BENCH_QUICK=1: small sizes, one repeat): every
// benchmark runs in its own child process and reports a figure. No figure is
// compared with a goal here: speed is the bench's to print, not a test's to assert.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CASES } from '../bench/cases';
import { ROOT } from './support/paths';

interface LastRun {
  quick: boolean;
  outcomes: { name: string; runs: Record<string, number>[]; notMeasured?: string }[];
}

describe('npm run bench (BENCH_QUICK=1 smoke run)', function () {
  this.timeout(15 * 60_000);
  let stdout = '';
  let stderr = '';
  let code: number | null = null;

  before(async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bench', 'run.js')], {
      cwd: ROOT,
      env: { ...process.env, BENCH_QUICK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  });

  it('exits 0', () => {
    assert.equal(code, 0, stderr.slice(-3000));
  });

  it('prints the machine: Node version, Node-RED version and core count', () => {
    const major = process.env.NODE_RED_MODULE === 'node-red-5' ? 5 : 4;
    assert.match(stdout, new RegExp(`Node ${process.version.replace(/\./g, '\\.')} · Node-RED ${major}\\.\\d+\\.\\d+ · \\d+ cores`));
    assert.match(stdout, /BENCH_QUICK=1/);
  });

  it('has a row for every benchmark, each measured (no "not measured", no failure)', () => {
    for (const bench of CASES) {
      const title = bench.title(true);
      const row = stdout.split('\n').find((line) => line.startsWith(`| ${title} |`));
      assert.ok(row, `a row for "${title}" in:\n${stdout}`);
      assert.doesNotMatch(row, /not measured/, `${bench.name}: ${row}\n${stderr.slice(-3000)}`);
    }
  });

  it('gives every figure a number and every goal a verdict', () => {
    const rows = stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Benchmark') && !l.startsWith('|---'));
    const expected = CASES.reduce((n, c) => n + c.rows.length, 0);
    assert.equal(rows.length, expected, stdout);
    for (const row of rows) {
      const [, , , median, , goal, verdict] = row.split('|').map((c) => c.trim());
      assert.match(median, /^-?[\d,.]+/, `a number in: ${row}`);
      if (goal !== '—') assert.match(verdict, /^(met|\*\*missed\*\*)/, `a verdict in: ${row}`);
    }
  });

  it('writes the same run as JSON, one run per benchmark', () => {
    const last = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'bench', 'last-run.json'), 'utf8')) as LastRun;
    assert.equal(last.quick, true);
    assert.deepEqual(last.outcomes.map((o) => o.name), CASES.map((c) => c.name));
    for (const o of last.outcomes) {
      assert.equal(o.notMeasured, undefined, o.name);
      assert.equal(o.runs.length, 1, o.name);
      assert.ok(o.runs[0].maxRssMb > 0, `${o.name} reports its child's peak RSS`);
    }
  });
});
