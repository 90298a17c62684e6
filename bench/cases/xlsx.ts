// A 50k-row Continuing Care .xlsx export through batch-export-in's per-file path
// (hash, sniff, exceljs reader, header search, template, move to processed/) and
// recall-normalize's logic: wall time and this process's peak RSS. The watcher's
// stability wait is a setting, not work, so it is left out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as ProcessMod from '../../nodes/lib/export/process-file';
import type * as SeenMod from '../../nodes/lib/export/seen';
import type * as TemplateMod from '../../nodes/lib/export/template';
import type * as ConfigMod from '../../nodes/lib/normalize/config';
import type * as MappingMod from '../../nodes/lib/normalize/mapping';
import type * as NormalizeMod from '../../nodes/lib/normalize/normalize';
import type { RawRow } from '../../nodes/lib/types';
import { quickOr, type BenchCase, type CaseContext } from '../support/case';
import { AS_OF, writeContinuingCareXlsx } from '../support/data';
import { loadPack } from '../support/load';

const rowsFor = (quick: boolean) => quickOr(quick, 2_000, 50_000);
const source = (ctx: CaseContext) => path.join(ctx.workDir, 'xlsx', `continuing-care-${rowsFor(ctx.quick)}.xlsx`);

export const bench: BenchCase = {
  name: 'xlsx',
  title: (quick) => `${quickOr(quick, '2k', '50k')}-row .xlsx export → batch-export-in → recall-normalize`,
  repeats: (quick) => (quick ? 1 : 3),
  timeoutMs: 10 * 60_000,
  rows: [
    { key: 'totalS', figure: 'time, file to contacts', unit: 's' },
    { key: 'readS', figure: 'of which reading the file', unit: 's' },
    { key: 'normalizeS', figure: 'of which normalize', unit: 's' },
    { key: 'maxRssMb', figure: 'peak RSS', unit: 'MB', goal: { op: '<', value: 500, text: '< 500 MB' } },
  ],

  async prepare(ctx) {
    // the reader and normalize must be there before a 50k-row file is worth writing
    loadPack('nodes/lib/export/process-file', ['processFile']);
    loadPack('nodes/lib/normalize/normalize', ['normalizeRows']);
    fs.mkdirSync(path.dirname(source(ctx)), { recursive: true });
    await writeContinuingCareXlsx(source(ctx), rowsFor(ctx.quick));
  },

  async run(ctx) {
    const { processFile } = loadPack<typeof ProcessMod>('nodes/lib/export/process-file', ['processFile']);
    const { SeenStore } = loadPack<typeof SeenMod>('nodes/lib/export/seen', ['SeenStore']);
    const { DENTRIX_CONTINUING_CARE } = loadPack<typeof TemplateMod>('nodes/lib/export/template', ['DENTRIX_CONTINUING_CARE']);
    const { normalizeSettings, runEdges } = loadPack<typeof ConfigMod>('nodes/lib/normalize/config', ['normalizeSettings', 'runEdges']);
    const { presetSource } = loadPack<typeof MappingMod>('nodes/lib/normalize/mapping', ['presetSource']);
    const { normalizeRows } = loadPack<typeof NormalizeMod>('nodes/lib/normalize/normalize', ['normalizeRows']);

    // a fresh watched folder per repeat: the file is moved to processed/ and remembered
    const root = fs.mkdtempSync(path.join(ctx.workDir, 'xlsx', 'inbox-'));
    const file = path.join(root, 'BENCH-continuing-care.xlsx');
    fs.copyFileSync(source(ctx), file);
    const settings = normalizeSettings({ preset: 'dentrix-export', office: 'BENCH', timeZone: 'UTC', region: 'US' });

    const t0 = performance.now();
    let rows: RawRow[] = [];
    let office = '';
    const outcome = await processFile(
      file,
      { root, template: DENTRIX_CONTINUING_CARE, failOnUnexpected: false, office: 'BENCH', seen: new SeenStore(path.join(root, 'processed', '.seen.json')) },
      (batch) => {
        rows = batch.rows;
        office = batch.office;
      },
    );
    const t1 = performance.now();
    if (outcome.kind !== 'rows') throw new Error(`batch-export-in did not hand the file on: ${JSON.stringify(outcome).slice(0, 300)}`);
    const result = normalizeRows(rows, {
      mapping: settings.mapping,
      office: settings.office || office,
      source: presetSource(settings.preset),
      region: settings.region,
      timeZone: 'UTC',
      edges: runEdges(settings, AS_OF),
      segments: settings.segments,
    });
    const t2 = performance.now();
    const n = rowsFor(ctx.quick);
    if (rows.length !== n) throw new Error(`read ${rows.length} rows of ${n}`);
    fs.rmSync(root, { recursive: true, force: true });
    return {
      figures: { totalS: (t2 - t0) / 1000, readS: (t1 - t0) / 1000, normalizeS: (t2 - t1) / 1000 },
      notes: [`${n.toLocaleString('en-US')} patient rows (${(fs.statSync(source(ctx)).size / 2 ** 20).toFixed(1)} MB .xlsx, exceljs-written, dates as Excel dates, provider group lines); ${result.selected.length.toLocaleString('en-US')} selected, ${result.skipped.length.toLocaleString('en-US')} skipped.`],
    };
  },
};
