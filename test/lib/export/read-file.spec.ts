import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExportFileError } from '../../../nodes/lib/export/cells';
import { readExport, sniffFormat } from '../../../nodes/lib/export/read-file';
import { tabulate } from '../../../nodes/lib/export/table';
import { readXlsx } from '../../../nodes/lib/export/xlsx-reader';
import { DENTRIX_CONTINUING_CARE } from '../../../nodes/lib/export/template';
import ExcelJS from 'exceljs';
import { MULTI_PAGE, reportPdf, syntheticReportCsv } from '../../support/pdf-fixtures';
import { CC_CSV, EXPORTS, EXPECTED_CC_ROWS, HEADERS, writeBigWorkbook, writeWorkbook, xlsxFromCsv } from './workbooks';

async function readTable(file: string) {
  const { format, rows } = await readExport(file);
  return { format, ...(await tabulate(rows, DENTRIX_CONTINUING_CARE)) };
}

describe('lib/export read-file (format by content, readers)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-read-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tmp = (name: string) => path.join(dir, name);

  it("reports a PDF's progress page by page (pages read, pages in all)", async () => {
    const pdf = await reportPdf(syntheticReportCsv(120), MULTI_PAGE);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-progress-')), 'report.pdf');
    fs.writeFileSync(file, pdf.bytes);
    const seen: [number, number][] = [];
    const { format, rows } = await readExport(file, undefined, (done, total) => seen.push([done, total]));
    let n = 0;
    for await (const _row of rows) n++;
    assert.equal(format, 'pdf');
    assert.ok(n > 120);
    assert.ok(pdf.pages > 3, `${pdf.pages} pages`);
    assert.deepEqual(seen, Array.from({ length: pdf.pages }, (_, i) => [i + 1, pdf.pages]));
  });

  it('sniffs the format from the first bytes', () => {
    assert.equal(sniffFormat(Buffer.from('%PDF-1.7\n')), 'pdf');
    assert.equal(sniffFormat(Buffer.from('504b0304140000', 'hex')), 'xlsx');
    assert.equal(sniffFormat(Buffer.from('d0cf11e0a1b11ae1000000', 'hex')), 'xls');
    assert.equal(sniffFormat(Buffer.from('Name,Chart #\r\n')), 'text');
    assert.equal(sniffFormat(Buffer.from('fffe4e0061006d006500', 'hex')), 'text');
    assert.throws(() => sniffFormat(Buffer.from([0x00, 0x01, 0x02, 0x41, 0x42])), ExportFileError);
  });

  for (const mode of ['text', 'dates', 'serials'] as const) {
    it(`an .xlsx of the report (dates as ${mode}) gives the same rows as the CSV`, async () => {
      const file = tmp(`cc-${mode}.xlsx`);
      await xlsxFromCsv(CC_CSV, file, mode);
      const x = await readTable(file);
      assert.equal(x.format, 'xlsx');
      assert.deepEqual(x.rows, EXPECTED_CC_ROWS);
      const c = await readTable(CC_CSV);
      assert.equal(c.format, 'text');
      assert.deepEqual(x.rows, c.rows);
    });
  }

  it('decides by content, not by name: a workbook named .csv is read as a workbook', async () => {
    const file = tmp('really-a-workbook.csv');
    await xlsxFromCsv(CC_CSV, file, 'dates');
    const x = await readTable(file);
    assert.equal(x.format, 'xlsx');
    assert.deepEqual(x.rows, EXPECTED_CC_ROWS);
  });

  it('reads UTF-16 tab-separated text and Windows-1252 CSV', async () => {
    const tsv = ['Continuing Care List', HEADERS.join('\t'), ['Lee, Ann', 'L1', '', '', '', '04/15/2025', 'PROPHY', '', '', ''].join('\t')].join('\r\n');
    fs.writeFileSync(tmp('u16.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(tsv, 'utf16le')]));
    const u = await readTable(tmp('u16.txt'));
    assert.deepEqual([u.rows[0].name, u.rows[0].due_date, u.rows[0]._row], ['Lee, Ann', '2025-04-15', 3]);
    const csv = `${HEADERS.join(',')}\r\n"Mu\u00f1oz, Jos\u00e9",M1,,,,04/15/2025,PROPHY,,,\r\n`;
    fs.writeFileSync(tmp('cp1252.csv'), Buffer.from(csv, 'latin1'));
    assert.equal((await readTable(tmp('cp1252.csv'))).rows[0].name, 'Mu\u00f1oz, Jos\u00e9');
  });

  it('rejects binary garbage named .csv, legacy .xls, and an empty file with reasons', async () => {
    fs.writeFileSync(tmp('garbage.csv'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    await assert.rejects(readExport(tmp('garbage.csv')), /binary data, not a CSV/);
    fs.writeFileSync(tmp('old.xls'), Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]));
    const { rows } = await readExport(tmp('old.xls'));
    await assert.rejects(tabulate(rows, DENTRIX_CONTINUING_CARE), /legacy \.xls is not supported; save the report as \.xlsx or \.csv/);
    fs.writeFileSync(tmp('empty.csv'), '');
    await assert.rejects(readExport(tmp('empty.csv')), /empty/);
  });

  it('fails a truncated or corrupt workbook with a clear error (and does not hang)', async () => {
    const good = tmp('good.xlsx');
    await xlsxFromCsv(CC_CSV, good, 'dates');
    const bytes = fs.readFileSync(good);
    fs.writeFileSync(tmp('truncated.xlsx'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await assert.rejects(readTable(tmp('truncated.xlsx')), (err: Error) => err instanceof ExportFileError && /workbook|header/.test(err.message));
    const corrupt = Buffer.from(bytes);
    for (let i = 200; i < corrupt.length - 200; i += 97) corrupt[i] ^= 0xff;
    fs.writeFileSync(tmp('corrupt.xlsx'), corrupt);
    await assert.rejects(readTable(tmp('corrupt.xlsx')), ExportFileError);
  });

  it('fails a damaged workbook on which exceljs alone waits forever (stall watchdog)', async () => {
    // found by fuzzing: bytes XOR-ed every 97 bytes; exceljs/unzipper then never settle
    const file = path.join(EXPORTS, 'damaged-stalls-reader.xlsx');
    let settled = false;
    const raw = (async () => {
      const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { styles: 'cache' });
      for await (const sheet of reader) for await (const row of sheet) void row;
    })();
    raw.then(() => (settled = true), () => (settled = true));
    // the reader itself, past the zip check that now refuses this file up front
    const direct = (async () => {
      for await (const row of readXlsx(file)) void row;
    })();
    await assert.rejects(direct, (err: Error) => err instanceof ExportFileError && /workbook is damaged/.test(err.message));
    assert.equal(settled, false, 'the fixture still stalls exceljs (otherwise this test proves nothing)');
    await assert.rejects(readTable(file), /not a readable \.xlsx workbook: the zip entry .* is damaged/);
  });

  it('a workbook with __proto__/constructor/prototype header cells leaves Object.prototype untouched', async () => {
    const file = tmp('proto.xlsx');
    await writeWorkbook(file, [
      ['__proto__', 'constructor', 'prototype'],
      ['{"polluted":"yes"}', 'polluted', 'polluted'],
      [...HEADERS, '__proto__', 'constructor', 'prototype'],
      ['Lee, Ann', 'L1', '', '', '', '04/15/2025', 'PROPHY', '', '', '', '{"polluted":"yes"}', 'x', 'y'],
    ]);
    const t = await readTable(file);
    assert.deepEqual(t.unexpected, ['__proto__', 'constructor', 'prototype']);
    assert.equal(t.rows.length, 1);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    assert.equal(typeof ({} as { constructor: unknown }).constructor, 'function');
    assert.deepEqual(Object.keys(t.rows[0]).sort(), [...DENTRIX_CONTINUING_CARE.columns.map((c) => c.key), '_row'].sort());
  });

  it('crafted cell strings (huge, regex-hostile) do not stall parsing', async () => {
    const hostile = ['1'.repeat(200_000) + '/', ' '.repeat(100_000) + 'x', '0/'.repeat(50_000), `${'a'.repeat(30_000)}@${'.'.repeat(30_000)}`];
    const file = tmp('hostile.xlsx');
    await writeWorkbook(file, [HEADERS, ...hostile.map((h, i) => [h, `H${i}`, h, h, h, h, h, h, h, h])]);
    const t = await readTable(file);
    assert.equal(t.rows.length, hostile.length);
    assert.equal(t.rows[2].due_date, '0/'.repeat(50_000), 'not a date: kept as text');
    const csvFile = tmp('hostile.csv');
    fs.writeFileSync(csvFile, [HEADERS.join(','), ...hostile.map((h, i) => [h, `H${i}`, h, h, h, h, h, h, h, h].join(','))].join('\n'));
    assert.equal((await readTable(csvFile)).rows.length, hostile.length);
  });

  it('streams a 50,000-row workbook (rows read one at a time, not as a whole workbook)', async () => {
    const file = tmp('big.xlsx');
    await writeBigWorkbook(file, 50_000);
    const { rows } = await readExport(file);
    let n = 0;
    let last: unknown;
    for await (const row of rows) {
      n++;
      last = row[1];
    }
    assert.equal(n, 50_002);
    assert.equal(last, 'BG49999');
    const t = await readTable(file);
    assert.equal(t.rows.length, 50_000);
    assert.equal(t.rows[49_999].due_date, '2025-04-15');
  });
});
