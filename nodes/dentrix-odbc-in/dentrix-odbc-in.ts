// dentrix-odbc-in: on each trigger, reads the recall list through ODBC and sends
// the rows of that run as one message. Thin adapter over nodes/lib/odbc.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { resolveAsOf } from '../lib/calendar/as-of';
import { loadOdbc, runQuery, type OdbcModule, type OdbcParam } from '../lib/odbc/client';
import { OdbcRunError, type Fault } from '../lib/odbc/errors';
import { parseParamPaths, toOdbcParam } from '../lib/odbc/params';
import { RunSerializer, type BusyMode } from '../lib/odbc/serializer';
import { checkSql, type CheckedSql } from '../lib/odbc/sql-guard';
import { ThinBatchDetector } from '../lib/odbc/thin-batch';
import { DENTRIX_G_RECALL_PRESET, ODBC_PRESETS } from '../lib/presets/dentrix-g-query';
import { newRunMeta } from '../lib/run';
import type { RecallMeta } from '../lib/types';
import { envSetting, intSetting, typedSetting } from '../lib/settings';
import type { ConnectionProvider } from '../lib/odbc/connection-config';

interface OdbcInConfig extends NodeDef {
  connection: string;
  sql: string;
  params: string;
  office: string;
  officeType: string;
  retries: string | number;
  retryDelay: string | number;
  thinFraction: string | number;
  thinWindow: string | number;
  busy: string;
  /** preset only: fixed as-of date (default ${RECALL_AS_OF}) */
  asOf?: string;
  /** preset only: the office's IANA time zone for "today" (default ${OFFICE_TZ}) */
  timeZone?: string;
}

const MAX_RETRY_DELAY_MS = 60_000;

function fraction(value: unknown): number {
  const text = envSetting(value);
  if (text === '') return 0.5;
  const n = Number(text);
  if (!(n >= 0 && n <= 1)) throw new Error(`setting "thin-batch fraction" must be a number from 0 to 1, got "${text}"`);
  return n;
}

function shortFault(kind: Fault['kind'] | undefined): string {
  switch (kind) {
    case 'bad-login': return 'bad user name or password';
    case 'unreachable': return 'server unreachable';
    case 'login-timeout': return 'login timed out';
    case 'connection-lost': return 'connection lost';
    case 'query-timeout': return 'query timed out';
    case 'driver-missing': return 'ODBC driver missing';
    case 'unknown-dsn': return 'unknown DSN';
    case 'sql': return 'SQL error';
    default: return 'failed';
  }
}

/** The node's status while the odbc package is missing: not an error (an office may use exports only). */
const ODBC_UNAVAILABLE_STATUS = { fill: 'yellow', shape: 'ring', text: 'ODBC unavailable: install unixODBC + odbc (see log)' } as const;

export = function (RED: NodeAPI): void {
  // Said once per Node-RED start, when the pack loads: npm drops the optional odbc
  // package silently when it cannot build, and each deploy must not repeat it as an error.
  const odbcLoad = loadOdbc();
  if (!odbcLoad.ok) RED.log.warn(`[dentrix-odbc-in] ${odbcLoad.error}. Offices that read exports only can ignore this.`);

  function DentrixOdbcIn(this: Node, config: OdbcInConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let closing = false;

    // Everything a misconfiguration can break is checked here, at deploy.
    let setupError: string | null = null;
    let statement: CheckedSql | undefined;
    let paramPaths: string[] = [];
    let retries = 3;
    let retryDelay = 2000;
    let detector = new ThinBatchDetector();
    const busy: BusyMode = config.busy === 'drop' ? 'drop' : 'queue';
    const serializer = new RunSerializer(busy);
    const connNode = RED.nodes.getNode(config.connection) as (Node & ConnectionProvider) | null;
    const usesPreset = envSetting(config.sql) === '';
    try {
      if (!connNode || typeof connNode.resolve !== 'function') throw new Error('no Dentrix connection is selected');
      statement = checkSql(usesPreset ? ODBC_PRESETS[DENTRIX_G_RECALL_PRESET] : envSetting(config.sql));
      paramPaths = parseParamPaths(config.params);
      // The preset's one `?` is the as-of date, bound by the node unless parameters are listed.
      const autoAsOf = usesPreset && paramPaths.length === 0;
      if (!autoAsOf && statement.placeholders !== paramPaths.length) {
        throw new Error(`the SQL has ${statement.placeholders} "?" parameter marker(s) but ${paramPaths.length} parameter(s) are listed`);
      }
      retries = intSetting('retries', config.retries, 3, 0, 10);
      retryDelay = intSetting('retry delay (ms)', config.retryDelay, 2000, 0, MAX_RETRY_DELAY_MS);
      detector = new ThinBatchDetector(intSetting('thin-batch runs', config.thinWindow, 5, 1, 100), fraction(config.thinFraction));
      if (usesPreset) presetAsOf(); // checks the date and the zone
      connNode.resolve(); // checks the connection node's own numbers
    } catch (err) {
      setupError = `Dentrix ODBC: ${(err as Error).message}`;
    }

    const load = odbcLoad;
    if (!load.ok) {
      node.status(ODBC_UNAVAILABLE_STATUS);
    } else if (setupError) {
      node.status({ fill: 'red', shape: 'ring', text: setupError.replace(/^Dentrix ODBC: /, '').slice(0, 60) });
      node.error(setupError);
    } else if (!connNode!.resolve().configured) {
      node.status({ fill: 'yellow', shape: 'ring', text: 'no connection configured' });
    } else {
      node.status({ fill: 'grey', shape: 'ring', text: usesPreset ? `ready (preset ${DENTRIX_G_RECALL_PRESET})` : 'ready' });
    }

    /** The preset's as-of date: fixed (RECALL_AS_OF) or today in the office's zone. */
    function presetAsOf(): string {
      const fixed = config.asOf === undefined ? '${RECALL_AS_OF}' : config.asOf;
      const zone = config.timeZone === undefined ? '${OFFICE_TZ}' : config.timeZone;
      return resolveAsOf(envSetting(fixed), envSetting(zone));
    }

    async function office(msg: NodeMessageInFlow): Promise<string> {
      const type = config.officeType || 'str';
      if (type === 'str') return envSetting(config.office);
      const value = await new Promise<unknown>((resolve, reject) =>
        RED.util.evaluateNodeProperty(config.office, type, node, msg, (err: Error | null, v: unknown) => (err ? reject(err) : resolve(v))),
      );
      return typedSetting(value, type);
    }

    async function run(msg: NodeMessageInFlow, send: (m: NodeMessageInFlow) => void, done: (err?: Error) => void, odbc: OdbcModule): Promise<void> {
      const started = Date.now();
      try {
        const conn = connNode!.resolve();
        if (!conn.configured) {
          const text = conn.source === 'command' ? 'no connection-string command is set' : 'no connection string or DSN is set (DENTRIX_CONNECTION)';
          node.status({ fill: 'yellow', shape: 'ring', text: 'not configured: nothing read' });
          node.warn(`Dentrix ODBC: ${text}; this run read nothing`);
          return done();
        }
        const officeCode = await office(msg);
        if (officeCode === '') throw new Error('Dentrix ODBC: the office code is empty (set OFFICE_CODE or the node\'s Office setting)');
        const asOf = usesPreset ? presetAsOf() : undefined;
        const params: OdbcParam[] = usesPreset && paramPaths.length === 0
          ? [asOf!]
          : paramPaths.map((p) => toOdbcParam(RED.util.getMessageProperty(msg, p), p));

        node.status({ fill: 'blue', shape: 'dot', text: 'connecting…' });
        let connectionString: string;
        try {
          connectionString = await conn.connectionString();
        } catch (err) {
          throw new Error(`Dentrix ODBC: ${(err as Error).message}`);
        }
        const result = await runQuery(
          odbc,
          { connectionString, sql: statement!.sql, params, loginTimeoutS: conn.loginTimeoutS, queryTimeoutS: conn.queryTimeoutS },
          { retries, baseDelayMs: retryDelay, maxDelayMs: MAX_RETRY_DELAY_MS },
          {
            cancelled: () => closing,
            onRetry: (fault, retry, delayMs) => {
              node.status({ fill: 'yellow', shape: 'ring', text: `${shortFault(fault.kind)}; retry ${retry}/${retries} in ${(delayMs / 1000).toFixed(1)} s` });
              node.warn(`Dentrix ODBC: ${fault.text}${fault.state ? ` (ODBC state ${fault.state})` : ''}; retry ${retry} of ${retries} in ${delayMs} ms`);
            },
          },
        );
        const latencyMs = Date.now() - started;
        const rowCount = result.rows.length;
        const thin = detector.record(rowCount);
        msg.payload = result.rows;
        const meta: RecallMeta = { ...newRunMeta('odbc', officeCode), latencyMs, rowCount, columns: result.columns };
        if (usesPreset) meta['dentrix-odbc-in'] = { preset: DENTRIX_G_RECALL_PRESET, asOf };
        (msg as NodeMessageInFlow & { recall: unknown }).recall = meta;
        if (thin.thin) {
          node.warn(`Dentrix ODBC: thin batch: ${rowCount} rows, the median of the last runs is ${thin.median}; check the view, the database and the SQL`);
          node.status({ fill: 'yellow', shape: 'dot', text: `thin batch: ${rowCount} rows (median ${thin.median}) in ${latencyMs} ms` });
        } else {
          node.status({ fill: 'green', shape: 'dot', text: `${rowCount} rows in ${latencyMs} ms${result.attempts > 1 ? ` (attempt ${result.attempts})` : ''}` });
        }
        send(msg);
        done();
      } catch (err) {
        const kind = err instanceof OdbcRunError ? err.kind : undefined;
        const state = err instanceof OdbcRunError && err.state ? ` (${err.state})` : '';
        node.status({ fill: 'red', shape: 'ring', text: kind ? `${shortFault(kind)}${state}` : String((err as Error).message).replace(/^Dentrix ODBC: /, '').slice(0, 60) });
        done(err as Error);
      }
    }

    node.on('input', (msg, send, done) => {
      if (!load.ok) {
        node.status({ fill: 'red', shape: 'ring', text: 'ODBC unavailable: nothing read (see log)' });
        return done(new Error(load.error));
      }
      if (setupError) return done(new Error(setupError));
      const admission = serializer.submit(
        () => run(msg, send, done, load.odbc),
        (reason) => done(new Error(`Dentrix ODBC: queued run discarded: ${reason}`)),
      );
      if (admission.state === 'dropped') {
        node.warn(`Dentrix ODBC: trigger dropped: a run is still in progress (when busy: ${busy === 'drop' ? 'drop' : 'queue full'})`);
        done();
      } else if (admission.state === 'queued') {
        node.status({ fill: 'blue', shape: 'ring', text: `run in progress; ${admission.position} trigger(s) queued` });
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      serializer.drain('the flow was stopped').then(() => done(), () => done());
    });
  }
  RED.nodes.registerType('dentrix-odbc-in', DentrixOdbcIn);
};
