// A small promise layer over one sqlite3 connection: prepared statements cached by
// SQL text, and a queue so that each transaction runs alone on the connection
// (sqlite3 would otherwise interleave statements of two concurrent callers).
import * as fs from 'node:fs';
import type * as sqlite3 from 'sqlite3';
import { loadSqlite3 } from '../native/sqlite3';

export type Param = string | number | null;

export interface RunInfo {
  changes: number;
}

export class SqliteDb {
  private readonly statements = new Map<string, sqlite3.Statement>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private checkpointQueued = false;

  private constructor(
    private readonly db: sqlite3.Database,
    /** the file, for error messages */
    readonly file: string,
    private readonly identity: string,
  ) {}

  static open(file: string, mode?: number): Promise<SqliteDb> {
    return new Promise((resolve, reject) => {
      const driver = loadSqlite3(); // throws (rejects) with the fix when the binary is missing
      const db = new driver.Database(file, mode ?? driver.OPEN_READWRITE | driver.OPEN_CREATE, (err) => {
        if (err) return reject(err);
        try {
          resolve(new SqliteDb(db, file, fileIdentity(file)));
        } catch (e) {
          db.close(() => reject(e));
        }
      });
    });
  }

  /**
   * In WAL mode SQLite keeps writing through its open handles when the file is moved or
   * deleted (the writes would vanish with the unlinked file). Every call checks the path
   * still names the file that was opened, so the fault surfaces as an error instead.
   */
  private checkFile(): void {
    let now: string;
    try {
      now = fileIdentity(this.file);
    } catch (err) {
      throw new Error(`ledger ${this.file}: the file is gone (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was written. Restore it and restart the flow`);
    }
    if (now !== this.identity) throw new Error(`ledger ${this.file}: the file was replaced while open; nothing was written. Restart the flow`);
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(err) : resolve())));
  }

  private statement(sql: string): Promise<sqlite3.Statement> {
    const cached = this.statements.get(sql);
    if (cached) return Promise.resolve(cached);
    return new Promise((resolve, reject) => {
      const stmt = this.db.prepare(sql, (err) => {
        if (err) return reject(err);
        this.statements.set(sql, stmt);
        resolve(stmt);
      });
    });
  }

  async run(sql: string, params: readonly Param[] = []): Promise<RunInfo> {
    const stmt = await this.statement(sql);
    return new Promise((resolve, reject) => {
      stmt.run(params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve({ changes: this.changes });
      });
    });
  }

  async all<T>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    const stmt = await this.statement(sql);
    return new Promise((resolve, reject) => {
      stmt.all(params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
    });
  }

  async get<T>(sql: string, params: readonly Param[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** Runs `work` alone on the connection (after every earlier call has finished). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`ledger ${this.file} is closed`));
    const checked = () => {
      this.checkFile();
      return work();
    };
    const next = this.queue.then(checked, checked);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * `work` inside BEGIN IMMEDIATE ... COMMIT: the write lock is taken up front, so a
   * second connection (another runtime on the same file) waits (busy_timeout) instead
   * of reading the same free keys and reserving them too.
   */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      await this.exec('BEGIN IMMEDIATE');
      try {
        const result = await work();
        await this.exec('COMMIT');
        return result;
      } catch (err) {
        await this.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /**
   * Copies the WAL back into the file once the queue is idle (a run just ended), so the
   * next run starts with a short WAL and the copy is not part of anyone's COMMIT.
   * PASSIVE: never waits for other connections; failures only leave the WAL longer.
   */
  checkpointSoon(): void {
    if (this.closed || this.checkpointQueued) return;
    this.checkpointQueued = true;
    setImmediate(() => {
      this.exclusive(() => this.exec('PRAGMA wal_checkpoint(PASSIVE)'))
        .catch(() => undefined)
        .finally(() => (this.checkpointQueued = false));
    });
  }

  /** Finalizes statements and closes the file, after pending work. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = this.queue.then(async () => {
      for (const stmt of this.statements.values()) {
        await new Promise<void>((resolve) => stmt.finalize(() => resolve()));
      }
      this.statements.clear();
      await new Promise<void>((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
    });
    this.closed = true;
    return done;
  }
}

function fileIdentity(file: string): string {
  const st = fs.statSync(file);
  return `${st.dev}:${st.ino}`;
}
