// PDF reports (the Batch Processor's printed Continuing Care list) through pdf.js:
// text items with their positions, page by page, rebuilt into rows by
// pdf-layout.ts. Only the current page's text is held (getTextContent, then
// page.cleanup()), so a 200-page report stays within a few pages' worth.
//
// pdf.js runs in-process (its "fake worker" in Node), with eval off, no
// network (the file's bytes are passed in), no system fonts, and the standard
// font data from the installed pdfjs-dist (for the non-embedded Helvetica of
// printed reports).
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ExportFileError } from './cells';
import { type LayoutOptions, type TextItem, TableAssembler } from './pdf-layout';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs', { with: { 'resolution-mode': 'import' } });
type PdfDocument = Awaited<ReturnType<PdfJs['getDocument']>['promise']>;

export interface PdfReadOptions extends LayoutOptions {
  /** Called after each page, for progress status. */
  onPage?: (page: number, pages: number) => void;
}

export const SCANNED_REASON =
  'no text layer: scanned/image-only PDF; print the report to PDF from Dentrix instead';

let pdfjs: Promise<PdfJs> | undefined;
/** pdf.js is ESM only; a real dynamic import (tsconfig module node16 keeps it). */
function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjs;
}

function standardFontDir(): string {
  return path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts') + path.sep;
}

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

function openError(err: unknown): ExportFileError {
  const e = err as { name?: string; message?: string };
  if (e?.name === 'PasswordException') {
    return new ExportFileError('encrypted PDF: it needs a password to open; print the report to PDF without a password');
  }
  const why = e?.name === 'InvalidPDFException' ? 'invalid PDF structure' : (e?.message ?? String(err));
  return new ExportFileError(`corrupt PDF: ${why}`);
}

/** Painting operators: a page that paints but has no text is an image (or outlined text). */
async function paintsSomething(lib: PdfJs, page: Awaited<ReturnType<PdfDocument['getPage']>>): Promise<boolean> {
  const ops = await page.getOperatorList();
  const paint = new Set([
    lib.OPS.paintImageXObject,
    lib.OPS.paintInlineImageXObject,
    lib.OPS.paintImageMaskXObject,
    lib.OPS.paintInlineImageXObjectGroup,
    lib.OPS.paintImageXObjectRepeat,
    lib.OPS.paintImageMaskXObjectRepeat,
    lib.OPS.paintSolidColorImageMask,
    lib.OPS.paintImageMaskXObjectGroup,
    lib.OPS.constructPath,
    lib.OPS.shadingFill,
  ]);
  return ops.fnArray.some((fn) => paint.has(fn));
}

/** Rows of a PDF report held in memory (the dispatcher passes a file; tests and the bench pass bytes). */
export async function* readPdfData(bytes: Uint8Array, options: PdfReadOptions = {}): AsyncGenerator<string[]> {
  checkPdfEnvelope(bytes);
  const lib = await loadPdfJs();
  const task = lib.getDocument({
    data: new Uint8Array(bytes), // pdf.js may take ownership of the buffer
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    useWorkerFetch: false,
    isOffscreenCanvasSupported: false,
    stopAtErrors: true,
    standardFontDataUrl: standardFontDir(),
    verbosity: 0, // errors only: pdf.js warnings go to console.log
  });
  let doc: PdfDocument;
  try {
    doc = await task.promise;
  } catch (err) {
    await task.destroy().catch(() => undefined);
    throw openError(err);
  }
  const table = new TableAssembler(options);
  let textPages = 0;
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      let items: TextItem[];
      let imageOnly = false;
      try {
        const page = await doc.getPage(n);
        const viewport = page.getViewport({ scale: 1 }); // honours /Rotate
        const content = await page.getTextContent();
        items = [];
        for (const it of content.items) {
          if (!('str' in it) || it.str.trim() === '') continue;
          const m = lib.Util.transform(viewport.transform, it.transform);
          // viewport space has y downwards; the layout wants y upwards
          items.push({ str: it.str, x: m[4], y: -m[5], w: it.width, size: Math.hypot(m[2], m[3]) || it.height });
        }
        if (items.length === 0) imageOnly = await paintsSomething(lib, page);
        page.cleanup();
      } catch (err) {
        throw new ExportFileError(`corrupt PDF: page ${n} cannot be read: ${(err as Error).message}`);
      }
      if (imageOnly) throw new ExportFileError(`${SCANNED_REASON} (page ${n} of ${doc.numPages} has no text)`);
      if (items.length) textPages++;
      for (const row of table.page(items)) yield row;
      options.onPage?.(n, doc.numPages);
    }
    if (textPages === 0) throw new ExportFileError(SCANNED_REASON);
  } finally {
    await doc.destroy().catch(() => undefined);
  }
}

/** The FormatReader for read-file.ts: a PDF report file, streamed as rows page by page. */
export async function* readPdf(file: string, options: PdfReadOptions = {}): AsyncGenerator<string[]> {
  yield* readPdfData(await readFile(file), options);
}
