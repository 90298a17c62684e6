// Content already processed: sha256 of the file bytes, remembered in a small JSON
// file inside the processed folder, so a file dropped twice is not read twice,
// even across restarts and whatever its name.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

export interface SeenEntry {
  file: string;
  at: string;
}

/** Entries kept; the oldest are forgotten first. */
export const MAX_SEEN = 10_000;

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class SeenStore {
  private entries = new Map<string, SeenEntry>();
  private loaded = false;

  constructor(readonly file: string) {}

  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const data = JSON.parse(text) as { seen?: [string, SeenEntry][] };
      for (const [sha, entry] of data.seen ?? []) {
        if (typeof sha === 'string' && entry && typeof entry.file === 'string') this.entries.set(sha, { file: entry.file, at: String(entry.at) });
      }
    } catch {
      // a damaged state file only costs the memory of old files; it is rewritten on the next add
    }
  }

  get(sha: string): SeenEntry | undefined {
    return this.entries.get(sha);
  }

  async add(sha: string, entry: SeenEntry): Promise<void> {
    this.entries.delete(sha);
    this.entries.set(sha, entry);
    while (this.entries.size > MAX_SEEN) this.entries.delete(this.entries.keys().next().value as string);
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ seen: [...this.entries] }), { mode: 0o600 });
    await rename(tmp, this.file);
  }
}
