// batch-export-in: watches a folder for Dentrix report exports and emits the rows
// of each complete file as one message. Thin adapter: the logic is in lib/export.
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { SEEN_FILE, PROCESSED_DIR } from '../lib/export/folder';
import { type ExportBatch, failInterruptedRead, processFile, type Outcome } from '../lib/export/process-file';
import { removeOldExports } from '../lib/export/retention';
import { SeenStore } from '../lib/export/seen';
import { type ExportSettings, exportSettings, FolderNotSetError } from '../lib/export/settings';
import { FolderWatcher } from '../lib/export/watcher';
import { newRunMeta } from '../lib/run';
import { envSetting } from '../lib/settings';

interface ExportNodeDef extends NodeDef {
  folder?: string;
  folderType?: string;
  office?: string;
  officeType?: string;
  officePattern?: string;
  stableMs?: string | number;
  template?: string;
  customTemplate?: string;
  failOnUnexpected?: boolean;
  usePolling?: boolean;
  keepDays?: string | number;
}

/** How often old files are removed from processed/ and failed/ (also once at start). */
const RETENTION_EVERY_MS = 3_600_000;

/** Page-progress status at most this often: a 500-page report must not flood the editor. */
const PROGRESS_EVERY_MS = 250;

export = function (RED: NodeAPI): void {
  /** A str (with ${ENV}) or env typed input. */
  function typed(node: Node, value: string | undefined, type: string | undefined, fallback: string): string {
    if (value === undefined) return envSetting(fallback);
    if (type === 'env') return String(RED.util.evaluateNodeProperty(value, 'env', node, {}) ?? '').trim();
    return envSetting(value);
  }

  function BatchExportIn(this: Node, config: ExportNodeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let settings: ExportSettings | undefined;
    let configError: Error | undefined;
    try {
      settings = exportSettings({
        folder: typed(node, config.folder, config.folderType, '${RECALL_WATCH_DIR}'),
        office: typed(node, config.office, config.officeType, '${OFFICE_CODE}'),
        officePattern: config.officePattern,
        stableMs: config.stableMs,
        template: config.template,
        customTemplate: config.customTemplate,
        failOnUnexpected: config.failOnUnexpected,
        usePolling: config.usePolling,
        keepDays: config.keepDays,
        baseDir: RED.settings.userDir ?? process.cwd(),
      });
    } catch (err) {
      configError = err as Error;
    }

    let watcher: FolderWatcher | undefined;
    let starting: Promise<void> | undefined;
    let closed = false;
    let retentionTimer: NodeJS.Timeout | undefined;
    const seen = settings && new SeenStore(path.join(settings.folder, PROCESSED_DIR, SEEN_FILE));

    const status = (fill: 'red' | 'green' | 'yellow' | 'blue' | 'grey', shape: 'dot' | 'ring', text: string) =>
      node.status({ fill, shape, text: text.length > 60 ? `${text.slice(0, 57)}...` : text });

    function deliver(batch: ExportBatch): void {
      const recall = newRunMeta('export', batch.office, {
        file: batch.file,
        rowCount: batch.rows.length,
        columns: batch.table.columns,
        format: batch.format,
      });
      if (batch.table.unexpected.length) recall.unexpectedColumns = batch.table.unexpected;
      node.send([{ payload: batch.rows, recall }, null]);
    }

    function report(outcome: Outcome): void {
      switch (outcome.kind) {
        case 'rows': {
          const { batch } = outcome;
          if (batch.table.unexpected.length) node.warn(`${batch.file}: columns not in the template were ignored: ${batch.table.unexpected.join(', ')}`);
          status('green', 'dot', `${batch.rows.length} rows from ${batch.file}`);
          break;
        }
        case 'duplicate': {
          const d = outcome.duplicate;
          node.warn(`${d.file}: same content as ${d.first.file} (processed ${d.first.at}); not read again, moved to ${path.relative(settings!.folder, d.movedTo)}`);
          status('yellow', 'ring', `duplicate skipped: ${d.file}`);
          break;
        }
        case 'failed': {
          const f = outcome.failure;
          const payload = { ...f, movedTo: f.movedTo };
          const recall = newRunMeta('export', settings!.office, { file: f.file });
          node.send([null, { payload, recall }]);
          // reaches Catch nodes: the failed file is an error of this node
          node.error(`${f.file}: ${f.error} (moved to ${path.relative(settings!.folder, f.movedTo)})`, { payload: { ...payload }, recall: { ...recall } });
          status('red', 'ring', `failed: ${f.file}`);
          break;
        }
        case 'changed':
          status('blue', 'ring', `changed while read: ${path.basename(outcome.file)}`);
          break;
      }
    }

    /** "reading page 120 of 480: report.pdf" while a long PDF is read; the count first, so truncation keeps it */
    function pages(): (file: string, done: number, total: number) => void {
      let last = 0;
      return (file, done, total) => {
        const now = Date.now();
        if (now - last < PROGRESS_EVERY_MS && done < total) return;
        last = now;
        status('blue', 'dot', `reading page ${done} of ${total}: ${file}`);
      };
    }

    async function start(): Promise<void> {
      const s = settings!;
      const st = await stat(s.folder).catch(() => undefined);
      if (!st?.isDirectory()) throw new Error(`folder "${s.folder}" does not exist or is not a folder (setting "Folder")`);
      // the file being read when the process died is not read again (no crash loop)
      const interrupted = await failInterruptedRead(s.folder);
      if (interrupted) report({ kind: 'failed', failure: interrupted });
      removeOld();
      retentionTimer ??= setInterval(removeOld, RETENTION_EVERY_MS);
      retentionTimer.unref();
      const w = new FolderWatcher({
        root: s.folder,
        stableMs: s.stableMs,
        usePolling: s.usePolling,
        handle: async (file) => {
          const outcome = await processFile(
            file,
            { root: s.folder, template: s.template, failOnUnexpected: s.failOnUnexpected, office: s.office, officePattern: s.officePattern, seen: seen!, onProgress: pages() },
            deliver,
          );
          report(outcome);
        },
        onError: (err, file) => {
          node.error(file ? `${path.basename(file)}: ${err.message}` : `watching ${s.folder}: ${err.message}`);
          status('red', 'ring', file ? `error: ${path.basename(file)}` : 'watch error');
        },
        onActivity: (file, what) => status('blue', what === 'reading' ? 'dot' : 'ring', `${what} ${path.basename(file)}`),
      });
      await w.start();
      if (closed) return void (await w.close());
      watcher = w;
      status('grey', 'dot', `watching ${path.basename(s.folder)}`);
    }

    function removeOld(): void {
      const s = settings!;
      removeOldExports(s.folder, s.keepDays, new Date())
        .then((n) => n > 0 && node.log(`removed ${n} files older than ${s.keepDays} days from processed/ and failed/`))
        .catch((err: Error) => node.warn(`removing old files from processed/ and failed/: ${err.message}`));
    }

    function ensureStarted(): Promise<void> {
      starting ??= start().catch((err: Error) => {
        starting = undefined;
        throw err;
      });
      return starting;
    }

    if (configError instanceof FolderNotSetError) {
      // not an error on each deploy: an office that reads through ODBC only leaves it unset
      status('yellow', 'ring', 'not configured: set RECALL_WATCH_DIR');
    } else if (configError) {
      status('red', 'ring', 'configuration error');
      node.error(configError.message);
    } else {
      ensureStarted().catch((err: Error) => {
        status('red', 'ring', 'folder not found');
        node.error(err.message);
      });
    }

    // any message: look at the folder again (and retry a folder that was missing)
    node.on('input', (_msg, _send, done) => {
      if (configError) return done(configError);
      ensureStarted()
        .then(() => watcher?.rescan() ?? 0)
        .then((n) => {
          if (n === 0) status('grey', 'dot', `watching ${path.basename(settings!.folder)}: no files`);
          done();
        })
        .catch((err: Error) => {
          status('red', 'ring', 'folder not found');
          done(err);
        });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(retentionTimer);
      const w = watcher;
      watcher = undefined;
      (w ? w.close() : Promise.resolve()).catch(() => undefined).then(() => done());
    });
  }

  RED.nodes.registerType('batch-export-in', BatchExportIn);
};
