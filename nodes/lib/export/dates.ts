// Date cells to ISO `YYYY-MM-DD` text, whatever the file held: US `MM/DD/YYYY`
// text (Dentrix reports), ISO text, an Excel date serial, or a Date (exceljs reads
// date-formatted cells as UTC midnight, so a Date is read by its UTC fields).
// Patterns are anchored and linear, and long text is never tried: a crafted cell
// cannot stall parsing.
import type { Cell } from './cells';

const MAX_DATE_TEXT = 40;
const US_DATE = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:[ T]|$)/;
const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]|$)/;
const SERIAL_TEXT = /^\d{4,7}(?:\.\d+)?$/;
/** Excel's 1900 date system counts from 1899-12-30 (it keeps Lotus's 29 Feb 1900). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;
/** 1900-03-01 .. 9999-12-31: serials before 61 fall in the Lotus leap-year bug. */
const MIN_SERIAL = 61;
const MAX_SERIAL = 2_958_465;

function iso(y: number, m: number, d: number): string | undefined {
  if (m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function excelSerialToIso(serial: number): string | undefined {
  if (!Number.isFinite(serial) || serial < MIN_SERIAL || serial > MAX_SERIAL) return undefined;
  return new Date(EXCEL_EPOCH_MS + Math.floor(serial) * DAY_MS).toISOString().slice(0, 10);
}

export function dateToIso(d: Date): string | undefined {
  if (Number.isNaN(d.getTime())) return undefined;
  return iso(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** Two-digit years: 00-69 are 20xx, 70-99 are 19xx (Excel's pivot). */
function fullYear(text: string): number {
  const y = Number(text);
  if (text.length === 4) return y;
  return y < 70 ? 2000 + y : 1900 + y;
}

/** ISO date text for a date cell, or undefined when the cell does not hold a date. */
export function toIsoDate(cell: Cell): string | undefined {
  if (cell === null) return undefined;
  if (cell instanceof Date) return dateToIso(cell);
  if (typeof cell === 'number') return excelSerialToIso(cell);
  const text = cell.trim();
  if (text === '' || text.length > MAX_DATE_TEXT) return undefined;
  let m = US_DATE.exec(text);
  if (m) return iso(fullYear(m[3]), Number(m[1]), Number(m[2]));
  m = ISO_DATE.exec(text);
  if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3]));
  if (SERIAL_TEXT.test(text)) return excelSerialToIso(Number(text));
  return undefined;
}
