// Limits a report file must keep before it is parsed: one file in the watch folder
// must not be able to run the service out of memory or disk (a crafted workbook of
// empty rows inflates a thousandfold; the reader would then crash on every restart).
import { stat } from 'node:fs/promises';
import { ExportFileError } from './cells';

export interface FileLimits {
  /** bytes on disk */
  maxBytes: number;
  /** rows (lines of a CSV, worksheet rows, PDF table rows), title and header lines included */
  maxRows: number;
  /** entries in an .xlsx (a zip) */
  maxZipEntries: number;
  /** bytes of all entries of an .xlsx once unpacked */
  maxUnzippedBytes: number;
}

const MB = 1024 * 1024;

/** A recall report of a large office is a few MB and some 10,000 rows; these leave ample room. */
export const DEFAULT_LIMITS: FileLimits = {
  maxBytes: 16 * MB,
  maxRows: 100_000,
  maxZipEntries: 500,
  maxUnzippedBytes: 256 * MB,
};

export const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

export async function checkFileSize(file: string, limits: FileLimits): Promise<number> {
  const { size } = await stat(file);
  if (size > limits.maxBytes) {
    throw new ExportFileError(`the file is too large to be a recall report: ${mb(size)}, more than ${mb(limits.maxBytes)}`);
  }
  return size;
}

export function tooManyRows(limits: FileLimits): ExportFileError {
  return new ExportFileError(`the file has more than ${limits.maxRows} rows: too many for a recall report`);
}
