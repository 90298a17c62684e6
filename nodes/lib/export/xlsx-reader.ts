// .xlsx workbooks through exceljs's streaming WorkbookReader: rows are parsed from
// the zip as they stream (a worksheet that precedes the shared strings is spooled
// to a temp file by exceljs, not to memory), so memory stays bounded by one row
// plus the shared-strings table. Only the first worksheet is read.
import ExcelJS from 'exceljs';
import { type Cell, type CellRow, ExportFileError, numbered } from './cells';

export async function* readXlsx(file: string): AsyncGenerator<CellRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache', // needed to tell a date-formatted number from a number
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let sheets = 0;
  try {
    for await (const sheet of reader) {
      // later sheets are left unread; exceljs drains their zip entries
      if (sheets++ > 0) continue;
      for await (const row of sheet) {
        yield numbered(rowCells(row.values), row.number);
      }
    }
  } catch (err) {
    if (err instanceof ExportFileError) throw err;
    throw new ExportFileError(`not a readable .xlsx workbook: ${(err as Error).message}`);
  }
  if (sheets === 0) throw new ExportFileError('the workbook has no worksheet');
}

/** exceljs's row.values is 1-based and sparse. */
function rowCells(values: unknown): Cell[] {
  const out: Cell[] = [];
  if (!Array.isArray(values)) return out;
  for (let i = 1; i < values.length; i++) out.push(cellValue(values[i]));
  return out;
}

export function cellValue(v: unknown): Cell {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return v;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return o.richText.map((r) => String((r as { text?: unknown }).text ?? '')).join('');
    if ('formula' in o || 'sharedFormula' in o) return cellValue(o.result);
    if (typeof o.text === 'string') return o.text;
    if (typeof o.error === 'string') return o.error;
  }
  return String(v);
}
