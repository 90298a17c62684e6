// `?` parameters taken from message properties, in order. Values are bound by the
// driver (never pasted into the SQL), so they cannot change the statement.
import { dateValue } from './rows';
import type { OdbcParam } from './client';

/** "asOf, recall.office" (commas or new lines; a leading "msg." is allowed) -> ['asOf', 'recall.office']. */
export function parseParamPaths(text: unknown): string[] {
  const paths = String(text ?? '')
    .split(/[,\n]/)
    .map((p) => p.trim().replace(/^msg\./, ''))
    .filter((p) => p !== '');
  for (const p of paths) {
    if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[\d+\]|\["[^"]*"\]|\['[^']*'\])*$/.test(p)) {
      throw new Error(`parameter "msg.${p}" is not a message property path (use e.g. msg.asOf or msg.recall.office)`);
    }
  }
  return paths;
}

/** A message value as an ODBC parameter; `path` names it in errors. */
export function toOdbcParam(value: unknown, path: string): OdbcParam {
  if (value === undefined) throw new Error(`SQL parameter msg.${path} is not set on the incoming message`);
  if (value === null) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) {
    const text = dateValue(value);
    if (text === null) throw new Error(`SQL parameter msg.${path} is an invalid date`);
    return text;
  }
  throw new Error(`SQL parameter msg.${path} must be text, a number, a boolean or a date, not ${Array.isArray(value) ? 'an array' : typeof value}`);
}
