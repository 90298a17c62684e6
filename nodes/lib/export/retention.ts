// How long processed/ and failed/ keep exports (they hold patient data): files older
// than the setting are removed. processed/<YYYY-MM-DD>/ is dated by its name (the day
// the files were handed on); a file in failed/ by its note (written when it failed),
// else its own modification time. processed/.seen.json is kept (it holds hashes only).
import { readdir, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { FAILED_DIR, PROCESSED_DIR } from './folder';

export const DEFAULT_KEEP_DAYS = 30;
const DAY_MS = 86_400_000;
const DATE_DIR = /^(\d{4})-(\d{2})-(\d{2})$/;
const NOTE = /\.(error|duplicate)\.txt$/;

async function list(dir: string): Promise<import('node:fs').Dirent[]> {
  return readdir(dir, { withFileTypes: true }).catch(() => []);
}

/** Removes what is older than `keepDays` (0 keeps everything). Returns the files removed. */
export async function removeOldExports(root: string, keepDays: number, now: Date): Promise<number> {
  if (keepDays <= 0) return 0;
  const cutoff = now.getTime() - keepDays * DAY_MS;
  let removed = 0;
  const processed = path.join(root, PROCESSED_DIR);
  for (const d of await list(processed)) {
    const m = DATE_DIR.exec(d.name);
    if (!d.isDirectory() || !m) continue;
    // the end of that local day: a folder is removed once its last file is old enough
    const end = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1).getTime();
    if (end > cutoff) continue;
    const dir = path.join(processed, d.name);
    removed += (await list(dir)).filter((f) => f.isFile()).length;
    await rm(dir, { recursive: true, force: true });
  }
  const failed = path.join(root, FAILED_DIR);
  const names = new Set((await list(failed)).filter((f) => f.isFile()).map((f) => f.name));
  for (const name of names) {
    if (NOTE.test(name) && names.has(name.replace(NOTE, ''))) continue; // goes with its file
    const note = [...names].find((n) => n !== name && n.startsWith(name) && NOTE.test(n.slice(name.length)));
    const dated = await stat(path.join(failed, note ?? name)).catch(() => undefined);
    if (!dated || dated.mtimeMs > cutoff) continue;
    for (const f of note ? [name, note] : [name]) {
      await rm(path.join(failed, f), { force: true });
      removed++;
    }
  }
  return removed;
}
