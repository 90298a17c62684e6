// Format dispatcher: decides the format of a report file from its first bytes
// (never from the extension alone, the folder is shared) and streams its rows.
//
// Adding a format reader (e.g. PDF, issue 9): implement a FormatReader in its own
// file and put it in READERS below. The signature of readExport is stable.
import { open } from 'node:fs/promises';
import { type Cell, type CellRow, ExportFileError, type FormatReader, type ReadProgress } from './cells';
import { readCsv } from './csv-reader';
import { readPdf } from './pdf-reader';
import { readXlsx } from './xlsx-reader';
import { looksBinary } from './text-sniff';
import { checkFileSize, DEFAULT_LIMITS, type FileLimits, tooManyRows } from './limits';
import { checkXlsxZip } from './zip-check';

export type FileFormat = 'pdf' | 'xlsx' | 'xls' | 'text';

/** Bytes read for sniffing: enough to tell text from binary. */
export const SNIFF_BYTES = 8192;

const notSupported =
  (reason: string): FormatReader =>
  // eslint-disable-next-line require-yield
  async function* () {
    throw new ExportFileError(reason);
  };

/** Registration point: one reader per sniffed format. */
export const READERS: Record<FileFormat, FormatReader> = {
  pdf: (file, onProgress) => readPdf(file, { onPage: onProgress }),
  xlsx: readXlsx,
  // exceljs reads only Office Open XML; see README "Report exports and the spreadsheet reader".
  xls: notSupported('legacy .xls is not supported; save the report as .xlsx or .csv'),
  text: readCsv,
};

/** The format of a file from its first bytes; throws ExportFileError for binary non-report data. */
export function sniffFormat(head: Buffer): FileFormat {
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'xlsx';
  if (head.subarray(0, 8).equals(Buffer.from('d0cf11e0a1b11ae1', 'hex'))) return 'xls';
  if (looksBinary(head)) throw new ExportFileError('the file is binary data, not a CSV/text report, an .xlsx workbook or a PDF');
  return 'text';
}

export async function readHead(file: string, bytes = SNIFF_BYTES): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export interface OpenedExport {
  format: FileFormat;
  /** rows with `line` always set (1-based) */
  rows: AsyncIterable<CellRow>;
}

/**
 * Sniffs the file and returns its rows as a stream. Errors name what is wrong with the
 * file. The limits are checked before any parsing (size; an .xlsx's zip unpacked and
 * its rows counted) and while rows stream (CSV and PDF rows). `onProgress` hears of each
 * page of a PDF (pages read, pages in all); other formats are read too fast to need it.
 */
export async function readExport(file: string, limits: FileLimits = DEFAULT_LIMITS, onProgress?: ReadProgress): Promise<OpenedExport> {
  const size = await checkFileSize(file, limits);
  const head = await readHead(file);
  if (head.length === 0) throw new ExportFileError('the file is empty');
  const format = sniffFormat(head);
  if (format === 'xlsx') await checkXlsxZip(file, size, limits);
  const reader = READERS[format];
  return { format, rows: withLines(reader(file, onProgress), limits) };
}

async function* withLines(rows: AsyncIterable<Cell[] | CellRow>, limits: FileLimits): AsyncGenerator<CellRow> {
  let n = 0;
  let count = 0;
  for await (const cells of rows) {
    n++;
    if (++count > limits.maxRows) throw tooManyRows(limits);
    const row = cells as CellRow;
    if (row.line === undefined) row.line = n;
    else n = row.line;
    yield row;
  }
}
