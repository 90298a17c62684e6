// The watched export folder as one service, without Node-RED: it checks the folder,
// fails the file a crashed read left behind, keeps processed/ and failed/ tidy, and
// hands each complete file through processFile. The node only says what happened.
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { PROCESSED_DIR, SEEN_FILE } from './folder';
import { failInterruptedRead, processFile, type Deliver, type Outcome } from './process-file';
import { removeOldExports } from './retention';
import { SeenStore } from './seen';
import type { ExportSettings } from './settings';
import { FolderWatcher } from './watcher';

/** How often old files are removed from processed/ and failed/ (also once at start). */
export const RETENTION_EVERY_MS = 3_600_000;

export interface ServiceHooks {
  /** a complete file's rows (sent before the file is moved to processed/) */
  deliver: Deliver;
  /** what came of a file: rows, duplicate, failed or changed while read */
  outcome: (o: Outcome) => void;
  /** a file or the watch itself failed */
  error: (err: Error, file?: string) => void;
  activity: (file: string, what: 'waiting' | 'reading') => void;
  /** a new page counter for one file's read (a long PDF) */
  pages: () => (file: string, done: number, total: number) => void;
  /** the watch is up */
  watching: () => void;
  log: (message: string) => void;
  warn: (message: string) => void;
}

export class ExportService {
  private watcher: FolderWatcher | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;
  private retention: NodeJS.Timeout | undefined;
  private readonly seen: SeenStore;

  constructor(private readonly s: ExportSettings, private readonly hooks: ServiceHooks) {
    this.seen = new SeenStore(path.join(s.folder, PROCESSED_DIR, SEEN_FILE));
  }

  /** Starts watching, once; a start that failed (no folder yet) is tried again at the next call. */
  start(): Promise<void> {
    this.starting ??= this.open().catch((err: Error) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  /** Looks at the folder again (starting first): the files found. */
  async rescan(): Promise<number> {
    await this.start();
    return this.watcher?.rescan() ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.retention);
    const w = this.watcher;
    this.watcher = undefined;
    await w?.close().catch(() => undefined);
  }

  private async open(): Promise<void> {
    const { s, hooks } = this;
    const st = await stat(s.folder).catch(() => undefined);
    if (!st?.isDirectory()) throw new Error(`folder "${s.folder}" does not exist or is not a folder (setting "Folder")`);
    // the file being read when the process died is not read again (no crash loop)
    const interrupted = await failInterruptedRead(s.folder);
    if (interrupted) hooks.outcome({ kind: 'failed', failure: interrupted });
    this.removeOld();
    this.retention ??= setInterval(() => this.removeOld(), RETENTION_EVERY_MS);
    this.retention.unref();
    const w = new FolderWatcher({
      root: s.folder,
      stableMs: s.stableMs,
      usePolling: s.usePolling,
      handle: async (file) => {
        const options = { root: s.folder, template: s.template, failOnUnexpected: s.failOnUnexpected, office: s.office, officePattern: s.officePattern, seen: this.seen, onProgress: hooks.pages() };
        hooks.outcome(await processFile(file, options, hooks.deliver));
      },
      onError: hooks.error,
      onActivity: hooks.activity,
    });
    await w.start();
    if (this.closed) return void (await w.close());
    this.watcher = w;
    hooks.watching();
  }

  private removeOld(): void {
    const { folder, keepDays } = this.s;
    removeOldExports(folder, keepDays, new Date())
      .then((n) => n > 0 && this.hooks.log(`removed ${n} files older than ${keepDays} days from processed/ and failed/`))
      .catch((err: Error) => this.hooks.warn(`removing old files from processed/ and failed/: ${err.message}`));
  }
}
