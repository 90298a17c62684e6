// Test support: workbooks made with exceljs from the CSV fixtures, so the XLSX and
// CSV versions of one report hold the same cells (as text, as dates, as serials).
import ExcelJS from 'exceljs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCsv } from '../../../nodes/lib/export/csv';
import { FIXTURES } from '../../support/paths';

export const EXPORTS = path.join(FIXTURES, 'exports');
export const CC_CSV = path.join(EXPORTS, 'continuing-care.csv');
export const DRIFT_CSV = path.join(EXPORTS, 'continuing-care-drift.csv');

export const HEADERS = ['Name', 'Chart #', 'Home Phone', 'Mobile Phone', 'Email', 'Date', 'Type', 'Appt?', 'Status', 'Prior Treat.'];
const DATE_HEADERS = new Set(['Date', 'Appt?', 'Prior Treat.']);
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/** How date cells are stored: as the CSV text, as real dates (date format), or as bare serial numbers. */
export type DateMode = 'text' | 'dates' | 'serials';

function usToDate(text: string): Date | undefined {
  const m = US.exec(text);
  return m ? new Date(Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]))) : undefined;
}

export function excelSerial(d: Date): number {
  return d.getTime() / 86_400_000 + 25569;
}

/** Writes `csvFile` as an .xlsx at `out`, one worksheet row per CSV line. */
export async function xlsxFromCsv(csvFile: string, out: string, mode: DateMode): Promise<void> {
  const records = parseCsv(fs.readFileSync(csvFile, 'utf8'));
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Continuing Care');
  let dateCols = new Set<number>();
  for (const rec of records) {
    if (rec.fields.includes('Chart #')) dateCols = new Set(rec.fields.flatMap((h, i) => (DATE_HEADERS.has(h) ? [i] : [])));
    const cells = rec.fields.map((text, i) => {
      if (text === '') return null;
      const d = mode !== 'text' && dateCols.has(i) ? usToDate(text) : undefined;
      if (!d) return text;
      return mode === 'dates' ? d : excelSerial(d);
    });
    const row = ws.getRow(rec.line);
    row.values = cells;
    if (mode === 'dates') row.eachCell((c) => { if (c.value instanceof Date) c.numFmt = 'mm/dd/yyyy'; });
    row.commit();
  }
  await wb.xlsx.writeFile(out);
}

/** A workbook with the given rows (first sheet), written with exceljs's buffered writer. */
export async function writeWorkbook(out: string, rows: unknown[][]): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Sheet1');
  for (const r of rows) ws.addRow(r);
  await wb.xlsx.writeFile(out);
}

/** A large workbook through exceljs's streaming writer (never held in memory whole). */
export async function writeBigWorkbook(out: string, count: number): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: out, useSharedStrings: true, useStyles: true });
  const ws = wb.addWorksheet('Continuing Care');
  ws.addRow(['Continuing Care List']).commit();
  ws.addRow(HEADERS).commit();
  const due = new Date(Date.UTC(2025, 3, 15));
  for (let i = 0; i < count; i++) {
    const chart = `BG${String(i).padStart(5, '0')}`;
    const row = ws.addRow([`Patient${i}, Test`, chart, '(801)555-0100', '', `p${i}@example.com`, due, 'PROPHY', null, 'NotHom', '10/14/2024']);
    row.getCell(6).numFmt = 'mm/dd/yyyy';
    row.commit();
  }
  ws.commit();
  await wb.commit();
}

/** The rows of continuing-care.csv, written out by hand (what every format must give). */
export const EXPECTED_CC_ROWS = [
  { name: 'Garcia, Maria', chart: 'GA0012', home_phone: '(801)555-0101', mobile_phone: '(801)555-0199', email: 'maria@example.com', due_date: '2025-04-15', recall_type: 'PROPHY', appt: '', cc_status: 'NotHom', prior_treatment: '2024-10-14', _row: 8 },
  { name: 'Garcia, Leo', chart: 'GA0013', home_phone: '(801)555-0101', mobile_phone: '', email: '', due_date: '2025-04-15', recall_type: 'PROPHY', appt: '2025-06-20', cc_status: 'AptSCh', prior_treatment: '2024-10-14', _row: 9 },
  { name: 'Nguyen, Thi', chart: 'NG0003', home_phone: '', mobile_phone: '(385)555-0142', email: '', due_date: '2025-05-02', recall_type: 'PERIO', appt: '+', cc_status: 'CalBK', prior_treatment: '2025-01-01', _row: 10 },
  { name: "O'Brien, Pat", chart: 'OB0001', home_phone: '(801)555-0177', mobile_phone: '', email: 'pat@example.com', due_date: '2025-06-30', recall_type: 'BWX', appt: '', cc_status: 'SndCrd', prior_treatment: '2024-06-29', _row: 12 },
  { name: 'Okafor, Ada "Adaeze"', chart: 'OK0007', home_phone: '', mobile_phone: '(801)555-0123', email: 'ada@example.org', due_date: '2025-07-11', recall_type: 'PROPHY', appt: '', cc_status: 'Call back, after 5', prior_treatment: '2024-02-28', _row: 13 },
];
