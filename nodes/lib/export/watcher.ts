// Watches one folder and hands each file on once it is complete: size and mtime
// unchanged over `stableMs`, not empty, and openable. Files are processed one at a
// time (memory holds one file's rows at most). Files present at start are the
// backlog and go through the same path.
import { type FSWatcher, watch } from 'chokidar';
import { open, readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { isReportName } from './folder';

export interface WatcherOptions {
  root: string;
  /** how long size and mtime must stay unchanged */
  stableMs: number;
  /** poll instead of OS events (network shares) */
  usePolling?: boolean;
  /** called for each complete file, one at a time */
  handle: (file: string) => Promise<void>;
  onError: (err: Error, file?: string) => void;
  /** a file is waiting (`waiting`: empty or still changing) or being read */
  onActivity?: (file: string, what: 'waiting' | 'reading') => void;
}

interface Pending {
  timer?: NodeJS.Timeout;
  size: number;
  mtimeMs: number;
}

export class FolderWatcher {
  private watcher?: FSWatcher;
  private readonly pending = new Map<string, Pending>();
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private current?: string;
  private recheckCurrent = false;
  private running?: Promise<void>;
  private closed = false;

  constructor(private readonly opts: WatcherOptions) {}

  /** Starts watching; resolves when the initial scan is done (backlog files are then pending). */
  start(): Promise<void> {
    const root = path.resolve(this.opts.root);
    this.watcher = watch(root, {
      depth: 0,
      ignoreInitial: false,
      usePolling: this.opts.usePolling === true,
      interval: Math.max(100, Math.min(this.opts.stableMs, 1000)),
      // only report-like files directly in the folder (never processed/, failed/ or dot-files)
      ignored: (p: string, stats?: { isFile(): boolean }) =>
        path.resolve(p) !== root && (path.dirname(path.resolve(p)) !== root || !!(stats && !stats.isFile()) || !isReportName(path.basename(p))),
    });
    this.watcher.on('add', (p) => this.touched(p));
    this.watcher.on('change', (p) => this.touched(p));
    this.watcher.on('unlink', (p) => this.forget(p));
    this.watcher.on('error', (err) => this.opts.onError(err as Error));
    return new Promise((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  /** Looks at every file in the folder again (input message, or a missed event). Returns how many. */
  async rescan(): Promise<number> {
    const root = path.resolve(this.opts.root);
    const names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isFile() && isReportName(d.name));
    for (const d of names) this.touched(path.join(root, d.name));
    return names.length;
  }

  /** A file was added or written to: (re)start its stability wait. */
  private touched(p: string): void {
    if (this.closed) return;
    const file = path.resolve(p);
    if (file === this.current) {
      this.recheckCurrent = true;
      return;
    }
    if (this.queued.has(file)) return;
    const prev = this.pending.get(file);
    if (prev?.timer) clearTimeout(prev.timer);
    const entry: Pending = { size: -1, mtimeMs: -1 };
    this.pending.set(file, entry);
    void this.check(file, entry);
  }

  private forget(p: string): void {
    const file = path.resolve(p);
    const entry = this.pending.get(file);
    if (entry?.timer) clearTimeout(entry.timer);
    this.pending.delete(file);
  }

  /** Stable = same size and mtime as at the last look, `stableMs` ago. */
  private async check(file: string, entry: Pending): Promise<void> {
    if (this.closed || this.pending.get(file) !== entry) return;
    let size: number;
    let mtimeMs: number;
    try {
      ({ size, mtimeMs } = await stat(file));
    } catch {
      this.pending.delete(file); // gone
      return;
    }
    if (this.pending.get(file) !== entry) return;
    if (size === 0) {
      // an empty file waits for its first write (a change event) or a rescan
      entry.size = 0;
      this.opts.onActivity?.(file, 'waiting');
      return;
    }
    if (size === entry.size && mtimeMs === entry.mtimeMs && (await openable(file))) {
      if (this.pending.get(file) !== entry) return;
      this.pending.delete(file);
      this.enqueue(file);
      return;
    }
    if (entry.size >= 0) this.opts.onActivity?.(file, 'waiting');
    entry.size = size;
    entry.mtimeMs = mtimeMs;
    entry.timer = setTimeout(() => void this.check(file, entry), this.opts.stableMs);
  }

  private enqueue(file: string): void {
    this.queue.push(file);
    this.queued.add(file);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.queue.length) {
      const file = this.queue.shift()!;
      this.queued.delete(file);
      this.current = file;
      this.recheckCurrent = false;
      this.opts.onActivity?.(file, 'reading');
      const before = await fingerprint(file);
      try {
        await this.opts.handle(file);
      } catch (err) {
        this.opts.onError(err as Error, file);
      }
      this.current = undefined;
      // still here and changed while read: wait for it again. Still here unchanged (it
      // could not be moved, already reported): left until it changes or a rescan.
      const after = await fingerprint(file);
      if (after && (this.recheckCurrent || after !== before)) this.touched(file);
    }
  }

  /** Stops watching; waits for the file being read, if any. */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.pending.values()) if (entry.timer) clearTimeout(entry.timer);
    this.pending.clear();
    this.queue.length = 0;
    this.queued.clear();
    await this.watcher?.close();
    await this.running;
  }
}

async function openable(file: string): Promise<boolean> {
  try {
    const fh = await open(file, 'r');
    await fh.close();
    return true;
  } catch {
    return false; // locked by the writer (Windows shares) or permissions: try again later
  }
}

async function fingerprint(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}
