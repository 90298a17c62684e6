// batch-export-in: watches a folder for Dentrix report exports and emits the rows
// of each complete file as one message. Thin adapter: the logic is in lib/export.
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { atDeploy } from '../kit/config-node';
import { readAtDeploy } from '../kit/setting';
import { showStatus } from '../kit/status';
import { SEEN_FILE, PROCESSED_DIR } from '../lib/export/folder';
import { exportRunMeta, failInterruptedRead, processFile, type Outcome } from '../lib/export/process-file';
import { removeOldExports } from '../lib/export/retention';
import { SeenStore } from '../lib/export/seen';
import { exportSettings, FolderNotSetError, type RawExportSettings } from '../lib/export/settings';
import { EDITOR_TEMPLATES } from '../lib/export/template';
import { FolderWatcher } from '../lib/export/watcher';
import { newRunMeta } from '../lib/run';

type ExportNodeDef = NodeDef & Partial<Omit<RawExportSettings, 'baseDir'>> & { folderType?: string; officeType?: string };

/** How often old files are removed from processed/ and failed/ (also once at start). */
const RETENTION_EVERY_MS = 3_600_000;
/** Page-progress status at most this often: a 500-page report must not flood the editor. */
const PROGRESS_EVERY_MS = 250;

export = function (RED: NodeAPI): void {
  function BatchExportIn(this: Node, config: ExportNodeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    // an office that reads through ODBC only leaves the folder unset: not an error on each deploy
    const setup = atDeploy(node, () => exportSettings({
      ...config,
      folder: readAtDeploy(RED, node, config.folder, config.folderType, '${RECALL_WATCH_DIR}'),
      office: readAtDeploy(RED, node, config.office, config.officeType, '${OFFICE_CODE}'),
      baseDir: RED.settings.userDir ?? process.cwd(),
    }), undefined, (err) => (err instanceof FolderNotSetError ? 'not configured: set RECALL_WATCH_DIR' : undefined));
    const s = setup.value!;
    const configError = setup.problem === undefined ? undefined : new Error(setup.problem);
    let watcher: FolderWatcher | undefined;
    let starting: Promise<void> | undefined;
    let closed = false;
    let retentionTimer: NodeJS.Timeout | undefined;
    const seen = s && new SeenStore(path.join(s.folder, PROCESSED_DIR, SEEN_FILE));
    const moved = (to: string) => path.relative(s.folder, to);

    function report(outcome: Outcome): void {
      if (outcome.kind === 'rows') {
        const { batch } = outcome;
        if (batch.table.unexpected.length) node.warn(`${batch.file}: columns not in the template were ignored: ${batch.table.unexpected.join(', ')}`);
        showStatus(node, 'ok', `${batch.rows.length} rows from ${batch.file}`);
      } else if (outcome.kind === 'duplicate') {
        const d = outcome.duplicate;
        node.warn(`${d.file}: same content as ${d.first.file} (processed ${d.first.at}); not read again, moved to ${moved(d.movedTo)}`);
        showStatus(node, 'pending', `duplicate skipped: ${d.file}`);
      } else if (outcome.kind === 'failed') {
        const f = outcome.failure;
        const payload = { ...f, movedTo: f.movedTo };
        const recall = newRunMeta('export', s.office, { file: f.file });
        node.send([null, { payload, recall }]);
        // reaches Catch nodes: the failed file is an error of this node
        node.error(`${f.file}: ${f.error} (moved to ${moved(f.movedTo)})`, { payload: { ...payload }, recall: { ...recall } });
        showStatus(node, 'broken', `failed: ${f.file}`);
      } else {
        showStatus(node, 'queued', `changed while read: ${path.basename(outcome.file)}`);
      }
    }

    /** "reading page 120 of 480: report.pdf" while a long PDF is read; the count first, so truncation keeps it */
    function pages(): (file: string, done: number, total: number) => void {
      let last = 0;
      return (file, done, total) => {
        if (Date.now() - last < PROGRESS_EVERY_MS && done < total) return;
        last = Date.now();
        showStatus(node, 'busy', `reading page ${done} of ${total}: ${file}`);
      };
    }

    async function start(): Promise<void> {
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
          const options = { root: s.folder, template: s.template, failOnUnexpected: s.failOnUnexpected, office: s.office, officePattern: s.officePattern, seen: seen!, onProgress: pages() };
          report(await processFile(file, options, (batch) => node.send([{ payload: batch.rows, recall: exportRunMeta(batch) }, null])));
        },
        onError: (err, file) => {
          node.error(file ? `${path.basename(file)}: ${err.message}` : `watching ${s.folder}: ${err.message}`);
          showStatus(node, 'broken', file ? `error: ${path.basename(file)}` : 'watch error');
        },
        onActivity: (file, what) => showStatus(node, what === 'reading' ? 'busy' : 'queued', `${what} ${path.basename(file)}`),
      });
      await w.start();
      if (closed) return void (await w.close());
      watcher = w;
      showStatus(node, 'idle', `watching ${path.basename(s.folder)}`);
    }

    function removeOld(): void {
      removeOldExports(s.folder, s.keepDays, new Date())
        .then((n) => n > 0 && node.log(`removed ${n} files older than ${s.keepDays} days from processed/ and failed/`))
        .catch((err: Error) => node.warn(`removing old files from processed/ and failed/: ${err.message}`));
    }

    function ensureStarted(): Promise<void> {
      starting ??= start().catch((err: Error) => {
        starting = undefined;
        showStatus(node, 'broken', 'folder not found');
        throw err;
      });
      return starting;
    }

    if (!configError) ensureStarted().catch((err: Error) => node.error(err.message));

    // any message: look at the folder again (and retry a folder that was missing)
    node.on('input', (_msg, _send, done) => {
      if (configError) return done(configError);
      ensureStarted()
        .then(() => watcher?.rescan() ?? 0)
        .then((n) => {
          if (n === 0) showStatus(node, 'idle', `watching ${path.basename(s.folder)}: no files`);
          done();
        }, done);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(retentionTimer);
      const w = watcher;
      watcher = undefined;
      (w ? w.close() : Promise.resolve()).catch(() => undefined).then(() => done());
    });
  }

  // the editor's template table reads the preset's columns and the key rule from here
  RED.nodes.registerType('batch-export-in', BatchExportIn, { settings: { batchExportInTemplates: { value: EDITOR_TEMPLATES, exportable: true } } });
};
