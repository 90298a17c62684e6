// One stable file, start to finish: duplicate check, read, hand-off, move.
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { newRunMeta } from '../run';
import type { RawRow, RecallMeta } from '../types';
import { ExportFileError } from './cells';
import { failedDir, moveWithNote, officeFor, processedDir } from './folder';
import type { FileLimits } from './limits';
import { readExport, type FileFormat } from './read-file';
import { clearReading, interruptedRead, markReading } from './reading-marker';
import { type SeenEntry, type SeenStore, sha256File } from './seen';
import { tabulate, type TableResult } from './table';
import type { ExportTemplate } from './template';

export interface ProcessOptions {
  root: string;
  template: ExportTemplate;
  failOnUnexpected: boolean;
  office: string;
  officePattern?: RegExp;
  seen: SeenStore;
  now?: () => Date;
  /** size, row and zip limits (default: DEFAULT_LIMITS) */
  limits?: FileLimits;
  /** a long read's progress (a PDF's pages read, of all), for the node's status */
  onProgress?: (file: string, done: number, total: number) => void;
}

export interface ExportBatch {
  file: string;
  format: FileFormat;
  office: string;
  sha256: string;
  rows: RawRow[];
  table: Omit<TableResult, 'rows'>;
}

/** msg.recall of one export's rows: each file is a run of its own. */
export function exportRunMeta(batch: ExportBatch): RecallMeta {
  const recall = newRunMeta('export', batch.office, { file: batch.file, rowCount: batch.rows.length, columns: batch.table.columns, format: batch.format });
  if (batch.table.unexpected.length) recall.unexpectedColumns = batch.table.unexpected;
  return recall;
}

export interface FileError {
  /** the file name as it arrived */
  file: string;
  error: string;
  /** where the file is now */
  movedTo: string;
}

export interface Duplicate {
  file: string;
  sha256: string;
  first: SeenEntry;
  movedTo: string;
}

export type Outcome =
  | { kind: 'rows'; batch: ExportBatch; movedTo: string }
  | { kind: 'duplicate'; duplicate: Duplicate }
  | { kind: 'failed'; failure: FileError }
  /** the file changed while it was read: not handed on, it will be read again when stable */
  | { kind: 'changed'; file: string };

/** Hands the batch on (sends the message); runs before the file is moved to processed/. */
export type Deliver = (batch: ExportBatch) => void | Promise<void>;

export async function processFile(file: string, opts: ProcessOptions, deliver: Deliver): Promise<Outcome> {
  const now = opts.now ?? (() => new Date());
  const name = path.basename(file);
  await opts.seen.load();
  const before = await stat(file);
  let batch: ExportBatch;
  // a crash from here to the end of the read leaves the mark: the file goes to failed/ at the next start
  await markReading(opts.root, file, now());
  try {
    const sha256 = await sha256File(file);
    const first = opts.seen.get(sha256);
    if (first) {
      const movedTo = await moveWithNote(file, processedDir(opts.root, now()), {
        suffix: '.duplicate.txt',
        text: `${now().toISOString()} ${name} was not read: its content is the same as ${first.file}, processed ${first.at}.\n`,
      });
      return { kind: 'duplicate', duplicate: { file: name, sha256, first, movedTo } };
    }
    const office = officeFor(name, opts.office, opts.officePattern);
    const progress = opts.onProgress;
    const { format, rows } = await readExport(file, opts.limits, progress && ((done, total) => progress(name, done, total)));
    const table = await tabulate(rows, opts.template, { failOnUnexpected: opts.failOnUnexpected });
    const after = await stat(file);
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) return { kind: 'changed', file };
    const { rows: raw, ...rest } = table;
    batch = { file: name, format, office, sha256, rows: raw, table: rest };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'changed', file };
    const reason = err instanceof ExportFileError || !code ? (err as Error).message : `could not read the file: ${(err as Error).message}`;
    const movedTo = await moveWithNote(file, failedDir(opts.root), {
      suffix: '.error.txt',
      text: `${now().toISOString()} ${name} was not processed: ${reason}\n`,
    });
    return { kind: 'failed', failure: { file: name, error: reason, movedTo } };
  } finally {
    await clearReading(opts.root);
  }
  await deliver(batch);
  // remembered only after the hand-off: a crash before it means the file is read again
  await opts.seen.add(batch.sha256, { file: name, at: now().toISOString() });
  const movedTo = await moveWithNote(file, processedDir(opts.root, now()));
  return { kind: 'rows', batch, movedTo };
}

/**
 * At start: the file the process was reading when it died (see reading-marker.ts) goes
 * to failed/ with a note, instead of being read again and crashing the service again.
 */
export async function failInterruptedRead(root: string, now: Date = new Date()): Promise<FileError | undefined> {
  const mark = await interruptedRead(root);
  if (!mark) return void (await clearReading(root));
  const reason =
    `the service stopped while reading this file (since ${mark.since}): it may be too large or damaged for the reader, ` +
    'so it was not read again. Check the file; to try again, move it back into the folder.';
  const movedTo = await moveWithNote(path.join(root, mark.file), failedDir(root), {
    suffix: '.error.txt',
    text: `${now.toISOString()} ${mark.file} was not processed: ${reason}\n`,
  });
  await clearReading(root);
  return { file: mark.file, error: reason, movedTo };
}
