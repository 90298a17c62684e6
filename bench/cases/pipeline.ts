// The pipeline inside one Node-RED runtime (node-red-node-test-helper, the real
// runtime): recall-normalize -> consent-filter -> idempotency-gate (reserve) ->
// crm-webhook-out (dry-run) -> idempotency-gate (commit), configured as the shipped
// default flow configures them in dry-run, on 100k synthetic ODBC rows.
// Rows per second from handing the rows to normalize to the commit's output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RawRow } from '../../nodes/lib/types';
import { NotMeasured, quickOr, type BenchCase } from '../support/case';
import { AS_OF, odbcRows } from '../support/data';
import { loadPack } from '../support/load';

const TYPES = ['recall-ledger', 'crm-endpoint', 'recall-normalize', 'consent-filter', 'idempotency-gate', 'crm-webhook-out'];

function flow(ledgerFile: string): Record<string, unknown>[] {
  const z = 'f1';
  const at = { x: 100, y: 100 }; // nodes without x/y are taken for config nodes by the runtime
  return [
    { id: z, type: 'tab' },
    { id: 'ledger', type: 'recall-ledger', z, file: ledgerFile, secretEnv: '', busyTimeout: '10000' },
    { id: 'crm', type: 'crm-endpoint', z, preset: 'generic', url: '', allowPlainHttp: false, concurrency: '4', rateLimit: '100', rateInterval: '10' },
    { ...at, id: 'normalize', type: 'recall-normalize', z, preset: 'dentrix-odbc', office: 'BENCH', timeZone: 'UTC', region: 'US', asOf: AS_OF, asOfType: 'str', wires: [['consent'], []] },
    { ...at, id: 'consent', type: 'consent-filter', z, ledger: 'ledger', url: '', urlType: 'str', region: 'US', wires: [['reserve'], []] },
    { ...at, id: 'reserve', type: 'idempotency-gate', z, ledger: 'ledger', mode: 'reserve', modeType: 'mode', leaseMinutes: '15', dryRun: 'true', wires: [['sink'], []] },
    { ...at, id: 'sink', type: 'crm-webhook-out', z, endpoint: 'crm', ledger: 'ledger', dryRun: 'true', maxPerRun: '500', batchSize: '1', wires: [['commit']] },
    { ...at, id: 'commit', type: 'idempotency-gate', z, ledger: 'ledger', mode: 'commit', modeType: 'mode', dryRun: 'true', wires: [['out'], []] },
    { ...at, id: 'out', type: 'helper', z },
    { ...at, id: 'catch', type: 'catch', z, scope: null, uncaught: false, wires: [['caught']] },
    { ...at, id: 'caught', type: 'helper', z },
  ];
}

const STAGE_ROWS: BenchCase['rows'] = [
  { key: 'seconds', figure: 'wall time', unit: 's' },
  { key: 'cpuS', figure: 'CPU time of the runtime process (user + system; moves less with load)', unit: 's' },
  { key: 'stage_normalize', figure: '… recall-normalize (work + send)', unit: 's' },
  { key: 'stage_consent', figure: '… consent-filter', unit: 's' },
  { key: 'stage_reserve', figure: '… idempotency-gate reserve (dry-run: ledger read)', unit: 's' },
  { key: 'stage_sink', figure: '… crm-webhook-out (dry-run)', unit: 's' },
  { key: 'stage_commit', figure: '… idempotency-gate commit (dry-run)', unit: 's' },
];

/** The goals hold at 100k rows; the other sizes show how time and memory grow with a run. */
export const bench = pipelineAt('pipeline', 5_000, 100_000, 3, [
  { key: 'rowsPerS', figure: 'throughput, rows in to commit out', unit: 'rows/s', goal: { op: '>=', value: 50_000, text: '≥ 50,000 rows/s' } },
  { key: 'maxRssMb', figure: 'peak RSS (runtime + rows)', unit: 'MB', goal: { op: '<', value: 400, text: '< 400 MB' } },
  ...STAGE_ROWS,
]);
const growthRows: BenchCase['rows'] = [
  { key: 'rowsPerS', figure: 'throughput, rows in to commit out (how cost grows)', unit: 'rows/s' },
  { key: 'maxRssMb', figure: 'peak RSS (runtime + rows)', unit: 'MB' },
  { key: 'seconds', figure: 'wall time', unit: 's' },
  { key: 'cpuS', figure: 'CPU time (user + system)', unit: 's' },
];
export const bench10k = pipelineAt('pipeline-10k', 2_000, 10_000, 3, growthRows);
export const bench300k = pipelineAt('pipeline-300k', 10_000, 300_000, 1, growthRows);

function count(n: number): string {
  return n >= 1000 ? `${n / 1000}k` : String(n);
}

function pipelineAt(name: string, quickRows: number, fullRows: number, repeats: number, rows: BenchCase['rows']): BenchCase {
  return {
    name,
    title: (quick) => `Pipeline, ${count(quickOr(quick, quickRows, fullRows))} rows, one Node-RED runtime`,
    repeats: (quick) => (quick ? 1 : repeats),
    timeoutMs: 10 * 60_000,
    rows,

    async run(ctx) {
      for (const type of TYPES) loadPack(`nodes/${type}/${type}`);
      // the node modules exist from the skeleton on; the libs say whether they are real
      loadPack('nodes/lib/normalize/normalize', ['normalizeRows']);
      loadPack('nodes/lib/consent/run', ['runConsent']);
      loadPack('nodes/lib/crm/sink', ['SinkRun']);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { helper } = require('../../test/support/helper') as typeof import('../../test/support/helper');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { nodeModule } = require('../../test/support/paths') as typeof import('../../test/support/paths');
      const n = quickOr(ctx.quick, quickRows, fullRows);
      const dir = fs.mkdtempSync(path.join(ctx.workDir, 'pipeline-'));
      await new Promise<void>((resolve) => helper.startServer(resolve));
      try {
        await helper.load(TYPES.map(nodeModule), flow(path.join(dir, 'ledger.db')), { ledger: { secret: 'bench-ledger-secret' } });
        // when each stage receives the message: the time per stage (its work plus its send)
        const redDir = path.dirname(require.resolve(`${process.env.NODE_RED_MODULE || 'node-red'}/package.json`));
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { hooks } = require(require.resolve('@node-red/util', { paths: [redDir] })) as { hooks: { add(name: string, fn: (e: { destination: { id: string } }) => void): void; remove(name: string): void } };
        const stamps = new Map<string, number>();
        hooks.add('onReceive.bench', (e) => void stamps.set(e.destination.id, performance.now()));
        const once = (rows: RawRow[], runId: string) =>
          new Promise<{ payload: unknown[]; recall: Record<string, unknown> }>((resolve, reject) => {
            helper.getNode('out').once('input', resolve);
            helper.getNode('caught').once('input', (m: { error?: { message?: string } }) => reject(new Error(`flow error: ${m.error?.message}`)));
            helper.getNode('normalize').receive({ payload: rows, recall: { runId, office: 'BENCH', source: 'odbc', counts: {} } });
          });
        // a small run first: the ledger opens and the code paths warm up, as in a runtime that has run before
        await once(odbcRows(1000, 999), 'warm-up');
        const rows = odbcRows(n, 1 + ctx.repeat);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const out = await once(rows, `bench-${ctx.repeat}`);
        const t1 = performance.now();
        const cpu = process.cpuUsage(c0);
        const s = (t1 - t0) / 1000;
        hooks.remove('*.bench');
        const stages = ['normalize', 'consent', 'reserve', 'sink', 'commit', 'out'];
        const at = (id: string) => (id === 'normalize' ? t0 : stamps.get(id) ?? NaN);
        const stageS: Record<string, number> = {};
        for (let i = 0; i < stages.length - 1; i++) stageS[`stage_${stages[i]}`] = (at(stages[i + 1]) - at(stages[i])) / 1000;
        const counts = out.recall.counts as Record<string, number>;
        if (!out.payload.length) throw new NotMeasured(`the pipeline passed nothing on: ${JSON.stringify(counts).slice(0, 200)}`);
        const top = Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ');
        return {
          figures: { rowsPerS: n / s, seconds: s, cpuS: (cpu.user + cpu.system) / 1e6, ...stageS },
          notes: [
            `${n.toLocaleString('en-US')} ODBC-shaped rows (dentrix-odbc preset), empty suppression list, gates and sink in dry-run as the shipped flow runs them (reserve reads the ledger, commit writes nothing); ${out.payload.length.toLocaleString('en-US')} dry-run results out (${top}).`,
          ],
        };
      } finally {
        const limit = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
        await Promise.race([limit, (async () => {
          await helper.unload();
          await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
        })()]);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
