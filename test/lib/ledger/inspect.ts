// Reads a ledger file through a separate sqlite3 connection, as another process would.
import * as sqlite3 from 'sqlite3';

export function query<T = Record<string, unknown>>(file: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READWRITE, (err) => {
      if (err) return reject(err);
      db.all(sql, params, (e, rows) => db.close(() => (e ? reject(e) : resolve(rows as T[]))));
    });
  });
}

export async function stateOf(file: string, keys: readonly string[]): Promise<Map<string, string>> {
  const rows = await query<{ key: string; state: string }>(file, `SELECT key, state FROM keys WHERE key IN (${keys.map(() => '?').join(',')})`, [...keys]);
  return new Map(rows.map((r) => [r.key, r.state]));
}
