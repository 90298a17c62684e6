// One report as CSV, XLSX and PDF gives identical rows: through the shared
// pipeline (readExport + tabulate) and through the real batch-export-in node
// watching a real temp folder. Broken PDFs end in failed/ with a reason.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RawRow } from '../../../nodes/lib/types';
import { readExport } from '../../../nodes/lib/export/read-file';
import { tabulate } from '../../../nodes/lib/export/table';
import { DENTRIX_CONTINUING_CARE } from '../../../nodes/lib/export/template';
import { helper, useHelper } from '../../support/helper';
import { nodeModule } from '../../support/paths';
import {
  MULTI_PAGE,
  ONE_PAGE,
  encryptedPdf,
  imageOnlyPdf,
  reportPdf,
  syntheticReportCsv,
  truncatedPdf,
} from '../../support/pdf-fixtures';
import { CC_CSV, DRIFT_CSV, EXPECTED_CC_ROWS, xlsxFromCsv } from './workbooks';

/** `_row` is where a row sits in its file (a CSV line, a sheet row, a PDF row position), so it differs by format. */
const withoutRow = (rows: RawRow[]): RawRow[] => rows.map(({ _row, ...rest }) => rest);

async function tableOf(file: string): Promise<RawRow[]> {
  const { rows } = await readExport(file);
  return (await tabulate(rows, DENTRIX_CONTINUING_CARE)).rows;
}

async function errorOf(file: string): Promise<string> {
  try {
    await tableOf(file);
  } catch (err) {
    return (err as Error).message;
  }
  return assert.fail(`${file} was read without an error`);
}

describe('PDF, CSV and XLSX of one report: identical rows', function () {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-formats-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Writes the CSV, its XLSX (dates as dates) and its PDF in `layout`, and reads all three. */
  async function threeFormats(csvText: string, layout = MULTI_PAGE): Promise<{ csv: RawRow[]; xlsx: RawRow[]; pdf: RawRow[]; pages: number; wrapped: number }> {
    const csvFile = path.join(dir, 'report.csv');
    fs.writeFileSync(csvFile, csvText);
    await xlsxFromCsv(csvFile, path.join(dir, 'report.xlsx'), 'dates');
    const pdf = await reportPdf(csvText, layout);
    fs.writeFileSync(path.join(dir, 'report.pdf'), pdf.bytes);
    const [csv, xlsx, pdfRows] = await Promise.all(['report.csv', 'report.xlsx', 'report.pdf'].map((f) => tableOf(path.join(dir, f))));
    return { csv, xlsx, pdf: pdfRows, pages: pdf.pages, wrapped: pdf.wrappedRows };
  }

  it('the fixture report, one page: the same rows as the hand-written expectation', async () => {
    const r = await threeFormats(fs.readFileSync(CC_CSV, 'utf8'), ONE_PAGE);
    assert.equal(r.pages, 1);
    const expected = withoutRow(EXPECTED_CC_ROWS as RawRow[]);
    assert.deepEqual(withoutRow(r.csv), expected);
    assert.deepEqual(withoutRow(r.xlsx), expected);
    assert.deepEqual(withoutRow(r.pdf), expected);
  });

  it('the fixture report on short pages with wrapped cells', async () => {
    const r = await threeFormats(fs.readFileSync(CC_CSV, 'utf8'), { ...MULTI_PAGE, maxBodyLines: 4 });
    assert.ok(r.pages >= 3 && r.wrapped >= 1, `pages ${r.pages}, wrapped ${r.wrapped}`);
    assert.deepEqual(withoutRow(r.pdf), withoutRow(EXPECTED_CC_ROWS as RawRow[]));
  });

  it('a 120-patient report over many pages: headers repeated, group lines, Page n of m, wrapped Name/Email', async () => {
    const r = await threeFormats(syntheticReportCsv(120));
    assert.ok(r.pages >= 10 && r.wrapped >= 20, `pages ${r.pages}, wrapped ${r.wrapped}`);
    assert.equal(r.csv.length, 120);
    assert.deepEqual(withoutRow(r.xlsx), withoutRow(r.csv));
    assert.deepEqual(withoutRow(r.pdf), withoutRow(r.csv));
  });

  it('header drift fails the PDF the same way as the CSV (missing and unexpected headers named)', async () => {
    const csvText = fs.readFileSync(DRIFT_CSV, 'utf8');
    fs.writeFileSync(path.join(dir, 'drift.pdf'), (await reportPdf(csvText, ONE_PAGE)).bytes);
    const fromPdf = await errorOf(path.join(dir, 'drift.pdf'));
    const fromCsv = await errorOf(DRIFT_CSV);
    assert.match(fromPdf, /header drift.*missing "Email", "Date".*unexpected "E-mail", "Due Date"/);
    const noLine = (s: string): string => s.replace(/\(line \d+\)/, '(line N)');
    assert.equal(noLine(fromPdf), noLine(fromCsv));
  });
});

describe('batch-export-in node: PDF reports', function () {
  const exportNode = nodeModule('batch-export-in');
  let dir: string;

  useHelper();
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-node-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function flow(): unknown[] {
    return [
      { id: 'f1', type: 'tab' },
      { id: 'in', type: 'batch-export-in', z: 'f1', folder: dir, folderType: 'str', office: 'SLC', officeType: 'str', stableMs: 100, template: 'dentrix-continuing-care', wires: [['rows'], ['failed']] },
      { id: 'rows', type: 'helper', z: 'f1' },
      { id: 'failed', type: 'helper', z: 'f1' },
    ];
  }

  /** Resolves with the first `n` messages a helper node receives. */
  function collect(id: string, n: number): Promise<any[]> {
    const got: any[] = [];
    return new Promise((resolve) => {
      helper.getNode(id).on('input', (msg: any) => {
        got.push(msg);
        if (got.length === n) resolve(got);
      });
    });
  }

  it('reads the PDF, CSV and XLSX of one report (files waiting at start) into identical payloads', async () => {
    const csvText = syntheticReportCsv(40);
    fs.writeFileSync(path.join(dir, 'cc.csv'), csvText);
    await xlsxFromCsv(path.join(dir, 'cc.csv'), path.join(dir, 'cc.xlsx'), 'serials');
    const pdf = await reportPdf(csvText, MULTI_PAGE);
    assert.ok(pdf.pages > 1 && pdf.wrappedRows > 0);
    fs.writeFileSync(path.join(dir, 'cc.pdf'), pdf.bytes);

    await helper.load(exportNode, flow());
    const msgs = await collect('rows', 3);
    const byFormat = new Map(msgs.map((m) => [m.recall.format as string, m]));
    assert.deepEqual([...byFormat.keys()].sort(), ['pdf', 'text', 'xlsx']);
    const csvRows = withoutRow(byFormat.get('text').payload);
    assert.equal(csvRows.length, 40);
    assert.deepEqual(withoutRow(byFormat.get('xlsx').payload), csvRows);
    assert.deepEqual(withoutRow(byFormat.get('pdf').payload), csvRows);
    assert.equal(byFormat.get('pdf').recall.file, 'cc.pdf');
    assert.equal(byFormat.get('pdf').recall.office, 'SLC');
  });

  it('moves a corrupt, an encrypted and an image-only PDF to failed/ with the reason beside each', async () => {
    await helper.load(exportNode, flow());
    const failures = collect('failed', 3);
    const good = (await reportPdf(fs.readFileSync(CC_CSV, 'utf8'), ONE_PAGE)).bytes;
    fs.writeFileSync(path.join(dir, 'truncated.pdf'), truncatedPdf(good, 0.5));
    fs.writeFileSync(path.join(dir, 'locked.pdf'), encryptedPdf());
    fs.writeFileSync(path.join(dir, 'scan.pdf'), await imageOnlyPdf());
    const msgs = await failures;
    const reasons = new Map(msgs.map((m) => [m.payload.file as string, m.payload.error as string]));
    assert.match(reasons.get('truncated.pdf') ?? '', /^corrupt PDF: the file is truncated/);
    assert.match(reasons.get('locked.pdf') ?? '', /^encrypted PDF: it needs a password/);
    assert.match(reasons.get('scan.pdf') ?? '', /^no text layer: scanned\/image-only PDF; print the report to PDF from Dentrix instead/);
    for (const [file, reason] of reasons) {
      assert.ok(fs.existsSync(path.join(dir, 'failed', file)), `${file} in failed/`);
      assert.ok(!fs.existsSync(path.join(dir, file)), `${file} left the inbox`);
      const note = fs.readFileSync(path.join(dir, 'failed', `${file}.error.txt`), 'utf8');
      assert.ok(note.includes(reason), `${file}.error.txt says why`);
    }
  });
});
