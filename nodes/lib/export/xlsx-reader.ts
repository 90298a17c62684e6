// .xlsx workbooks through exceljs's streaming WorkbookReader: rows are parsed from
// the zip as they stream (a worksheet that precedes the shared strings is spooled
// to a temp file by exceljs, not to memory), so memory stays bounded by one row
// plus the shared-strings table. Only the first worksheet is read.
import ExcelJS from 'exceljs';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createReadStream, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type Cell, type CellRow, ExportFileError, numbered } from './cells';

/**
 * Some damaged zips make exceljs/unzipper wait forever for data that never comes.
 * A watchdog ticks every TICK_MS while a row is awaited; ticks only run when the
 * event loop is free, so a busy or starved process does not count as stalled.
 * The read fails after STALL_TICKS_AFTER_END idle ticks once the whole file was
 * read (only buffered data is left to parse then), or STALL_TICKS without a byte.
 */
export const TICK_MS = 250;
export const STALL_TICKS_AFTER_END = 20; // 5 s
export const STALL_TICKS = 120; // 30 s

/**
 * exceljs spools a worksheet stored before the shared strings to a temp file (via the
 * `tmp` package) and removes it only once that sheet was read to the end: a file that
 * fails (bad header, damage) would leave patient data in the temp folder. Each read
 * collects the spool files made on its behalf (AsyncLocalStorage) and removes them
 * when it ends; spool files of a process that died are removed at the next read.
 */
const SPOOL_PREFIX = 'recall-xlsx-spool';
const spoolFiles = new AsyncLocalStorage<Set<string>>();
let spoolHooked = false;

type TmpFile = (options: unknown, cb?: (err: Error | null, p: string, fd: number, cleanup: () => void) => void) => void;

function hookSpool(): void {
  if (spoolHooked) return;
  spoolHooked = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tmp = require(require.resolve('tmp', { paths: [path.dirname(require.resolve('exceljs'))] })) as { file: TmpFile };
  const file = tmp.file;
  tmp.file = function (options, callback) {
    const cb = (typeof options === 'function' ? options : callback) as Parameters<TmpFile>[1];
    const files = spoolFiles.getStore();
    if (!files || !cb) return file.call(this, options, callback);
    const opts = typeof options === 'object' && options !== null ? options : {};
    file.call(this, { ...opts, prefix: SPOOL_PREFIX, mode: 0o600 }, (err, p, fd, cleanup) => {
      if (!err) files.add(p);
      cb(err, p, fd, cleanup);
    });
  };
  removeDeadSpools();
}

/** Spool files named by a process id that no longer runs (tmp names them prefix-pid-random). */
function removeDeadSpools(): void {
  const dir = tmpdir();
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(`${SPOOL_PREFIX}-`));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.split('-')[3]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    try {
      unlinkSync(path.join(dir, name));
    } catch { /* gone, or not ours to remove */ }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function* readXlsx(file: string): AsyncGenerator<CellRow> {
  hookSpool();
  const spooled = new Set<string>();
  const input = createReadStream(file);
  let idleTicks = 0;
  let ended = false;
  input.on('data', () => (idleTicks = 0));
  input.on('end', () => {
    ended = true;
    idleTicks = 0;
  });
  const rows = sheetRows(input)[Symbol.asyncIterator]();
  let waiting = false;
  let timer: NodeJS.Timeout | undefined;
  const stall = new Promise<never>((_resolve, reject) => {
    timer = setInterval(() => {
      if (!waiting) return;
      if (++idleTicks < (ended ? STALL_TICKS_AFTER_END : STALL_TICKS)) return;
      reject(new ExportFileError('not a readable .xlsx workbook: the workbook is damaged (its data ends before the worksheet does)'));
    }, TICK_MS);
  });
  stall.catch(() => undefined); // rejects only while a row is awaited
  try {
    for (;;) {
      idleTicks = 0;
      waiting = true;
      const next = await Promise.race([spoolFiles.run(spooled, () => rows.next()), stall]);
      waiting = false;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    clearInterval(timer);
    input.destroy();
    for (const p of spooled) {
      try {
        unlinkSync(p);
      } catch { /* exceljs removed it after reading the sheet */ }
    }
  }
}

async function* sheetRows(input: NodeJS.ReadableStream): AsyncGenerator<CellRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input as never, {
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
