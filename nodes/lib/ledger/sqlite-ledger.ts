// The ledger on a SQLite file (sqlite3, the engine node-red-node-sqlite uses): opening,
// and the Ledger its callers see. Each part lives in its own module (reserve, leases,
// commit, key-status, bookings, suppressions); every call is one transaction of
// chunked statements, so a run of 10 000 keys costs a few dozen statements, not 10 000.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DeliveryResult } from '../types';
import type {
  BookingOutcome,
  CommitOutcome,
  KeyStatus,
  Ledger,
  OutcomeRow,
  OwnerOptions,
  ReserveOptions,
  ReserveOutcome,
  Sighting,
  SuppressionEntry,
  SuppressionIndex,
} from './api';
import { observe, outcomeRows } from './bookings';
import { commit, release } from './commit';
import { SqliteDb } from './db';
import { clearFailed, sentSince, status } from './key-status';
import { hmacWith, secretFingerprint, type Hmac } from './keys';
import { renew } from './leases';
import { checkLocalDisk } from './local-disk';
import { reserve } from './reserve';
import { migrate } from './schema';
import type { Store } from './store';
import { addSuppressions, loadSuppressions } from './suppressions';

export { DEFAULT_LEASE_MS } from './leases';
export { CHUNK, scrubError } from './store';
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

export interface LedgerOptions {
  /** absolute path of the SQLite file; parent folders are created */
  file: string;
  secret: string;
  busyTimeoutMs?: number;
  /** clock, for tests of lease expiry */
  now?: () => number;
  /**
   * Names the clock this runtime's lease times are on: runtimes on one host share it
   * (default: the host name). A lease on another clock is timed from when this one saw it.
   */
  clockId?: string;
  /** the mount table to look the file up in (Linux; default /proc/mounts), for tests */
  mountsFile?: string;
}

/** Opens (creating and migrating) the ledger file; errors name the file. */
export async function openLedger(opts: LedgerOptions): Promise<SqliteLedger> {
  const file = opts.file;
  if (!opts.secret) throw new Error(`ledger ${file}: no key secret configured (set it in the recall-ledger node or RECALL_LEDGER_SECRET)`);
  checkLocalDisk(file, opts.mountsFile);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch (err) {
    throw new Error(`ledger ${file}: cannot create its folder: ${(err as Error).message}`);
  }
  let db: SqliteDb;
  try {
    db = await SqliteDb.open(file);
  } catch (err) {
    throw new Error(`ledger ${file}: cannot open: ${(err as Error).message}`);
  }
  try {
    await db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
    const mode = await db.get<{ journal_mode: string }>('PRAGMA journal_mode = WAL');
    if (mode?.journal_mode !== 'wal') throw new Error(`WAL mode refused (journal_mode ${mode?.journal_mode})`);
    // FULL: a committed reservation or "sent" survives a power cut too; costs one fsync per run step.
    await db.exec('PRAGMA synchronous = FULL');
    // keys are random (HMACs): a bigger page cache keeps more of a large ledger's tree in memory
    await db.exec('PRAGMA cache_size = -32768');
    // keys are random, so a run of 10 000 new keys rewrites ~15 000 pages twice (reserve,
    // commit). Let the WAL hold both and copy each page back once, after the commit
    // (checkpointSoon), instead of inside every COMMIT; cap the idle WAL file at 64 MB.
    await db.exec('PRAGMA wal_autocheckpoint = 32768');
    await db.exec('PRAGMA journal_size_limit = 67108864');
    await migrate(db);
    const hmac = hmacWith(opts.secret);
    await checkSecret(db, hmac);
    return new SqliteLedger(db, hmac, opts.now ?? Date.now, opts.clockId ?? os.hostname());
  } catch (err) {
    await db.close().catch(() => undefined);
    const msg = (err as Error).message;
    throw new Error(msg.startsWith(`ledger ${file}`) ? msg : `ledger ${file}: ${msg}`);
  }
}

/**
 * A changed secret changes every key (everyone re-sent) and every suppression hash (opted-out
 * patients contacted): refuse it, unless the file holds neither keys nor suppressions yet
 * (e.g. a demo ledger that only saw dry-runs), which then takes the new secret.
 */
async function checkSecret(db: SqliteDb, hmac: Hmac): Promise<void> {
  const print = secretFingerprint(hmac);
  await db.transaction(async () => {
    const row = await db.get<{ value: string }>("SELECT value FROM meta WHERE name = 'secret_check'");
    if (row?.value === print) return;
    if (row) {
      const used = await db.get<{ keys: number; suppressions: number }>(
        'SELECT (SELECT count(*) FROM keys) AS keys, (SELECT count(*) FROM suppressions) AS suppressions',
      );
      if (used && (used.keys > 0 || used.suppressions > 0)) {
        throw new Error(
          `the key secret differs from the one this ledger was created with (it holds ${used.keys} keys and ` +
            `${used.suppressions} suppressions); with a new secret every patient would be sent again and the ` +
            'suppression list would no longer match. Restore the old secret, or point the ledger at a new file on purpose',
        );
      }
    }
    await db.run("INSERT INTO meta (name, value) VALUES ('secret_check', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", [print]);
  });
}

/** The Ledger on one open file: each call is handed to the module that owns it. */
export class SqliteLedger implements Ledger {
  readonly hmac: Hmac;
  readonly file: string;
  private readonly store: Store;

  constructor(db: SqliteDb, hmac: Hmac, now: () => number, clock: string = os.hostname()) {
    this.hmac = hmac;
    this.file = db.file;
    this.store = { db, file: db.file, now, clock };
  }

  reserve(keys: readonly string[], leaseMs: number, opts?: ReserveOptions): Promise<ReserveOutcome> {
    return reserve(this.store, keys, leaseMs, opts);
  }
  renew(keys: readonly string[], leaseMs: number, opts?: OwnerOptions): Promise<number> {
    return renew(this.store, keys, leaseMs, opts);
  }
  commit(results: readonly DeliveryResult[], opts?: OwnerOptions): Promise<CommitOutcome> {
    return commit(this.store, results, opts);
  }
  release(keys: readonly string[], opts?: OwnerOptions): Promise<number> {
    return release(this.store, keys, opts);
  }
  status(keys: readonly string[]): Promise<KeyStatus[]> {
    return status(this.store, keys);
  }
  clearFailed(keys?: readonly string[]): Promise<number> {
    return clearFailed(this.store, keys);
  }
  sentSince(office: string, sinceIso: string, opts?: OwnerOptions): Promise<number> {
    return sentSince(this.store, office, sinceIso, opts);
  }
  observe(sightings: readonly Sighting[], on: string): Promise<BookingOutcome> {
    return observe(this.store, sightings, on);
  }
  outcomeRows(since: string): Promise<OutcomeRow[]> {
    return outcomeRows(this.store, since);
  }
  addSuppressions(entries: readonly SuppressionEntry[], source: string): Promise<number> {
    return addSuppressions(this.store, this.hmac, entries, source);
  }
  loadSuppressions(): Promise<SuppressionIndex> {
    return loadSuppressions(this.store, this.hmac);
  }
  close(): Promise<void> {
    return this.store.db.close();
  }
}
