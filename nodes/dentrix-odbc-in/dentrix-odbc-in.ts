// dentrix-odbc-in: on each trigger, reads the recall list through ODBC and sends
// the rows of that run as one message. Thin adapter over nodes/lib/odbc.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { atDeploy, configNode } from '../kit/config-node';
import { readText } from '../kit/setting';
import { showStatus } from '../kit/status';
import { loadOdbc, runQuery, type OdbcModule, type OdbcParam } from '../lib/odbc/client';
import { MAX_RETRY_DELAY_MS, odbcInSettings, shortFault, type OdbcInConfigInput } from '../lib/odbc/config';
import type { ConnectionProvider } from '../lib/odbc/connection-config';
import { OdbcRunError } from '../lib/odbc/errors';
import { toOdbcParam } from '../lib/odbc/params';
import { RunSerializer } from '../lib/odbc/serializer';
import { ThinBatchDetector } from '../lib/odbc/thin-batch';
import { ODBC_PRESETS } from '../lib/presets/dentrix-g-query';
import { newRunMeta } from '../lib/run';

type OdbcInDef = NodeDef & OdbcInConfigInput & { connection?: string; office?: string; officeType?: string };
const PREFIX = 'Dentrix ODBC: ';

export = function (RED: NodeAPI): void {
  // Said once per Node-RED start, when the pack loads: npm drops the optional odbc
  // package silently when it cannot build, and each deploy must not repeat it as an error.
  const odbcLoad = loadOdbc();
  if (!odbcLoad.ok) RED.log.warn(`[dentrix-odbc-in] ${odbcLoad.error}. Offices that read exports only can ignore this.`);

  function DentrixOdbcIn(this: Node, config: OdbcInDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let closing = false;
    const load = odbcLoad;
    // a status, not an error on each deploy (an office may read exports only): the log said it once
    if (!load.ok) showStatus(node, 'pending', 'ODBC unavailable: install unixODBC + odbc (see log)');
    // without odbc every trigger fails saying so: the settings are checked once it is installed
    const setup = !load.ok ? {} : atDeploy(node, () => {
      const conn = configNode<ConnectionProvider>(RED, config.connection, 'connection', 'dentrix-connection', 'resolve');
      const settings = odbcInSettings(config);
      conn.resolve(); // checks the connection node's own numbers
      return { conn, settings, detector: new ThinBatchDetector(settings.thinWindow, settings.thinFraction) };
    }, ({ settings }) => (settings.preset ? `ready (preset ${settings.preset})` : 'ready'));
    const setupError = setup.problem && `${PREFIX}${setup.problem}`;
    const serializer = new RunSerializer(setup.value?.settings.busy ?? 'queue');
    if (setup.value && !setup.value.conn.resolve().configured) showStatus(node, 'pending', 'no connection configured');

    async function run(msg: NodeMessageInFlow, send: (m: NodeMessageInFlow) => void, done: (err?: Error) => void, odbc: OdbcModule): Promise<void> {
      const { conn: connNode, settings: s, detector } = setup.value!;
      const started = Date.now();
      try {
        const conn = connNode.resolve();
        if (!conn.configured) {
          const text = conn.source === 'command' ? 'no connection-string command is set' : 'no connection string or DSN is set (DENTRIX_CONNECTION)';
          showStatus(node, 'pending', 'not configured: nothing read');
          node.warn(`${PREFIX}${text}; this run read nothing`);
          return done();
        }
        const office = await readText(RED, node, 'office', config.office, config.officeType, msg);
        if (office === '') throw new Error(`${PREFIX}the office code is empty (set OFFICE_CODE or the node's Office setting)`);
        const asOf = s.asOf();
        const params: OdbcParam[] = s.autoAsOf ? [asOf!] : s.paramPaths.map((p) => toOdbcParam(RED.util.getMessageProperty(msg, p), p));
        showStatus(node, 'busy', 'connecting…');
        const connectionString = await conn.connectionString().catch((err: Error) => Promise.reject(new Error(`${PREFIX}${err.message}`)));
        const result = await runQuery(
          odbc,
          { connectionString, sql: s.statement.sql, params, loginTimeoutS: conn.loginTimeoutS, queryTimeoutS: conn.queryTimeoutS },
          { retries: s.retries, baseDelayMs: s.retryDelayMs, maxDelayMs: MAX_RETRY_DELAY_MS },
          {
            cancelled: () => closing,
            onRetry: (fault, retry, delayMs) => {
              showStatus(node, 'pending', `${shortFault(fault.kind)}; retry ${retry}/${s.retries} in ${(delayMs / 1000).toFixed(1)} s`);
              node.warn(`${PREFIX}${fault.text}${fault.state ? ` (ODBC state ${fault.state})` : ''}; retry ${retry} of ${s.retries} in ${delayMs} ms`);
            },
          },
        );
        const latencyMs = Date.now() - started;
        const rowCount = result.rows.length;
        const thin = detector.record(rowCount);
        msg.payload = result.rows;
        const recall = newRunMeta('odbc', office, { latencyMs, rowCount, columns: result.columns });
        if (s.preset) recall['dentrix-odbc-in'] = { preset: s.preset, asOf };
        Object.assign(msg, { recall });
        if (thin.thin) {
          node.warn(`${PREFIX}thin batch: ${rowCount} rows, the median of the last runs is ${thin.median}; check the view, the database and the SQL`);
          showStatus(node, 'warn', `thin batch: ${rowCount} rows (median ${thin.median}) in ${latencyMs} ms`);
        } else {
          showStatus(node, 'ok', `${rowCount} rows in ${latencyMs} ms${result.attempts > 1 ? ` (attempt ${result.attempts})` : ''}`);
        }
        send(msg);
        done();
      } catch (err) {
        const fault = err instanceof OdbcRunError ? err : undefined;
        showStatus(node, 'broken', fault ? `${shortFault(fault.kind)}${fault.state ? ` (${fault.state})` : ''}` : (err as Error).message.replace(PREFIX, ''));
        done(err as Error);
      }
    }

    node.on('input', (msg, send, done) => {
      if (!load.ok) {
        showStatus(node, 'broken', 'ODBC unavailable: nothing read (see log)');
        return done(new Error(load.error));
      }
      if (setupError) return done(new Error(setupError));
      const admission = serializer.submit(
        () => run(msg, send, done, load.odbc),
        (reason) => done(new Error(`${PREFIX}queued run discarded: ${reason}`)),
      );
      if (admission.state === 'dropped') {
        node.warn(`${PREFIX}trigger dropped: a run is still in progress (when busy: ${setup.value!.settings.busy === 'drop' ? 'drop' : 'queue full'})`);
        done();
      } else if (admission.state === 'queued') {
        showStatus(node, 'queued', `run in progress; ${admission.position} trigger(s) queued`);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      serializer.drain('the flow was stopped').then(() => done(), () => done());
    });
  }
  // the editor's "insert the preset" button reads the SQL from here (RED.settings.dentrixOdbcInPresets)
  RED.nodes.registerType('dentrix-odbc-in', DentrixOdbcIn, { settings: { dentrixOdbcInPresets: { value: ODBC_PRESETS, exportable: true } } });
};
