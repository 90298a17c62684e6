// What every part of the SQLite ledger shares: the connection, the clock, and the
// chunking that keeps a run of 10 000 keys at a few dozen statements.
import type { SqliteDb } from './db';

/** keys per statement: 500 rows x 16 parameters stays far below SQLite's 32 766 limit */
export const CHUNK = 500;

/** One open ledger file as its parts see it. */
export interface Store {
  readonly db: SqliteDb;
  readonly file: string;
  /** this runtime's clock (tests set it) */
  readonly now: () => number;
  /** the name of that clock: the host, unless configured */
  readonly clock: string;
}

/** Runs a ledger operation; any SQLite error comes back naming the file. */
export async function named<T>(store: Store, op: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(msg.startsWith(`ledger ${store.file}`) ? msg : `ledger ${store.file}: ${op} failed: ${msg}`);
  }
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export const marks = (n: number, one: string): string => new Array(n).fill(one).join(', ');

/**
 * The rows of a list of DISTINCT keys bound as ONE parameter (a JSON array): binding and
 * preparing 500 separate parameters cost more than the lookups (100k keys: ~190 -> ~130 ms).
 * The list drives the join, one index search per key; `key IN (SELECT value FROM
 * json_each(?))` first sorted the list into a temporary table (5,000 keys: 5.9 -> 1.3 ms
 * on an empty ledger, 17 -> 15 ms on one of 300k keys). json_each has a column `key`
 * of its own, hence the names.
 */
export const selectByKeys = (columns: readonly string[]): string =>
  `SELECT ${columns.map((c) => `keys.${c} AS ${c}`).join(', ')} FROM json_each(?) AS list CROSS JOIN keys ON keys.key = list.value`;
export const listParam = (keys: readonly string[]): string => JSON.stringify(keys);

export function* chunks<T>(items: readonly T[], size = CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** last_error may come from a CRM's answer: cut it and drop anything shaped like an e-mail or phone. */
export function scrubError(text: string | undefined): string | null {
  if (!text) return null;
  return String(text)
    .replace(/[^\s@"'<>,;:()[\]]+@[^\s@"'<>,;:()[\]]+/g, '[e-mail]')
    .replace(/\+?\d[\d ().-]{6,}\d/g, '[number]')
    .slice(0, 200);
}
