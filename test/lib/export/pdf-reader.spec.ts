// The PDF reader on PDFs generated from the CSV fixtures (real pdf.js, real bytes).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { PDFDocument, StandardFonts, degrees } from 'pdf-lib';
import { parseCsv } from '../../../nodes/lib/export/csv';
import { SCANNED_REASON, readPdfData } from '../../../nodes/lib/export/pdf-reader';
import {
  MULTI_PAGE,
  ONE_PAGE,
  encryptedPdf,
  imageOnlyPdf,
  reportPdf,
  syntheticReportCsv,
  truncatedPdf,
} from '../../support/pdf-fixtures';
import { ROOT } from '../../support/paths';
import { CC_CSV, HEADERS } from './workbooks';

async function rows(bytes: Uint8Array): Promise<string[][]> {
  const out: string[][] = [];
  for await (const r of readPdfData(bytes)) out.push(r);
  return out;
}

async function failure(bytes: Uint8Array): Promise<string> {
  try {
    await rows(bytes);
  } catch (err) {
    assert.equal((err as Error).name, 'ExportFileError');
    return (err as Error).message;
  }
  assert.fail('the PDF was read without an error');
}

/** The data records of a CSV report: the rows after the header with a Chart #. */
function csvData(csv: string): string[][] {
  const recs = parseCsv(csv).map((r) => r.fields.map((f) => f.trim()));
  const at = recs.findIndex((r) => r.includes('Chart #'));
  return recs.slice(at + 1).filter((r) => r.length === HEADERS.length && r[1] !== '');
}
const pdfData = (all: string[][]): string[][] => all.filter((r) => r.length === HEADERS.length && r[1] !== '' && r[1] !== 'Chart #');

describe('pdf-reader: generated reports', () => {
  const fixtureCsv = fs.readFileSync(CC_CSV, 'utf8');

  it('one page: title, group and footer lines as single cells, the header, and the CSV data rows', async () => {
    const pdf = await reportPdf(fixtureCsv, ONE_PAGE);
    assert.equal(pdf.pages, 1);
    const got = await rows(pdf.bytes);
    assert.deepEqual(got.slice(0, 6), [
      ['Smile Dental Group (synthetic test data)'],
      ['Continuing Care List'],
      ['Due Date Span: 04/10/2025 - 07/11/2025'],
      ['Printed: 06/02/2025 7:05 AM'],
      ['Provider: DDS1 - Smith, John'],
      HEADERS,
    ]);
    assert.deepEqual(pdfData(got), csvData(fixtureCsv));
    assert.ok(got.some((r) => r.length === 1 && r[0] === 'Provider: HYG1 - Lee, Ann'));
    assert.deepEqual(got[got.length - 1], ['Total Patients: 5']);
    assert.ok(!got.some((r) => /^Page \d+ of \d+$/.test(r.join(' '))), 'no page footer row');
  });

  it('many pages: repeated titles and headers dropped, wrapped Name/Email/Status cells joined, rows equal the CSV', async () => {
    const csv = syntheticReportCsv(60);
    const pdf = await reportPdf(csv, MULTI_PAGE);
    assert.ok(pdf.pages >= 5, `pages: ${pdf.pages}`);
    assert.ok(pdf.wrappedRows >= 10, `wrapped rows: ${pdf.wrappedRows}`);
    const got = await rows(pdf.bytes);
    assert.deepEqual(pdfData(got), csvData(csv));
    assert.equal(got.filter((r) => r.join() === HEADERS.join()).length, 1, 'the header once');
    assert.equal(got.filter((r) => r[0] === 'Continuing Care List').length, 1, 'the title once');
    assert.equal(got.filter((r) => r.length === 1 && r[0].startsWith('Provider: ')).length, 3);
    const long = pdfData(got).find((r) => r[0] === 'Vandenberghe-Okonkwo, Maximiliana Josephine');
    assert.equal(long?.[4], 'maximiliana.vandenbergheokonkwo28@example.com');
  });

  it('the fixture CSV with a quoted name and a status with a comma, wrapped over short pages', async () => {
    const pdf = await reportPdf(fixtureCsv, { ...MULTI_PAGE, maxBodyLines: 4 });
    assert.ok(pdf.pages >= 3 && pdf.wrappedRows >= 1);
    const data = pdfData(await rows(pdf.bytes));
    assert.deepEqual(data, csvData(fixtureCsv));
    assert.equal(data[4][0], 'Okafor, Ada "Adaeze"');
    assert.equal(data[4][8], 'Call back, after 5');
  });

  it('streams: the rows of page 1 come before page 2 is read', async () => {
    const pdf = await reportPdf(syntheticReportCsv(40), MULTI_PAGE);
    let pagesDone = 0;
    const seen: number[] = [];
    for await (const r of readPdfData(pdf.bytes, { onPage: (n) => (pagesDone = n) })) {
      if (r.length === HEADERS.length) seen.push(pagesDone);
    }
    assert.equal(seen[0], 0);
    assert.equal(pagesDone, pdf.pages);
    assert.equal(seen[seen.length - 1], pdf.pages - 1);
  });

  it('reads a page printed rotated (/Rotate 90) in its upright reading order', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const page = doc.addPage([612, 792]);
    page.setRotation(degrees(90));
    // /Rotate 90 turns the page clockwise: text drawn at 90 degrees reads left to right
    const cells = [['Name', 'Chart #', 'Email'], ['Garcia, Maria', 'GA0012', 'maria@example.com']];
    cells.forEach((line, r) =>
      line.forEach((text, c) => page.drawText(text, { x: 100 + r * 12, y: 40 + c * 120, size: 8, font, rotate: degrees(90) })),
    );
    assert.deepEqual(await rows(await doc.save()), cells);
  });

  it('keeps pdf.js and its polyfills out of this process (they live in the reader thread)', async () => {
    const before = { push: Array.prototype.push, parse: JSON.parse, toString: Function.prototype.toString };
    assert.equal((await rows((await reportPdf(syntheticReportCsv(3), ONE_PAGE)).bytes)).length > 3, true);
    assert.equal(Array.prototype.push, before.push);
    assert.equal(JSON.parse, before.parse);
    assert.equal(Function.prototype.toString, before.toString);
    for (const name of ['self', 'pdfjsLib', 'pdfjsWorker', 'DOMMatrix', 'Path2D']) assert.ok(!(name in globalThis), `globalThis.${name}`);
  });

  it('skips a blank page in a text report', async () => {
    const doc = await PDFDocument.load((await reportPdf(fixtureCsv, ONE_PAGE)).bytes);
    doc.addPage([792, 612]);
    assert.deepEqual(pdfData(await rows(await doc.save())), csvData(fixtureCsv));
  });
});

describe('pdf-reader: files that cannot be read', () => {
  it('an encrypted PDF fails as encrypted (and the fixture really is: it opens with its password)', async () => {
    const bytes = encryptedPdf('secret');
    assert.match(await failure(bytes), /^encrypted PDF: it needs a password/);
    // pdf.js in a child process: importing it here would patch this process's globals (see pdf-worker.ts)
    const script = `
      import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
      const data = new Uint8Array(Buffer.from(process.argv[1], 'base64'));
      const doc = await getDocument({ data, password: 'secret', isEvalSupported: false, verbosity: 0 }).promise;
      const text = await (await doc.getPage(1)).getTextContent();
      console.log(text.items.map((i) => i.str).filter((s) => s.trim()).join('|'));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, Buffer.from(bytes).toString('base64')], { cwd: ROOT });
    assert.equal(out.toString().trim(), 'Name|Chart #|Email|Garcia, Maria|GA0012');
  });

  it('a truncated PDF fails as truncated, wherever it was cut', async () => {
    const { bytes } = await reportPdf(syntheticReportCsv(30), MULTI_PAGE);
    for (const f of [0.2, 0.5, 0.99]) assert.match(await failure(truncatedPdf(bytes, f)), /^corrupt PDF: the file is truncated/);
  });

  it('a PDF with a damaged body fails as corrupt', async () => {
    assert.match(await failure(Buffer.from(`%PDF-1.7\n${'x'.repeat(3000)}\n%%EOF\n`)), /^corrupt PDF: /);
    const { bytes } = await reportPdf(syntheticReportCsv(30), MULTI_PAGE);
    const mangled = Buffer.from(bytes);
    for (let i = 2000; i < 4000; i++) mangled[i] = (i * 7) & 0xff;
    assert.match(await failure(mangled), /^corrupt PDF: /);
  });

  it('a reader thread over its time limit fails the file', async () => {
    const { bytes } = await reportPdf(fs.readFileSync(CC_CSV, 'utf8'), ONE_PAGE);
    const limited = async (opts: Parameters<typeof readPdfData>[1]): Promise<string> => {
      try {
        for await (const _ of readPdfData(bytes, opts));
      } catch (err) {
        return (err as Error).message;
      }
      return assert.fail('read without an error');
    };
    // loading pdf.js alone takes far longer than 1 ms
    assert.equal(await limited({ pageTimeoutMs: 1 }), 'corrupt PDF: opening the file took longer than 1 ms; the file may be damaged');
  });

  it('an image-only (scanned) PDF fails with the no-text-layer reason', async () => {
    assert.equal(await failure(await imageOnlyPdf()), `${SCANNED_REASON} (page 1 of 1 has no text)`);
  });

  it('a report with one scanned page among text pages fails, naming the page', async () => {
    assert.match(await failure(await imageOnlyPdf(2)), /^no text layer: .*\(page 3 of 3 has no text\)$/);
  });
});
