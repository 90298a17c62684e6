// Runs inside a worker thread started by pdf-reader.ts: opens the PDF with
// pdf.js and hands back one page of positioned text per request.
//
// Why a thread: importing pdfjs-dist's Node build installs core-js polyfills on
// the process's globals (on Node 20 it replaces Array.prototype.push and
// JSON.parse, and it adds `self`, DOMMatrix, Path2D, ...). Inside a worker they
// stay in the worker, away from Node-RED and the other nodes. The thread also
// gets a heap limit and can be stopped if a crafted file never finishes.
import { pathToFileURL } from 'node:url';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { PDFJS_MAIN } from './pdfjs-files';
import type { TextItem } from './pdf-layout';

export interface WorkerInput {
  pdfReader: true;
  data: Uint8Array;
  standardFontDataUrl: string;
}

export type ToWorker = { type: 'page'; n: number };

export type FromWorker =
  | { type: 'open'; pages: number }
  /** `paints`: only looked up for a page without text (a scan paints an image) */
  | { type: 'page'; n: number; items: TextItem[]; paints: boolean }
  | { type: 'fail'; n?: number; name: string; message: string };

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs', { with: { 'resolution-mode': 'import' } });
type PdfPage = Awaited<ReturnType<Awaited<ReturnType<PdfJs['getDocument']>['promise']>['getPage']>>;

/** Painting operators: a page that paints but has no text is an image (or outlined text). */
async function paintsSomething(lib: PdfJs, page: PdfPage): Promise<boolean> {
  const o = lib.OPS;
  const paint = new Set([
    o.paintImageXObject,
    o.paintInlineImageXObject,
    o.paintImageMaskXObject,
    o.paintInlineImageXObjectGroup,
    o.paintImageXObjectRepeat,
    o.paintImageMaskXObjectRepeat,
    o.paintSolidColorImageMask,
    o.paintImageMaskXObjectGroup,
    o.constructPath,
    o.shadingFill,
  ]);
  const ops = await page.getOperatorList();
  return ops.fnArray.some((fn) => paint.has(fn));
}

async function pageItems(lib: PdfJs, page: PdfPage): Promise<TextItem[]> {
  const viewport = page.getViewport({ scale: 1 }); // honours /Rotate
  const content = await page.getTextContent();
  const items: TextItem[] = [];
  for (const it of content.items) {
    if (!('str' in it) || it.str.trim() === '') continue;
    const m = lib.Util.transform(viewport.transform, it.transform);
    // viewport space has y downwards; the layout wants y upwards
    items.push({ str: it.str, x: m[4], y: -m[5], w: it.width, size: Math.hypot(m[2], m[3]) || it.height });
  }
  return items;
}

/**
 * pdf.js looks for the optional @napi-rs/canvas package when its main and worker
 * modules load (for rendering, which text extraction never does) and prints warnings
 * when it is absent, as user installs have it: this thread drops those lines.
 */
function dropCanvasWarnings(): void {
  const canvasWarning = /^Warning: Cannot (load "@napi-rs\/canvas"|polyfill `)/;
  for (const level of ['warn', 'log'] as const) {
    const print = console[level];
    console[level] = (...args: unknown[]) => {
      if (!canvasWarning.test(String(args[0]))) print(...args);
    };
  }
}

async function importPdfJs(): Promise<PdfJs> {
  return (await import(pathToFileURL(PDFJS_MAIN).href)) as PdfJs; // the pack's copy (pdfjs-files.ts)
}

async function serve(port: MessagePort, input: WorkerInput): Promise<void> {
  const send = (msg: FromWorker): void => port.postMessage(msg);
  const fail = (err: unknown, n?: number): void => {
    const e = err as { name?: string; message?: string };
    send({ type: 'fail', n, name: String(e?.name ?? 'Error'), message: String(e?.message ?? err) });
  };
  let lib: PdfJs;
  let doc: Awaited<ReturnType<PdfJs['getDocument']>['promise']>;
  try {
    dropCanvasWarnings();
    lib = await importPdfJs();
    doc = await lib.getDocument({
      data: input.data,
      // (pdf.js 6 no longer has isEvalSupported: it never evaluates font code)
      useSystemFonts: false,
      disableFontFace: true,
      useWorkerFetch: false,
      isOffscreenCanvasSupported: false,
      stopAtErrors: true,
      standardFontDataUrl: input.standardFontDataUrl,
      verbosity: 0, // errors only: pdf.js warnings go to console.log
    }).promise;
  } catch (err) {
    return fail(err);
  }
  send({ type: 'open', pages: doc.numPages });
  port.on('message', (msg: ToWorker) => {
    const n = msg.n;
    void (async () => {
      try {
        const page = await doc.getPage(n);
        const items = await pageItems(lib, page);
        const paints = items.length === 0 && (await paintsSomething(lib, page));
        page.cleanup();
        send({ type: 'page', n, items, paints });
      } catch (err) {
        fail(err, n);
      }
    })();
  });
}

const input = workerData as WorkerInput | undefined;
if (parentPort && input?.pdfReader) void serve(parentPort, input);
