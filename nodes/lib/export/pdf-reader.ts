// PDF reports (the Batch Processor's printed Continuing Care list): pdf.js, in a
// worker thread (pdf-worker.ts says why), hands over the positioned text of one
// page at a time; pdf-layout.ts rebuilds the rows. Pages are pulled one ahead,
// so a 200-page report never has more than two pages of text in memory.
//
// pdf.js (6.x evaluates no font code) runs with no network (the file's bytes are
// passed in), no system fonts, and the standard font data of the pack's copy of
// pdf.js (pdfjs-files.ts; for the non-embedded Helvetica of printed reports: correct
// glyph widths, no warning).
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ExportFileError } from './cells';
import { type LayoutOptions, TableAssembler } from './pdf-layout';
import type { FromWorker, ToWorker, WorkerInput } from './pdf-worker';
import { PDFJS_STANDARD_FONTS } from './pdfjs-files';

export interface PdfReadOptions extends LayoutOptions {
  /** Called after each page's rows, for progress status. */
  onPage?: (page: number, pages: number) => void;
  /** A page that takes longer than this fails the file (a damaged or crafted PDF). Default 120 s. */
  pageTimeoutMs?: number;
  /** Heap limit of the reader thread. Default 512 MB, at least 64. */
  maxHeapMb?: number;
}

export const SCANNED_REASON = 'no text layer: scanned/image-only PDF; print the report to PDF from Dentrix instead';

const WORKER = path.join(__dirname, 'pdf-worker.js');


/** A complete PDF starts with `%PDF-` and ends with `%%EOF` (a half-copied or cut file does not). */
export function checkPdfEnvelope(data: Uint8Array): void {
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, 1024)).toString('latin1');
  if (!head.startsWith('%PDF-')) throw new ExportFileError('not a PDF file (no %PDF- header)');
  const tailStart = Math.max(0, data.byteLength - 1024);
  const tail = Buffer.from(data.buffer, data.byteOffset + tailStart, data.byteLength - tailStart).toString('latin1');
  if (!tail.includes('%%EOF')) {
    throw new ExportFileError('corrupt PDF: the file is truncated (no %%EOF end marker); copy the whole report again');
  }
}

function failure(msg: Extract<FromWorker, { type: 'fail' }>): ExportFileError {
  if (msg.n !== undefined) return new ExportFileError(`corrupt PDF: page ${msg.n} cannot be read: ${msg.message}`);
  if (msg.name === 'PasswordException') {
    return new ExportFileError('encrypted PDF: it needs a password to open; print the report to PDF without a password');
  }
  return new ExportFileError(`corrupt PDF: ${msg.name === 'InvalidPDFException' ? 'invalid PDF structure' : msg.message}`);
}

/** The worker's messages as a pull queue; a crash, an early exit or a timeout rejects. */
class Inbox {
  private queue: FromWorker[] = [];
  private waiting: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | undefined;
  private broken: Error | undefined;

  constructor(worker: Worker, maxHeapMb: number) {
    worker.on('message', (m: FromWorker) => {
      if (this.waiting) this.settle().resolve(m);
      else this.queue.push(m);
    });
    worker.on('error', (err: Error & { code?: string }) =>
      this.break(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `the PDF needs more than ${maxHeapMb} MB to read`
          : `the PDF reader failed: ${err.message}`,
      ),
    );
    worker.on('exit', (code) => this.break(`the PDF reader stopped (exit code ${code})`));
  }

  private settle(): NonNullable<Inbox['waiting']> {
    const w = this.waiting!;
    this.waiting = undefined;
    return w;
  }

  private break(why: string): void {
    this.broken ??= new ExportFileError(`corrupt PDF: ${why}`);
    if (this.waiting) this.settle().reject(this.broken);
  }

  next(timeoutMs: number, what: string): Promise<FromWorker> {
    const ready = this.queue.shift();
    if (ready) return Promise.resolve(ready);
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        const limit = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
        reject(new ExportFileError(`corrupt PDF: ${what} took longer than ${limit}; the file may be damaged`));
      }, timeoutMs);
      const done = <T>(f: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        f(v);
      };
      this.waiting = { resolve: done(resolve), reject: done(reject) };
    });
  }
}

/** Rows of a PDF report held in memory (the dispatcher passes a file; tests and the bench pass bytes). */
export async function* readPdfData(bytes: Uint8Array, options: PdfReadOptions = {}): AsyncGenerator<string[]> {
  checkPdfEnvelope(bytes);
  const timeout = options.pageTimeoutMs ?? 120_000;
  // a tiny limit kills the whole process on Node 22 (the thread cannot even start)
  const maxHeapMb = Math.max(64, options.maxHeapMb ?? 512);
  const data = new Uint8Array(bytes); // a copy the worker takes over (transferred, not cloned)
  const input: WorkerInput = { pdfReader: true, data, standardFontDataUrl: PDFJS_STANDARD_FONTS };
  const worker = new Worker(WORKER, { workerData: input, transferList: [data.buffer], resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } });
  const inbox = new Inbox(worker, maxHeapMb);
  const ask = (n: number): void => worker.postMessage({ type: 'page', n } satisfies ToWorker);
  try {
    const opened = await inbox.next(timeout, 'opening the file');
    if (opened.type === 'fail') throw failure(opened);
    if (opened.type !== 'open') throw new ExportFileError('corrupt PDF: unexpected reply from the PDF reader');
    const pages = opened.pages;
    const table = new TableAssembler(options);
    let textPages = 0;
    if (pages > 0) ask(1);
    for (let n = 1; n <= pages; n++) {
      const msg = await inbox.next(timeout, `page ${n}`);
      if (msg.type === 'fail') throw failure(msg);
      if (msg.type !== 'page' || msg.n !== n) throw new ExportFileError('corrupt PDF: unexpected reply from the PDF reader');
      if (n < pages) ask(n + 1); // read ahead one page while this one is rebuilt
      if (msg.paints) throw new ExportFileError(`${SCANNED_REASON} (page ${n} of ${pages} has no text)`);
      if (msg.items.length) textPages++;
      for (const row of table.page(msg.items)) yield row;
      options.onPage?.(n, pages);
    }
    if (textPages === 0) throw new ExportFileError(SCANNED_REASON);
  } finally {
    await worker.terminate();
  }
}

/** The FormatReader for read-file.ts: a PDF report file, streamed as rows page by page. */
export async function* readPdf(file: string, options: PdfReadOptions = {}): AsyncGenerator<string[]> {
  yield* readPdfData(await readFile(file), options);
}
