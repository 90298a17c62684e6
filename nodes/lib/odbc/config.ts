// dentrix-odbc-in's settings, parsed once at deploy: the SQL (or the preset), its
// parameters, retries, the thin-batch check and the preset's as-of date. No Node-RED import.
import { resolveAsOf } from '../calendar/as-of';
import { DENTRIX_G_RECALL_PRESET, ODBC_PRESETS } from '../presets/dentrix-g-query';
import { envSetting, intSetting } from '../settings';
import type { FaultKind } from './errors';
import { parseParamPaths } from './params';
import type { BusyMode } from './serializer';
import { checkSql, type CheckedSql } from './sql-guard';

export const MAX_RETRY_DELAY_MS = 60_000;

export interface OdbcInConfigInput {
  sql?: string;
  params?: string;
  retries?: string | number;
  retryDelay?: string | number;
  thinFraction?: string | number;
  thinWindow?: string | number;
  busy?: string;
  /** preset only: fixed as-of date (default ${RECALL_AS_OF}) */
  asOf?: string;
  /** preset only: the office's IANA time zone for "today" (default ${OFFICE_TZ}) */
  timeZone?: string;
}

export interface OdbcInSettings {
  statement: CheckedSql;
  /** the preset's name when the node's SQL is empty */
  preset?: string;
  paramPaths: string[];
  /** the preset's one `?` is the as-of date, bound by the node unless parameters are listed */
  autoAsOf: boolean;
  retries: number;
  retryDelayMs: number;
  thinWindow: number;
  thinFraction: number;
  busy: BusyMode;
  /** the preset's as-of date for a run started `now` (undefined without the preset) */
  asOf(now?: Date): string | undefined;
}

function fraction(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : envSetting(value);
  if (text === '') return 0.5;
  const n = Number(text);
  if (!(n >= 0 && n <= 1)) throw new Error(`setting "thin-batch fraction" must be a number from 0 to 1, got "${text}"`);
  return n;
}

/** Parses the node's settings; throws a message naming the setting. */
export function odbcInSettings(config: OdbcInConfigInput): OdbcInSettings {
  const preset = envSetting(config.sql) === '' ? DENTRIX_G_RECALL_PRESET : undefined;
  const statement = checkSql(preset ? ODBC_PRESETS[preset] : envSetting(config.sql));
  const paramPaths = parseParamPaths(config.params ?? '');
  const autoAsOf = preset !== undefined && paramPaths.length === 0;
  if (!autoAsOf && statement.placeholders !== paramPaths.length) {
    throw new Error(`the SQL has ${statement.placeholders} "?" parameter marker(s) but ${paramPaths.length} parameter(s) are listed`);
  }
  const fixed = config.asOf === undefined ? '${RECALL_AS_OF}' : config.asOf;
  const zone = config.timeZone === undefined ? '${OFFICE_TZ}' : config.timeZone;
  // the environment is read at each run (RECALL_AS_OF may change between runs); checked now
  const asOf = (now?: Date) => (preset ? resolveAsOf(envSetting(fixed), envSetting(zone), now) : undefined);
  asOf();
  return {
    statement,
    preset,
    paramPaths,
    autoAsOf,
    retries: intSetting('retries', config.retries, 3, 0, 10),
    retryDelayMs: intSetting('retry delay (ms)', config.retryDelay, 2000, 0, MAX_RETRY_DELAY_MS),
    thinWindow: intSetting('thin-batch runs', config.thinWindow, 5, 1, 100),
    thinFraction: fraction(config.thinFraction),
    busy: config.busy === 'drop' ? 'drop' : 'queue',
    asOf,
  };
}

/** A fault in a few words for the node's status. */
export function shortFault(kind: FaultKind | undefined): string {
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

declare module '../types' {
  interface RecallMeta {
    /** set when the node ran its preset: which one, for which as-of date */
    'dentrix-odbc-in'?: { preset: string; asOf?: string };
  }
}
