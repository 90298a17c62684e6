// A file that kills the process while it is read (out of memory, a crash in a parser)
// must not be read again on every restart: the service would crash-loop on it. Before
// a file is read, `.reading.json` in the watched folder names it; the mark is removed
// when the read ends, well or badly. A mark still there at start means the process
// died reading that file: it goes to failed/ with a note instead.
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { FILE_MODE } from './folder';

export const READING_FILE = '.reading.json';

export interface ReadingMark {
  file: string;
  size: number;
  mtimeMs: number;
  since: string;
}

const markPath = (root: string) => path.join(root, READING_FILE);

export async function markReading(root: string, file: string, now: Date): Promise<void> {
  const { size, mtimeMs } = await stat(file);
  const mark: ReadingMark = { file: path.basename(file), size, mtimeMs, since: now.toISOString() };
  const tmp = `${markPath(root)}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(mark), { mode: FILE_MODE });
  await rename(tmp, markPath(root));
}

export async function clearReading(root: string): Promise<void> {
  await rm(markPath(root), { force: true });
}

/** The file a previous process was reading when it stopped, if it is still here unchanged. */
export async function interruptedRead(root: string): Promise<ReadingMark | undefined> {
  let mark: ReadingMark;
  try {
    mark = JSON.parse(await readFile(markPath(root), 'utf8')) as ReadingMark;
  } catch {
    return undefined; // no mark (or a torn one: nothing to name)
  }
  if (typeof mark.file !== 'string' || path.basename(mark.file) !== mark.file) return undefined;
  const st = await stat(path.join(root, mark.file)).catch(() => undefined);
  if (!st || st.size !== mark.size || st.mtimeMs !== mark.mtimeMs) return undefined; // replaced since: read it
  return mark;
}
