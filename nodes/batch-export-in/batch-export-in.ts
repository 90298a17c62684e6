// batch-export-in: watches a folder for Dentrix report exports and emits the rows
// of each complete file as one message. Thin adapter: the logic is in lib/export
// (the watched folder as a service, and what to say about each file).
import * as path from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { atDeploy } from '../kit/config-node';
import { readAtDeploy } from '../kit/setting';
import { progressStatus, showStatus } from '../kit/status';
import { exportRunMeta } from '../lib/export/process-file';
import { reportOutcome } from '../lib/export/report';
import { ExportService } from '../lib/export/service';
import { exportSettings, FolderNotSetError, type RawExportSettings } from '../lib/export/settings';
import { EDITOR_TEMPLATES } from '../lib/export/template';

type ExportNodeDef = NodeDef & Partial<Omit<RawExportSettings, 'baseDir'>> & { folderType?: string; officeType?: string };

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
    const watching = (what = '') => showStatus(node, 'idle', `watching ${path.basename(s.folder)}${what}`);

    const service = s && new ExportService(s, {
      deliver: (batch) => node.send([{ payload: batch.rows, recall: exportRunMeta(batch) }, null]),
      outcome: (outcome) => {
        const r = reportOutcome(outcome, s.folder, s.office);
        if (r.warn) node.warn(r.warn);
        if (r.failed) {
          const { payload, recall, error } = r.failed;
          node.send([null, { payload, recall }]);
          // reaches Catch nodes: the failed file is an error of this node
          node.error(error, { payload: { ...payload }, recall: { ...recall } });
        }
        showStatus(node, r.status.state, r.status.text);
      },
      error: (err, file) => {
        node.error(file ? `${path.basename(file)}: ${err.message}` : `watching ${s.folder}: ${err.message}`);
        showStatus(node, 'broken', file ? `error: ${path.basename(file)}` : 'watch error');
      },
      activity: (file, what) => showStatus(node, what === 'reading' ? 'busy' : 'queued', `${what} ${path.basename(file)}`),
      // "reading page 120 of 480: report.pdf" while a long PDF is read; the count first, so truncation keeps it
      pages: () => {
        const show = progressStatus(node);
        return (file, done, total) => show(`reading page ${done} of ${total}: ${file}`, done >= total);
      },
      watching: () => watching(),
      log: (m) => node.log(m),
      warn: (m) => node.warn(m),
    });

    const started = (): Promise<void> =>
      service.start().catch((err: Error) => {
        showStatus(node, 'broken', 'folder not found');
        throw err;
      });
    if (!configError) started().catch((err: Error) => node.error(err.message));

    // any message: look at the folder again (and retry a folder that was missing)
    node.on('input', (_msg, _send, done) => {
      if (configError) return done(configError);
      started()
        .then(() => service.rescan())
        .then((n) => {
          if (n === 0) watching(': no files');
          done();
        }, done);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      void (service ? service.close() : Promise.resolve()).then(() => done());
    });
  }

  // the editor's template table reads the preset's columns and the key rule from here
  RED.nodes.registerType('batch-export-in', BatchExportIn, { settings: { batchExportInTemplates: { value: EDITOR_TEMPLATES, exportable: true } } });
};
