// Watches one folder and hands each file on once it is complete: size and mtime
// unchanged over `stableMs`, not empty, and openable. Files are processed one at a
// time (memory holds one file's rows at most). Files present at start are the
// backlog and go through the same path.
//
// Events can be lost: chokidar lists the folder before it starts watching it (a
// file arriving in between gets no event), and network shares or a full inotify
// queue drop events. So the folder is swept once when the watch is up and then
// every `sweepMs`: a complete file is never left unprocessed.
// chokidar 5 is ESM-only: imported on start (dynamic import works from CommonJS).
type Chokidar = typeof import('chokidar', { with: { 'resolution-mode': 'import' } });
type FSWatcher = InstanceType<Chokidar['FSWatcher']>;
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
  /** safety-net sweep for lost events; 0 = only the one after start. Default 60 s. */
  sweepMs?: number;
}

export const DEFAULT_SWEEP_MS = 60_000;

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
  private draining = false;
  private closed = false;
  private sweepTimer?: NodeJS.Timeout;
  /** files handled but still here (could not be moved): fingerprint left behind, so a sweep does not loop on them */
  private readonly handled = new Map<string, string>();

  constructor(private readonly opts: WatcherOptions) {}

  /** Starts watching; resolves when the initial scan and the first sweep are done (backlog files are then pending). */
  async start(): Promise<void> {
    const root = path.resolve(this.opts.root);
    const { watch } = await import('chokidar');
    if (this.closed) return;
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
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    // the watch is up now: catch files that arrived between chokidar's listing and its watch
    await this.sweep();
    const every = this.opts.sweepMs ?? DEFAULT_SWEEP_MS;
    if (every > 0 && !this.closed) {
      this.sweepTimer = setInterval(() => void this.sweep().catch((err: Error) => this.opts.onError(err)), every);
      this.sweepTimer.unref();
    }
  }

  /**
   * Safety net for lost events: touches report files that nobody is looking at
   * (not waiting for stability, not queued or being read, not handled and unchanged
   * since). Unlike rescan(), it never restarts a stability wait.
   */
  async sweep(): Promise<number> {
    if (this.closed) return 0;
    const root = path.resolve(this.opts.root);
    const names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isFile() && isReportName(d.name));
    let touched = 0;
    for (const d of names) {
      const file = path.join(root, d.name);
      if (this.closed || file === this.current || this.queued.has(file) || this.pending.get(file)?.timer) continue;
      const left = this.handled.get(file);
      if (left !== undefined && left === (await fingerprint(file))) continue;
      // the await above may have let an event in
      if (this.closed || file === this.current || this.queued.has(file) || this.pending.get(file)?.timer) continue;
      this.touched(file);
      touched++;
    }
    return touched;
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
    this.handled.delete(file);
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
    this.handled.delete(file);
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
    if (this.draining) return;
    // the flag drops in the same step as the loop's last look at the queue, so a file
    // queued just then starts a new drain instead of waiting for the next file
    this.draining = true;
    this.running = this.drain();
  }

  private async drain(): Promise<void> {
    try {
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
        else if (after) this.handled.set(file, after);
      }
    } finally {
      this.draining = false; // no await between the loop's last look and this
    }
  }

  /** Stops watching; waits for the file being read, if any. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
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
