// ODBC faults in words an office IT person acts on, with the ODBC state kept for
// whoever reads the driver's manual. Decides, too, whether another try can help.

export type FaultKind =
  | 'odbc-missing' // the odbc Node module (or unixODBC) is not installed
  | 'driver-missing' // the driver named in the string is not installed
  | 'unknown-dsn'
  | 'bad-login'
  | 'unreachable'
  | 'login-timeout'
  | 'connection-lost'
  | 'query-timeout'
  | 'sql'
  | 'command' // the connection-string command failed
  | 'config'
  | 'other';

export type Phase = 'connect' | 'query';

export interface OdbcDiagnostic {
  state?: string;
  code?: number;
  message?: string;
}

export interface Fault {
  kind: FaultKind;
  retryable: boolean;
  /** first ODBC state, e.g. 08001 */
  state?: string;
  /** the driver's own words (first diagnostic) */
  driverMessage?: string;
  /** one sentence for the office */
  text: string;
}

const TEXT: Record<FaultKind, string> = {
  'odbc-missing': 'the ODBC module is not installed',
  'driver-missing': 'the ODBC driver named in the connection string is not installed on this machine (check Driver= and odbcinst.ini)',
  'unknown-dsn': 'the data source name (DSN) is not defined on this machine (check the DSN name and odbc.ini)',
  'bad-login': 'the database refused the user name or password',
  unreachable: 'cannot reach the database server (is it running? check the host name, port and firewall)',
  'login-timeout': 'the database server did not answer the login in time (it accepts connections but does not respond)',
  'connection-lost': 'the connection to the database was lost during the query (server stopped or network dropped)',
  'query-timeout': 'the query took longer than the query timeout',
  sql: 'the database rejected the SQL',
  command: 'the connection-string command failed',
  config: 'the connection is not configured correctly',
  other: 'the ODBC driver reported an error',
};

export function faultText(kind: FaultKind): string {
  return TEXT[kind];
}

const RETRYABLE: ReadonlySet<FaultKind> = new Set(['unreachable', 'login-timeout', 'connection-lost', 'query-timeout']);

function diagnostics(err: unknown): OdbcDiagnostic[] {
  const list = (err as { odbcErrors?: unknown })?.odbcErrors;
  return Array.isArray(list) ? (list as OdbcDiagnostic[]) : [];
}

/** Classifies an error thrown by odbc.connect (phase 'connect') or query/close (phase 'query'). */
export function classifyOdbcError(err: unknown, phase: Phase): Fault {
  const diags = diagnostics(err);
  const first = diags[0] ?? {};
  const states = diags.map((d) => String(d.state ?? '').toUpperCase());
  const words = diags.map((d) => String(d.message ?? '')).join(' | ') || String((err as Error)?.message ?? err);
  const has = (s: string): boolean => states.includes(s);
  const anyState = (prefix: string): boolean => states.some((s) => s.startsWith(prefix));

  let kind: FaultKind;
  if (has('IM002') || /data source name not found/i.test(words)) kind = 'unknown-dsn';
  else if (has('IM003') || /can't open lib|file not found|driver.*(not found|not installed)/i.test(words)) kind = 'driver-missing';
  else if (anyState('28') || /password authentication failed|authentication failed|login failed|access denied|invalid (user|password|authorization)/i.test(words)) kind = 'bad-login';
  else if (has('57014') || (phase === 'query' && (has('HYT00') || has('HYT01'))) || /canceling statement due to statement timeout|query timeout/i.test(words)) kind = 'query-timeout';
  else if (phase === 'connect' && (has('HYT00') || has('HYT01') || /timeout expired|timed out/i.test(words))) kind = 'login-timeout';
  else if (phase === 'connect' && (anyState('08') || /could not connect|connection refused|no route to host|could not translate host|unknown host/i.test(words))) kind = 'unreachable';
  else if (phase === 'query' && (has('57P01') || has('57P02') || has('57P03') || anyState('08') || /terminating connection|server closed the connection|connection.*(lost|reset|broken)|no connection to the server/i.test(words))) kind = 'connection-lost';
  else if (phase === 'query' && (anyState('42') || anyState('HY') || anyState('22') || anyState('07') || anyState('37'))) kind = 'sql';
  else kind = 'other';

  return {
    kind,
    retryable: RETRYABLE.has(kind),
    state: first.state,
    driverMessage: first.message ?? (diags.length ? undefined : String((err as Error)?.message ?? err)),
    text: TEXT[kind],
  };
}

/** The error a run ends with: reaches Catch nodes through done(err). */
export class OdbcRunError extends Error {
  readonly kind: FaultKind;
  readonly state?: string;
  readonly attempts: number;
  readonly retryable: boolean;

  constructor(fault: Fault, attempts: number, firstFault?: Fault) {
    super(describeFault(fault, attempts, firstFault));
    this.kind = fault.kind;
    this.state = fault.state;
    this.attempts = attempts;
    this.retryable = fault.retryable;
  }
}

/** "Dentrix ODBC: <words> [ODBC state 08001: driver words]; gave up after 3 attempts". */
export function describeFault(fault: Fault, attempts = 1, firstFault?: Fault): string {
  let text = `Dentrix ODBC: ${fault.text}`;
  if (fault.state || fault.driverMessage) {
    const detail = (fault.driverMessage ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
    text += ` [${fault.state ? `ODBC state ${fault.state}` : 'driver'}${detail ? `: ${detail}` : ''}]`;
  }
  if (attempts > 1) {
    text += `; gave up after ${attempts} attempts`;
    if (firstFault && firstFault.kind !== fault.kind) {
      text += ` (the first failed because ${firstFault.text}${firstFault.state ? `, ODBC state ${firstFault.state}` : ''})`;
    }
  }
  return text;
}
