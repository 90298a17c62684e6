// A 200-page PDF Continuing Care report through batch-export-in's PDF reader
// (pdf.js text positions rebuilt into rows) and the template's table stage.
import type * as PdfMod from '../../nodes/lib/export/pdf-reader';
import type * as TableMod from '../../nodes/lib/export/table';
import type * as TemplateMod from '../../nodes/lib/export/template';
import type * as FixturesMod from '../../test/support/pdf-fixtures';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { quickOr, type BenchCase, type CaseContext } from '../support/case';
import { loadPack } from '../support/load';

const pagesFor = (quick: boolean) => quickOr(quick, 10, 200);
const source = (ctx: CaseContext) => path.join(ctx.workDir, 'pdf', `report-${pagesFor(ctx.quick)}.pdf`);

export const bench: BenchCase = {
  name: 'pdf',
  title: (quick) => `~${pagesFor(quick)}-page PDF report → PDF reader`,
  repeats: (quick) => (quick ? 1 : 3),
  timeoutMs: 10 * 60_000,
  rows: [
    { key: 'totalS', figure: 'time, file to rows', unit: 's' },
    { key: 'pagesPerS', figure: 'pages per second', unit: 'pages/s' },
    { key: 'maxRssMb', figure: 'peak RSS', unit: 'MB' },
  ],

  async prepare(ctx) {
    loadPack('nodes/lib/export/pdf-reader', ['readPdf']);
    const { benchPdf } = loadPack<typeof FixturesMod>('test/support/pdf-fixtures', ['benchPdf']);
    // benchPdf(n) asks for about n pages; wrapped rows make more: scale from a probe
    const target = pagesFor(ctx.quick);
    const probe = await benchPdf(10);
    let pdf = await benchPdf(Math.max(1, Math.round((target * 10) / probe.pages)));
    if (Math.abs(pdf.pages - target) > target * 0.02) pdf = await benchPdf(Math.max(1, Math.round((target * 10) / probe.pages * (target / pdf.pages))));
    fs.mkdirSync(path.dirname(source(ctx)), { recursive: true });
    fs.writeFileSync(source(ctx), pdf.bytes);
    fs.writeFileSync(`${source(ctx)}.json`, JSON.stringify({ pages: pdf.pages }));
  },

  async run(ctx) {
    const { readPdf } = loadPack<typeof PdfMod>('nodes/lib/export/pdf-reader', ['readPdf']);
    const { tabulate } = loadPack<typeof TableMod>('nodes/lib/export/table', ['tabulate']);
    const { DENTRIX_CONTINUING_CARE } = loadPack<typeof TemplateMod>('nodes/lib/export/template', ['DENTRIX_CONTINUING_CARE']);
    const { pages } = JSON.parse(fs.readFileSync(`${source(ctx)}.json`, 'utf8')) as { pages: number };
    const t0 = performance.now();
    let line = 0;
    async function* numbered() {
      for await (const cells of readPdf(source(ctx))) yield Object.assign(cells, { line: ++line });
    }
    const table = await tabulate(numbered(), DENTRIX_CONTINUING_CARE);
    const s = (performance.now() - t0) / 1000;
    return {
      figures: { totalS: s, pagesPerS: pages / s },
      notes: [`${pages} pages (test/support/pdf-fixtures.ts benchPdf: portrait, wrapped Name/Email cells, header repeated per page), ${table.rows.length.toLocaleString('en-US')} rows out.`],
    };
  },
};
