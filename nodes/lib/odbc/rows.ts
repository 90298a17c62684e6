// Result rows as plain JSON-safe objects: the odbc result array carries extra
// properties and may hold BigInt (COUNT, BIGINT), Date, Buffer/ArrayBuffer (binary)
// values that JSON.stringify rejects or mangles, and that debug/context cannot store.
import type { RawRow, RawValue } from '../types';

export interface ColumnInfo {
  name: string;
  /** ODBC SQL data type code (91 date, 93 timestamp, ...) */
  dataType?: number;
}

const SQL_TYPE_DATE = 91;
const SQL_DATE = 9;
const SQL_TYPE_TIMESTAMP = 93;
const SQL_TIMESTAMP = 11;
const MIDNIGHT_TEXT = /^(\d{4}-\d{2}-\d{2})[ T]00:00(:00(\.0+)?)?$/;
const TIMESTAMP_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$/;

/** A Date as 'YYYY-MM-DD' when it has no time of day (UTC), else a full ISO timestamp. */
export function dateValue(d: Date): string | null {
  if (Number.isNaN(d.getTime())) return null;
  const iso = d.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/** One value made JSON-safe; `column` tells dates from text. */
export function jsonValue(value: unknown, column?: ColumnInfo): RawValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) return dateValue(value);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString('base64');
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (typeof value === 'string') {
    const type = column?.dataType;
    if (type === SQL_TYPE_DATE || type === SQL_DATE) return value.slice(0, 10);
    if (type === SQL_TYPE_TIMESTAMP || type === SQL_TIMESTAMP) {
      // drivers print timestamps as 'YYYY-MM-DD hh:mm:ss[.fff]'; a date kept in a timestamp column has no time
      const midnight = MIDNIGHT_TEXT.exec(value);
      if (midnight) return midnight[1];
      const ts = TIMESTAMP_TEXT.exec(value);
      if (ts) return `${ts[1]}T${ts[2]}`;
    }
    return value;
  }
  return String(value);
}

/** Copies the driver's result into plain rows keyed by column name, in column order. */
export function toJsonRows(result: ArrayLike<Record<string, unknown>>, columns: readonly ColumnInfo[] = []): RawRow[] {
  const rows: RawRow[] = [];
  for (const src of Array.from(result)) {
    const row: RawRow = {};
    const names = columns.length ? columns.map((c) => c.name) : Object.keys(src);
    for (let i = 0; i < names.length; i++) row[names[i]] = jsonValue(src[names[i]], columns[i]);
    rows.push(row);
  }
  return rows;
}
