// The shared stage after every format reader: find the header row under the
// report's title lines, check it against the template (header drift fails the
// whole file), skip blank, group and footer lines, and turn cells into rows.
import type { RawRow } from '../types';
import { type Cell, type CellRow, ExportFileError } from './cells';
import { zoneFreeDate } from '../calendar/parse';
import { type ExportTemplate, headerKey } from './template';

/** How far down the header row may be (title lines above it). */
export const HEADER_SEARCH_ROWS = 100;
/** Only this much of a line's first cell is matched against skip patterns. */
const SKIP_TEST_CHARS = 200;

export interface TableOptions {
  /** fail the file when it has columns the template does not know (default: ignore them) */
  failOnUnexpected?: boolean;
}

export interface TableResult {
  rows: RawRow[];
  /** row keys, in template order */
  columns: string[];
  /** 1-based line of the header row */
  headerLine: number;
  /** header cells the template does not know (ignored unless failOnUnexpected) */
  unexpected: string[];
  /** lines dropped as blank, group/footer or repeated header */
  skippedLines: number;
}

export function cellText(cell: Cell): string {
  if (cell === null) return '';
  if (cell instanceof Date) return zoneFreeDate(cell) ?? '';
  if (typeof cell === 'number') return String(cell);
  return cell.trim();
}

function isBlank(row: CellRow): boolean {
  return row.every((c) => cellText(c) === '');
}

interface HeaderMatch {
  /** template column index -> cell index */
  index: number[];
  missing: string[];
  unexpected: string[];
  found: number;
}

function matchHeader(row: CellRow, template: ExportTemplate): HeaderMatch {
  // a Map, not an object: header cells are file content and may read `__proto__`
  const wanted = new Map<string, number>();
  template.columns.forEach((c, i) => wanted.set(headerKey(c.header), i));
  const index = template.columns.map(() => -1);
  const unexpected: string[] = [];
  row.forEach((cell, at) => {
    const text = cellText(cell);
    if (text === '') return;
    const i = wanted.get(headerKey(text));
    if (i === undefined || index[i] !== -1) unexpected.push(text);
    else index[i] = at;
  });
  const missing = template.columns.filter((c, i) => index[i] === -1 && c.required !== false).map((c) => c.header);
  return { index, missing, unexpected, found: index.filter((i) => i !== -1).length };
}

/** A header row holds at least half the template's headers (and two of them). */
function looksLikeHeader(m: HeaderMatch, template: ExportTemplate): boolean {
  return m.found >= Math.max(2, Math.ceil(template.columns.length / 2)) || m.found === template.columns.length;
}

function list(items: string[]): string {
  return items.length ? items.map((s) => `"${s}"`).join(', ') : 'none';
}

/** Reads the rows of one report file into raw rows; ExportFileError names what is wrong. */
export async function tabulate(rows: AsyncIterable<CellRow>, template: ExportTemplate, opts: TableOptions = {}): Promise<TableResult> {
  const skip = template.skip.map((p) => new RegExp(p, 'i'));
  let header: HeaderMatch | undefined;
  let headerLine = 0;
  let headerCells = '';
  let best: { line: number; found: number } = { line: 0, found: 0 };
  let seen = 0;
  let skippedLines = 0;
  const out: RawRow[] = [];

  for await (const row of rows) {
    const line = row.line ?? 0;
    if (!header) {
      if (isBlank(row)) continue;
      const m = matchHeader(row, template);
      if (looksLikeHeader(m, template)) {
        if (m.missing.length || (opts.failOnUnexpected && m.unexpected.length)) {
          throw new ExportFileError(
            `header drift in the header row (line ${line}): missing ${list(m.missing)}; unexpected ${list(m.unexpected)}. ` +
              `Restore the report layout or edit the "${template.name}" template.`,
          );
        }
        header = m;
        headerLine = line;
        headerCells = row.map((c) => headerKey(cellText(c))).join('\u0000');
        continue;
      }
      if (m.found > best.found) best = { line, found: m.found };
      if (++seen >= HEADER_SEARCH_ROWS) break;
      continue;
    }
    if (isBlank(row)) {
      skippedLines++;
      continue;
    }
    const first = cellText(row.find((c) => cellText(c) !== '') ?? null).slice(0, SKIP_TEST_CHARS);
    if (skip.some((re) => re.test(first)) || row.map((c) => headerKey(cellText(c))).join('\u0000') === headerCells) {
      skippedLines++; // group/footer line, or the header repeated on a new page
      continue;
    }
    out.push(toRaw(row, header, template, line));
  }

  if (!header) {
    const near = best.found ? ` (closest: line ${best.line} with ${best.found} of them)` : '';
    throw new ExportFileError(
      `no header row found in the first ${HEADER_SEARCH_ROWS} lines: expected the "${template.name}" headers ` +
        `${list(template.columns.map((c) => c.header))}${near}`,
    );
  }
  return { rows: out, columns: template.columns.map((c) => c.key), headerLine, unexpected: header.unexpected, skippedLines };
}

function toRaw(row: CellRow, header: HeaderMatch, template: ExportTemplate, line: number): RawRow {
  // keys come from the validated template only; `_row` is the file line for error messages
  const raw: RawRow = {};
  template.columns.forEach((col, i) => {
    const at = header.index[i];
    const cell = at === -1 ? null : (row[at] ?? null);
    raw[col.key] = col.date ? (zoneFreeDate(cell) ?? cellText(cell)) : cellText(cell);
  });
  raw._row = line;
  return raw;
}
