// What every format reader yields: one row of cells, as the file holds them.
// Readers do no interpretation (no header search, no dates): the shared stage in
// table.ts does that, so CSV, XLSX and PDF of one report give identical rows.

export type Cell = string | number | Date | null;

/**
 * One row of a report file. `line` is the 1-based line/row number in the file,
 * when the reader knows it (CSV line, worksheet row); otherwise the dispatcher
 * numbers rows by their position.
 */
export interface CellRow extends Array<Cell> {
  line?: number;
}

/** Reads one file of a known format, streaming rows (memory stays bounded). */
/** Progress of a long read: pages (PDF) read so far out of all. */
export type ReadProgress = (done: number, total: number) => void;

export type FormatReader = (file: string, onProgress?: ReadProgress) => AsyncIterable<Cell[] | CellRow>;

/** A file that cannot be read as a report; the message says why, for `<name>.error.txt`. */
export class ExportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportFileError';
  }
}

/** A row with its 1-based number in the file. */
export function numbered(cells: Cell[], line: number): CellRow {
  const row = cells as CellRow;
  row.line = line;
  return row;
}
