// Rebuilding a printed report's table from positioned text (no PDF library here,
// so the rules are unit-tested on plain coordinates).
//
// Rules, in order:
// - Items on one baseline (within 40% of the font size) form a line; items on a
//   line closer than half the font size form a chunk (a phrase, a header label).
// - The first line that looks like a column header (default: >= 3 chunks, all
//   words, no dates/phones/e-mails) fixes the columns: each label's x-range.
// - A data item goes to the column whose label it overlaps most (left-, right-
//   and centre-aligned columns); failing any overlap, to the last column starting
//   left of it.
// - A line with one chunk that crosses a column boundary, or that reads
//   `Label: value`, is free text (title, group `Provider: ...`, `Total ...`) and
//   is passed on as a single-cell row for the shared stage to skip.
// - A wrapped cell: a line with no text in the key column (`Chart #` by default)
//   right under a data row continues that row; a wrapped cell's lines are joined
//   with a space (none inside an e-mail address or after a hyphen).
// - Repeated page furniture is dropped: `Page n of m`, the header row on later
//   pages with everything above it, and lines equal to the title lines that
//   preceded the first header (pages that do not repeat the header).

export interface TextItem {
  str: string;
  /** left edge and baseline, PDF user space (y grows upwards) */
  x: number;
  y: number;
  /** advance width */
  w: number;
  /** font size (the text matrix's vertical scale) */
  size: number;
}

export interface Line {
  y: number;
  size: number;
  /** sorted by x */
  items: TextItem[];
}

export interface Chunk {
  text: string;
  x0: number;
  x1: number;
}

export interface Column {
  label: string;
  x0: number;
  x1: number;
}

export interface LayoutOptions {
  /** Decides which line is the column header; default: see looksLikeHeader. */
  isHeader?: (labels: string[]) => boolean;
  /**
   * The column whose emptiness marks a wrapped continuation line: a header label
   * (case-insensitive) or a 0-based index. Default: the first label that reads
   * like a record id (`Chart #`, `Patient ID`, `Account`), else the first column.
   */
  keyColumn?: string | number;
}

const BASELINE_TOLERANCE = 0.4; // x font size
const CHUNK_GAP = 0.5; // x font size: wider gaps separate columns
const WORD_GAP = 0.1; // x font size: narrower gaps are inside a word
const WRAP_BAND = 2.0; // x font size: a continuation line sits this close under its row

const PAGE_MARKER = /^page\s*\d+(\s*(of|\/)\s*\d+)?$/i;
const LABEL_VALUE = /^[A-Za-z][A-Za-z .#/&-]{0,40}:\s*\S/;
const KEY_LABEL = /chart|patient\s*(id|#|no)|^id$|account|acct/i;

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Splits an item that carries several cells padded with runs of spaces (one text run per line). */
function splitPadded(it: TextItem): TextItem[] {
  if (!/\S\s{2,}\S/.test(it.str)) return [it];
  const perChar = it.str.length > 0 ? it.w / it.str.length : 0;
  const out: TextItem[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(it.str); m; m = re.exec(it.str)) {
    out.push({ ...it, str: m[0], x: it.x + m.index * perChar, w: m[0].length * perChar });
  }
  return out;
}

/** Groups a page's items into lines, top to bottom; whitespace-only items are dropped. */
export function groupLines(items: TextItem[]): Line[] {
  const visible = items.filter((it) => it.str.trim() !== '').flatMap(splitPadded);
  visible.sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: Line[] = [];
  for (const it of visible) {
    const last = lines[lines.length - 1];
    const tol = BASELINE_TOLERANCE * Math.max(it.size, last?.size ?? 0, 1);
    if (last && Math.abs(last.y - it.y) <= tol) {
      last.items.push(it);
      last.size = Math.max(last.size, it.size);
    } else {
      lines.push({ y: it.y, size: it.size, items: [it] });
    }
  }
  for (const l of lines) l.items.sort((a, b) => a.x - b.x);
  return lines;
}

/** Joins x-sorted items into text, with a space where the gap is wider than inside a word. */
function joinItems(items: TextItem[]): string {
  let text = '';
  let end = -Infinity;
  for (const it of items) {
    if (text !== '' && it.x - end > WORD_GAP * it.size) text += ' ';
    text += it.str;
    end = Math.max(end, it.x + it.w);
  }
  return norm(text);
}

/** The phrases of a line: items separated by less than half the font size. */
export function chunks(line: Line): Chunk[] {
  const out: Chunk[] = [];
  let group: TextItem[] = [];
  let end = -Infinity;
  const flush = (): void => {
    if (group.length) out.push({ text: joinItems(group), x0: group[0].x, x1: end });
    group = [];
  };
  for (const it of line.items) {
    if (group.length && it.x - end > CHUNK_GAP * Math.max(it.size, 1)) flush();
    if (!group.length) end = -Infinity;
    group.push(it);
    end = Math.max(end, it.x + it.w);
  }
  flush();
  return out;
}

/** Default header test: three or more labels, all words, none a date, phone or e-mail. */
export function looksLikeHeader(labels: string[]): boolean {
  return (
    labels.length >= 3 &&
    labels.every((l) => /[A-Za-z]/.test(l) && !/\d{1,2}\/\d{1,2}\/\d{2,4}|@|\d{3}\D{0,2}\d{4}/.test(l))
  );
}

/** Index of the column an item belongs to. */
export function columnOf(columns: Column[], x0: number, x1: number): number {
  let best = -1;
  let bestOverlap = 0;
  columns.forEach((c, i) => {
    const overlap = Math.min(x1, c.x1) - Math.max(x0, c.x0);
    if (overlap > bestOverlap) {
      best = i;
      bestOverlap = overlap;
    }
  });
  if (best >= 0) return best;
  // no overlap: the last column that starts at or left of the item
  let idx = 0;
  columns.forEach((c, i) => {
    if (c.x0 <= x0 + 0.5) idx = i;
  });
  return idx;
}

/**
 * Joins the lines of a wrapped cell: an e-mail address (no spaces, an `@`) is
 * joined without spaces; other text with a space, except after a hyphen, `@`,
 * `/` or `_` (a word broken there) or before `@` or `.`.
 */
export function joinWrapped(lines: string[]): string {
  const parts = lines.filter((l) => l !== '');
  if (parts.length > 1 && parts.join('').includes('@') && !parts.some((l) => /\s/.test(l))) return parts.join('');
  return parts.reduce((above, more) => (above === '' ? more : /[-@_/]$/.test(above) || /^[@.]/.test(more) ? above + more : `${above} ${more}`), '');
}

interface PendingRow {
  /** the lines of each cell (more than one when it wraps) */
  cells: string[][];
  y: number;
  size: number;
}

/**
 * Turns pages of text items into rows, one page at a time (state: the columns,
 * the title lines and at most one row waiting for its wrapped continuation).
 */
export class TableAssembler {
  private columns: Column[] | undefined;
  private key = 0;
  private readonly titles = new Set<string>();
  private pending: PendingRow | undefined;
  private readonly isHeader: (labels: string[]) => boolean;

  constructor(private readonly options: LayoutOptions = {}) {
    this.isHeader = options.isHeader ?? looksLikeHeader;
  }

  /** Rows of one page, in reading order. A wrapped row never continues onto the next page. */
  page(items: TextItem[]): string[][] {
    const rows: string[][] = [];
    let lines = groupLines(items);
    if (this.columns) {
      // a later page: whatever is above its repeated header is the page heading
      const at = lines.findIndex((l) => this.isRepeatedHeader(chunks(l).map((c) => c.text)));
      if (at > 0) lines = lines.slice(at);
    }
    for (const line of lines) this.line(line, rows);
    this.flush(rows);
    return rows;
  }

  private line(whole: Line, rows: string[][]): void {
    // `Page n of m`, alone or beside a title, is page furniture
    const markers = chunks(whole).filter((c) => PAGE_MARKER.test(c.text));
    const line = markers.length
      ? { ...whole, items: whole.items.filter((it) => !markers.some((m) => it.x >= m.x0 && it.x <= m.x1)) }
      : whole;
    if (line.items.length === 0) return;
    const parts = chunks(line);
    const labels = parts.map((c) => c.text);
    const text = labels.join(' ');
    if (!this.columns) {
      if (this.isHeader(labels)) {
        this.setColumns(parts);
        rows.push(labels);
      } else {
        this.titles.add(text);
        rows.push(labels);
      }
      return;
    }
    if (this.titles.has(text)) return; // the title block repeated on a later page
    if (this.isRepeatedHeader(labels)) {
      this.flush(rows);
      this.setColumns(parts); // a later page may shift the grid slightly
      return;
    }
    if (this.isFreeText(parts)) {
      this.flush(rows);
      rows.push([text]);
      return;
    }
    const cells = this.cells(line);
    const p = this.pending;
    if (cells[this.key] === '' && p && p.y - line.y <= WRAP_BAND * Math.max(p.size, line.size)) {
      cells.forEach((c, i) => {
        if (c !== '') p.cells[i].push(c);
      });
      p.y = line.y;
      return;
    }
    this.flush(rows);
    this.pending = { cells: cells.map((c) => [c]), y: line.y, size: line.size };
  }

  private flush(rows: string[][]): void {
    if (this.pending) rows.push(this.pending.cells.map(joinWrapped));
    this.pending = undefined;
  }

  private setColumns(parts: Chunk[]): void {
    this.columns = parts.map((c) => ({ label: c.text, x0: c.x0, x1: c.x1 }));
    const labels = this.columns.map((c) => c.label.toLowerCase());
    const k = this.options.keyColumn;
    if (typeof k === 'number') this.key = Math.min(Math.max(0, k), labels.length - 1);
    else if (typeof k === 'string') this.key = Math.max(0, labels.indexOf(norm(k).toLowerCase()));
    else this.key = Math.max(0, labels.findIndex((l) => KEY_LABEL.test(l)));
  }

  private isRepeatedHeader(labels: string[]): boolean {
    const cols = this.columns ?? [];
    return labels.length === cols.length && labels.every((l, i) => l === cols[i].label);
  }

  /** One phrase that does not fit the grid: it crosses into the next column, or reads `Label: value`. */
  private isFreeText(parts: Chunk[]): boolean {
    if (parts.length !== 1) return false;
    const [c] = parts;
    if (LABEL_VALUE.test(c.text)) return true;
    const cols = this.columns ?? [];
    const i = columnOf(cols, c.x0, c.x1);
    const next = cols[i + 1];
    return next !== undefined && c.x1 > next.x0;
  }

  private cells(line: Line): string[] {
    const cols = this.columns ?? [];
    const byCol: TextItem[][] = cols.map(() => []);
    for (const it of line.items) byCol[columnOf(cols, it.x, it.x + it.w)].push(it);
    return byCol.map(joinItems);
  }
}
