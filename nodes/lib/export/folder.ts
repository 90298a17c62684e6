// Where files go after they were read: processed/<YYYY-MM-DD>/ or failed/,
// with a note beside the file saying why, and never overwriting an older file.
// They hold patient data: folders 0700, files 0600 (owner only; no effect on Windows,
// where the folder's ACL decides).
import { access, chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

export const PROCESSED_DIR = 'processed';
export const FAILED_DIR = 'failed';
export const SEEN_FILE = '.seen.json';

/** Names the watcher never reads: lock files, temp files, partial downloads, hidden files. */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name.startsWith('~$') || /\.(tmp|part|crdownload)$/i.test(name);
}

/** Extensions that may hold a report; the content decides the format. */
export const REPORT_EXTENSIONS = ['.csv', '.txt', '.tsv', '.xlsx', '.xls', '.pdf'];

export function isReportName(name: string): boolean {
  return !isIgnoredName(name) && REPORT_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/** Local calendar date, YYYY-MM-DD. */
export function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** `dir/name`, or `dir/name-2.ext`, `-3`… when taken. */
export async function freeName(dir: string, name: string): Promise<string> {
  const ext = path.extname(name);
  const base = name.slice(0, name.length - ext.length);
  for (let i = 1; ; i++) {
    const candidate = path.join(dir, i === 1 ? name : `${base}-${i}${ext}`);
    if (!(await exists(candidate))) return candidate;
  }
}

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** chmod that does not fail the move: a share may not support modes. */
async function tryChmod(p: string, mode: number): Promise<void> {
  await chmod(p, mode).catch(() => undefined);
}

/** `dir` (and processed/ above a date folder) created or narrowed to owner-only. */
export async function ownerOnlyDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const parent = path.dirname(dir);
  if (path.basename(parent) === PROCESSED_DIR) await tryChmod(parent, DIR_MODE);
  await tryChmod(dir, DIR_MODE);
}

/** Moves `file` into `dir` (created), optionally writing `<moved name><noteSuffix>` beside it. */
export async function moveWithNote(file: string, dir: string, note?: { suffix: string; text: string }): Promise<string> {
  await ownerOnlyDir(dir);
  const target = await freeName(dir, path.basename(file));
  await rename(file, target);
  await tryChmod(target, FILE_MODE);
  if (note) await writeFile(`${target}${note.suffix}`, note.text, { mode: FILE_MODE });
  return target;
}

export function processedDir(root: string, now: Date): string {
  return path.join(root, PROCESSED_DIR, localDate(now));
}

export function failedDir(root: string): string {
  return path.join(root, FAILED_DIR);
}

/**
 * The office code for a file: the first capture group (or the group named `office`)
 * of `pattern` on the file name, else the configured code.
 */
export function officeFor(fileName: string, configured: string, pattern?: RegExp): string {
  if (pattern) {
    const m = pattern.exec(fileName);
    const code = (m?.groups?.office ?? m?.[1] ?? '').trim();
    if (code) return code;
  }
  if (configured) return configured;
  throw new Error(
    pattern
      ? `no office code: the file name does not match the pattern /${pattern.source}/ and no Office is configured`
      : 'no office code: set Office (e.g. ${OFFICE_CODE}) or a file-name pattern',
  );
}
