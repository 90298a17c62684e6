// One run against the database: connect (with a login timeout), query (with a
// query timeout), close in finally; retried on faults another try can fix.
// `odbc` is an optional dependency, loaded here on first use so the pack loads
// without unixODBC.
import { classifyOdbcError, describeFault, faultText, OdbcRunError, type Fault } from './errors';
import { withRetry, isRetryFailure, type RetryPolicy } from './retry';
import { toJsonRows, type ColumnInfo } from './rows';
import type { RawRow } from '../types';

export type OdbcParam = string | number | null;

/** The part of the `odbc` package this pack uses. */
export interface OdbcConnection {
  query(sql: string, params: OdbcParam[], options: { timeout?: number }): Promise<ArrayLike<Record<string, unknown>> & { columns?: ColumnInfo[] }>;
  query(sql: string, options: { timeout?: number }): Promise<ArrayLike<Record<string, unknown>> & { columns?: ColumnInfo[] }>;
  close(): Promise<void>;
}
export interface OdbcModule {
  connect(config: { connectionString: string; loginTimeout?: number }): Promise<OdbcConnection>;
}

export const ODBC_INSTALL_HINT =
  'install unixODBC (Debian/Ubuntu: apt-get install unixodbc unixodbc-dev), then in the Node-RED user folder run `npm install-scripts approve odbc` (npm 11.16 or later) and `npm rebuild odbc` (or reinstall this pack), and restart Node-RED (see the pack\'s docs/install.md)';

export type OdbcLoad = { ok: true; odbc: OdbcModule } | { ok: false; error: string };

const loaded = new Map<string, OdbcLoad>();

/** Loads the odbc package once; on failure says what to install. `moduleId` is for tests of other ids. */
export function loadOdbc(moduleId = 'odbc'): OdbcLoad {
  const cached = loaded.get(moduleId);
  if (cached) return cached;
  let result: OdbcLoad;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    result = { ok: true, odbc: require(moduleId) as OdbcModule };
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(`'${moduleId}'`)
      ? `the "${moduleId}" package is not installed (it is optional and needs unixODBC to build)`
      : `the "${moduleId}" package failed to load (${String((err as Error).message).split('\n')[0]})`;
    // odbc 2.6's node-addon-api 3 does not compile against Node 24's headers
    const node24 = Number(process.versions.node.split('.')[0]) >= 24 ? '; on Node 24 it also needs a newer node-addon-api (docs/install.md, ODBC)' : '';
    result = { ok: false, error: `Dentrix ODBC: ${faultText('odbc-missing')}: ${why}; ${ODBC_INSTALL_HINT}${node24}` };
  }
  loaded.set(moduleId, result);
  return result;
}

export interface QuerySpec {
  connectionString: string;
  sql: string;
  params: OdbcParam[];
  /** seconds; 0 = driver default (may wait forever) */
  loginTimeoutS: number;
  /** seconds; 0 = no limit */
  queryTimeoutS: number;
}

export interface QueryResult {
  rows: RawRow[];
  columns: string[];
  attempts: number;
}

class PhaseError extends Error {
  constructor(readonly fault: Fault, cause: unknown) {
    super(fault.text, { cause });
  }
}

/** One attempt: a fresh connection, one query, closed whatever happens. */
export async function queryOnce(odbc: OdbcModule, spec: QuerySpec): Promise<{ rows: RawRow[]; columns: string[] }> {
  let conn: OdbcConnection;
  try {
    conn = await odbc.connect({ connectionString: spec.connectionString, loginTimeout: spec.loginTimeoutS });
  } catch (err) {
    throw new PhaseError(classifyOdbcError(err, 'connect'), err);
  }
  try {
    const options = spec.queryTimeoutS > 0 ? { timeout: spec.queryTimeoutS } : {};
    const result = spec.params.length ? await conn.query(spec.sql, spec.params, options) : await conn.query(spec.sql, options);
    const columns = (result.columns ?? []).map((c) => ({ name: c.name, dataType: c.dataType }));
    return { rows: toJsonRows(result, columns), columns: columns.map((c) => c.name) };
  } catch (err) {
    if (err instanceof PhaseError) throw err;
    throw new PhaseError(classifyOdbcError(err, 'query'), err);
  } finally {
    // Closing a connection the server already dropped may fail; the handle is freed either way.
    await conn.close().catch(() => undefined);
  }
}

export interface RunHooks {
  onRetry?(fault: Fault, retry: number, delayMs: number): void;
  cancelled?(): boolean;
}

/** queryOnce with retries; failures become an OdbcRunError in office words. */
export async function runQuery(odbc: OdbcModule, spec: QuerySpec, policy: RetryPolicy, hooks: RunHooks = {}): Promise<QueryResult> {
  let attempts = 0;
  try {
    const out = await withRetry<{ rows: RawRow[]; columns: string[] }, PhaseError>(
      (attempt) => {
        attempts = attempt;
        return queryOnce(odbc, spec);
      },
      policy,
      {
        retryable: (e) => e instanceof PhaseError && e.fault.retryable,
        onRetry: (e, retry, delay) => hooks.onRetry?.(e.fault, retry, delay),
        cancelled: hooks.cancelled,
      },
    );
    return { ...out, attempts };
  } catch (failure) {
    const e: unknown = isRetryFailure(failure) ? failure.error : failure;
    if (e instanceof PhaseError) {
      const first = isRetryFailure(failure) && failure.first instanceof PhaseError ? failure.first.fault : undefined;
      throw new OdbcRunError(e.fault, attempts, first);
    }
    throw e instanceof Error ? e : new Error(describeFault({ kind: 'other', retryable: false, text: String(e) }));
  }
}
