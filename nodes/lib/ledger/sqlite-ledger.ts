// The ledger on a SQLite file (sqlite3, the engine node-red-node-sqlite uses).
// Every call is one transaction of chunked statements (IN (...) selects, multi-row
// upserts), so a run of 10 000 keys costs a few dozen statements, not 10 000.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DeliveryResult } from '../types';
import type {
  CommitOutcome,
  KeyLabels,
  BookingOutcome,
  KeyStatus,
  Ledger,
  OutcomeRow,
  OwnerOptions,
  ReserveOptions,
  ReserveOutcome,
  SuppressionEntry,
  SuppressionHit,
  SuppressionIndex,
  Sighting,
} from './api';
import { SqliteDb, type Param } from './db';
import { hmacWith, secretFingerprint, suppressionHash, suppressionValue, type Hmac } from './keys';
import { bookingOf, type OpenContact } from './outcomes';
import { checkLocalDisk } from './local-disk';
import { migrate } from './schema';

export const DEFAULT_LEASE_MS = 15 * 60_000;
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;
/** keys per statement: 500 rows x 15 parameters stays far below SQLite's 32 766 limit */
export const CHUNK = 500;

const CHANNELS = new Set(['sms', 'email', 'voice', 'all']);
const REASONS = new Set(['opted-out', 'bad-number', 'bounced-email']);

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

const iso = (ms: number): string => new Date(ms).toISOString();

/** A key's lease as stored: lease_until on the clock named lease_clock. */
interface LeaseRow {
  key: string;
  lease_until: string | null;
  lease_clock: string | null;
  lease_ms: number | null;
}
const marks = (n: number, one: string): string => new Array(n).fill(one).join(', ');

function* chunks<T>(items: readonly T[], size = CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** last_error may come from a CRM's answer: cut it and drop anything shaped like an e-mail or phone. */
export function scrubError(text: string | undefined): string | null {
  if (!text) return null;
  return String(text)
    .replace(/[^\s@"'<>,;:()[\]]+@[^\s@"'<>,;:()[\]]+/g, '[e-mail]')
    .replace(/\+?\d[\d ().-]{6,}\d/g, '[number]')
    .slice(0, 200);
}

const RANK: Record<string, number> = { delivered: 3, failed: 2 };

/** SQL: a suppression entry matching `cond`, added after key `k` was sent, on a channel it went to. */
export const AFTER_CONTACT = (cond: string): string =>
  `EXISTS (SELECT 1 FROM suppressions s WHERE ${cond} AND s.added_at > k.sent_at AND (
     (s.hash = k.phone_hash AND s.channel IN ('sms', 'voice', 'all')) OR (s.hash = k.email_hash AND s.channel IN ('email', 'all'))))`;

export class SqliteLedger implements Ledger {
  readonly hmac: Hmac;
  readonly file: string;

  constructor(
    private readonly db: SqliteDb,
    hmac: Hmac,
    private readonly now: () => number,
    private readonly clock: string = os.hostname(),
  ) {
    this.hmac = hmac;
    this.file = db.file;
  }

  /** Runs a ledger operation; any SQLite error comes back naming the file. */
  private async named<T>(op: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const msg = (err as Error).message;
      throw new Error(msg.startsWith(`ledger ${this.file}`) ? msg : `ledger ${this.file}: ${op} failed: ${msg}`);
    }
  }

  reserve(keys: readonly string[], leaseMs: number, opts: ReserveOptions = {}): Promise<ReserveOutcome> {
    const unique = [...new Set(keys)];
    const out: ReserveOutcome = { reserved: [], alreadySent: [], leased: [], failed: [] };
    if (unique.length === 0) return Promise.resolve(out);
    return this.named('reserve', () =>
      this.db.transaction(async () => {
        // the clock is read inside the write lock: a lease seen as live is live
        const now = this.now();
        const nowIso = iso(now);
        const until = iso(now + leaseMs);
        out.leaseUntil = until;
        for (const chunk of chunks(unique)) {
          const rows = await this.db.all<LeaseRow & { state: string }>(
            `SELECT key, state, lease_until, lease_clock, lease_ms FROM keys WHERE key IN (${marks(chunk.length, '?')})`,
            chunk,
          );
          const found = new Map(rows.map((r) => [r.key, r]));
          const live = await this.liveLeases(rows.filter((r) => r.state === 'reserved'), now);
          const take: string[] = [];
          for (const key of chunk) {
            const row = found.get(key);
            if (!row) take.push(key);
            else if (row.state === 'sent') out.alreadySent.push(key);
            else if (row.state === 'failed') out.failed!.push(key);
            else if (live.has(key)) out.leased.push(key);
            else take.push(key); // released, or its lease ran out (crashed run): same key again
          }
          if (take.length > 0) await this.upsertReserved(take, nowIso, until, opts.runId, opts.labels, opts.coveredBy, leaseMs);
          out.reserved.push(...take);
        }
        return out;
      }),
    );
  }

  /**
   * The keys among `rows` whose lease is live. A lease written on this clock (or before
   * leases named their clock) is compared with this clock's time. A lease on another
   * runtime's clock is not: that clock may be ahead or behind. It is live until this
   * runtime has seen it, unchanged, for its whole length on its own clock (timed from
   * the first sighting, kept in lease_seen); a renewal is a new lease, timed anew.
   * A sighting is matched on the exact lease_until it saw, so an old one never times a
   * later lease; it is replaced at the next sighting of that key (no extra statement in
   * a run on one clock).
   */
  private async liveLeases(rows: readonly LeaseRow[], now: number): Promise<Set<string>> {
    const live = new Set<string>();
    const foreign: LeaseRow[] = [];
    for (const r of rows) {
      if (!r.lease_until) continue; // released
      if (r.lease_clock === null || r.lease_clock === this.clock) {
        if (r.lease_until > iso(now)) live.add(r.key);
      } else foreign.push(r);
    }
    if (foreign.length === 0) return live;
    const seen = new Map(
      (
        await this.db.all<{ key: string; lease_until: string; seen_at: string }>(
          `SELECT key, lease_until, seen_at FROM lease_seen WHERE clock = ? AND key IN (${marks(foreign.length, '?')})`,
          [this.clock, ...foreign.map((r) => r.key)],
        )
      ).map((s) => [s.key, s]),
    );
    const sighted: Param[] = [];
    for (const r of foreign) {
      const s = seen.get(r.key);
      const length = r.lease_ms ?? DEFAULT_LEASE_MS;
      if (s && s.lease_until === r.lease_until) {
        if (now - Date.parse(s.seen_at) < length) live.add(r.key);
        continue; // seen for its whole length on this clock: ran out
      }
      live.add(r.key);
      sighted.push(r.key, this.clock, r.lease_until!, iso(now));
    }
    if (sighted.length > 0) {
      await this.db.run(
        `INSERT INTO lease_seen (key, clock, lease_until, seen_at) VALUES ${marks(sighted.length / 4, '(?, ?, ?, ?)')}
         ON CONFLICT (key, clock) DO UPDATE SET lease_until = excluded.lease_until, seen_at = excluded.seen_at`,
        sighted,
      );
    }
    return live;
  }

  private async upsertReserved(
    keys: string[],
    nowIso: string,
    until: string,
    runId?: string,
    labels?: ReadonlyMap<string, KeyLabels>,
    coveredBy?: ReadonlyMap<string, string>,
    leaseMs?: number,
  ): Promise<void> {
    const params: Param[] = [];
    for (const key of keys) {
      const l = labels?.get(key);
      params.push(key, nowIso, nowIso, until, l?.office ?? null, l?.segment ?? null, runId ?? null);
      params.push(l?.contactKey ?? null, l?.recallRef ?? null, l?.recallDate ?? null, l?.contactedOn ?? null, l?.phoneHash ?? null, l?.emailHash ?? null, coveredBy?.get(key) ?? null);
      params.push(this.clock, leaseMs ?? null);
    }
    // a retried key takes the office date of the run that reserves it again (the one that delivers it);
    // covered_by is set anew on every reservation: a row covered last time may carry this time
    await this.db.run(
      `INSERT INTO keys (key, state, created_at, updated_at, lease_until, attempts, office, segment, run_id,
                         contact_key, recall_ref, recall_date, contacted_on, phone_hash, email_hash, covered_by, lease_clock, lease_ms)
       VALUES ${marks(keys.length, "(?, 'reserved', ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")}
       ON CONFLICT (key) DO UPDATE SET state = 'reserved', updated_at = excluded.updated_at,
         lease_until = excluded.lease_until, lease_clock = excluded.lease_clock, lease_ms = excluded.lease_ms,
         attempts = keys.attempts + 1, run_id = excluded.run_id,
         office = coalesce(excluded.office, keys.office), segment = coalesce(excluded.segment, keys.segment),
         contact_key = coalesce(excluded.contact_key, keys.contact_key), recall_ref = coalesce(excluded.recall_ref, keys.recall_ref),
         recall_date = coalesce(excluded.recall_date, keys.recall_date), contacted_on = coalesce(excluded.contacted_on, keys.contacted_on),
         phone_hash = excluded.phone_hash, email_hash = excluded.email_hash, covered_by = excluded.covered_by`,
      params,
    );
  }

  /** Covered rows still reserved under these carriers: marked sent with them, or released. */
  /**
   * Covered rows under these carriers: marked sent with them, or released. Only rows
   * reserved in the same reservation as their carrier (same run id) follow it: a row
   * released earlier, or left by a crashed run, is not carried by a later delivery.
   */
  private followCarriers(carriers: readonly string[], action: 'sent' | 'release', nowIso: string, runId?: string) {
    const inList =
      `state = 'reserved' AND covered_by IS NOT NULL AND covered_by IN (${marks(carriers.length, '?')})` +
      ' AND run_id IS (SELECT c.run_id FROM keys AS c WHERE c.key = keys.covered_by)';
    if (action === 'sent') {
      return this.db.run(`UPDATE keys SET state = 'sent', updated_at = ?, sent_at = ?, lease_until = NULL, last_error = NULL WHERE ${inList}`, [nowIso, nowIso, ...carriers]);
    }
    const owner = runId === undefined ? '' : ' AND run_id = ?';
    return this.db.run(`UPDATE keys SET updated_at = ?, lease_until = NULL, covered_by = NULL WHERE ${inList}${owner}`, runId === undefined ? [nowIso, ...carriers] : [nowIso, ...carriers, runId]);
  }

  renew(keys: readonly string[], leaseMs: number, opts: OwnerOptions = {}): Promise<number> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return Promise.resolve(0);
    return this.named('renew', () =>
      this.db.transaction(async () => {
        const now = this.now();
        let n = 0;
        for (const chunk of chunks(unique)) {
          const owner = opts.runId === undefined ? '' : ' AND run_id = ?';
          // the rows a contact carries are renewed with it
          const params: Param[] = [iso(now + leaseMs), this.clock, leaseMs, iso(now), ...chunk, ...chunk];
          if (opts.runId !== undefined) params.push(opts.runId);
          const r = await this.db.run(
            `UPDATE keys SET lease_until = ?, lease_clock = ?, lease_ms = ?, updated_at = ?
             WHERE (key IN (${marks(chunk.length, '?')}) OR covered_by IN (${marks(chunk.length, '?')}))
               AND state = 'reserved' AND lease_until IS NOT NULL${owner}`,
            params,
          );
          n += r.changes;
        }
        return n;
      }),
    );
  }

  async commit(results: readonly DeliveryResult[], opts: OwnerOptions = {}): Promise<CommitOutcome> {
    // one outcome per key; if a key shows up twice, delivered beats failed beats the rest
    const byKey = new Map<string, DeliveryResult>();
    let ignored = 0;
    for (const r of results) {
      if (!r || typeof r.key !== 'string' || r.key === '') throw new Error(`ledger ${this.file}: commit: a result without a key`);
      if (r.outcome === 'dry-run') {
        ignored++;
        continue;
      }
      const prev = byKey.get(r.key);
      if (!prev || (RANK[r.outcome] ?? 0) > (RANK[prev.outcome] ?? 0)) byKey.set(r.key, r);
    }
    const delivered: string[] = [];
    const failed: DeliveryResult[] = [];
    const released: DeliveryResult[] = [];
    for (const r of byKey.values()) {
      if (r.outcome === 'delivered') delivered.push(r.key);
      else if (r.outcome === 'failed') failed.push(r);
      else released.push(r);
    }
    const out: CommitOutcome = { sent: 0, failed: 0, released: 0, ignored };
    if (byKey.size === 0) return out;
    return this.named('commit', () =>
      this.db.transaction(async () => {
        const nowIso = iso(this.now());
        for (const chunk of chunks(delivered)) out.sent += (await this.markSent(chunk, nowIso)).changes;
        for (const chunk of chunks(failed)) out.failed += (await this.markFailed(chunk, nowIso)).changes;
        for (const chunk of chunks(released)) out.released += (await this.releaseRows(chunk, nowIso, opts.runId)).changes;
        // rows carried by a contact: sent when it was delivered, free again when it was not
        let covered = 0;
        for (const chunk of chunks(delivered)) covered += (await this.followCarriers(chunk, 'sent', nowIso)).changes;
        if (covered > 0) out.coveredSent = covered;
        const undelivered = [...failed, ...released].map((r) => r.key);
        for (const chunk of chunks(undelivered)) await this.followCarriers(chunk, 'release', nowIso, opts.runId);
        return out;
      }),
    ).finally(() => this.db.checkpointSoon());
  }

  // A delivery is recorded even for a key never reserved (a replacement sink): it was sent.
  private markSent(keys: string[], nowIso: string) {
    const params: Param[] = [];
    for (const key of keys) params.push(key, nowIso, nowIso, nowIso);
    return this.db.run(
      `INSERT INTO keys (key, state, created_at, updated_at, sent_at, lease_until, attempts)
       VALUES ${marks(keys.length, "(?, 'sent', ?, ?, ?, NULL, 1)")}
       ON CONFLICT (key) DO UPDATE SET state = 'sent', updated_at = excluded.updated_at,
         sent_at = excluded.sent_at, lease_until = NULL, last_error = NULL
       WHERE keys.state <> 'sent'`,
      params,
    );
  }

  // Never downgrades a key already sent (e.g. a 422 for a reused key after an earlier 2xx).
  private markFailed(results: DeliveryResult[], nowIso: string) {
    const params: Param[] = [];
    for (const r of results) params.push(r.key, nowIso, nowIso, scrubError(r.error ?? (r.status ? `HTTP ${r.status}` : 'failed')));
    return this.db.run(
      `INSERT INTO keys (key, state, created_at, updated_at, lease_until, attempts, last_error)
       VALUES ${marks(results.length, "(?, 'failed', ?, ?, NULL, 1, ?)")}
       ON CONFLICT (key) DO UPDATE SET state = 'failed', updated_at = excluded.updated_at,
         lease_until = NULL, last_error = excluded.last_error
       WHERE keys.state <> 'sent'`,
      params,
    );
  }

  // Released = still `reserved` with no lease: free for the next run, attempts and error kept;
  // no longer covered by anything.
  private releaseRows(results: readonly Pick<DeliveryResult, 'key' | 'error'>[], nowIso: string, runId?: string) {
    const params: Param[] = [nowIso];
    for (const r of results) params.push(r.key, scrubError(r.error));
    const owner = runId === undefined ? '' : ' AND keys.run_id = ?';
    if (runId !== undefined) params.push(runId);
    return this.db.run(
      `UPDATE keys SET lease_until = NULL, updated_at = ?, last_error = coalesce(r.err, keys.last_error), covered_by = NULL
       FROM (SELECT column1 AS key, column2 AS err FROM (VALUES ${marks(results.length, '(?, ?)')})) AS r
       WHERE keys.key = r.key AND keys.state = 'reserved'${owner}`,
      params,
    );
  }

  release(keys: readonly string[], opts: OwnerOptions = {}): Promise<number> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return Promise.resolve(0);
    return this.named('release', () =>
      this.db.transaction(async () => {
        const nowIso = iso(this.now());
        let n = 0;
        for (const chunk of chunks(unique)) {
          n += (await this.releaseRows(chunk.map((key) => ({ key })), nowIso, opts.runId)).changes;
          await this.followCarriers(chunk, 'release', nowIso, opts.runId);
        }
        return n;
      }),
    );
  }

  status(keys: readonly string[]): Promise<KeyStatus[]> {
    const unique = [...new Set(keys)];
    return this.named('status', () =>
      this.db.exclusive(async () => {
        const out: KeyStatus[] = [];
        for (const chunk of chunks(unique)) {
          const rows = await this.db.all<{ key: string; state: KeyStatus['state']; lease_until: string | null; attempts: number; last_error: string | null; sent_at: string | null }>(
            `SELECT key, state, lease_until, attempts, last_error, sent_at FROM keys WHERE key IN (${marks(chunk.length, '?')})`,
            chunk,
          );
          for (const r of rows) out.push({ key: r.key, state: r.state, leaseUntil: r.lease_until, attempts: r.attempts, lastError: r.last_error, sentAt: r.sent_at });
        }
        return out;
      }),
    );
  }

  clearFailed(keys?: readonly string[]): Promise<number> {
    return this.named('clearFailed', () =>
      this.db.transaction(async () => {
        if (!keys) return (await this.db.run("DELETE FROM keys WHERE state = 'failed'")).changes;
        let n = 0;
        for (const chunk of chunks([...new Set(keys)])) {
          n += (await this.db.run(`DELETE FROM keys WHERE state = 'failed' AND key IN (${marks(chunk.length, '?')})`, chunk)).changes;
        }
        return n;
      }),
    );
  }

  observe(sightings: readonly Sighting[], on: string): Promise<BookingOutcome> {
    const byPatient = new Map<string, Sighting[]>();
    for (const s of sightings) {
      const list = byPatient.get(s.contactKey);
      if (list) list.push(s);
      else byPatient.set(s.contactKey, [s]);
    }
    const out: BookingOutcome = { booked: 0 };
    if (byPatient.size === 0) return Promise.resolve(out);
    return this.named('observe', () =>
      this.db.transaction(async () => {
        for (const chunk of chunks([...byPatient.keys()])) {
          const open = await this.db.all<{ key: string; contact_key: string; recall_ref: string | null; recall_date: string | null; contacted_on: string | null }>(
            `SELECT key, contact_key, recall_ref, recall_date, contacted_on FROM keys
             WHERE state = 'sent' AND booked_on IS NULL AND contact_key IN (${marks(chunk.length, '?')})`,
            chunk,
          );
          const marked: Param[][] = [];
          for (const r of open) {
            const k: OpenContact = { contactKey: r.contact_key, recallRef: r.recall_ref, recallDate: r.recall_date, contactedOn: r.contacted_on };
            const how = bookingOf(k, byPatient.get(r.contact_key) ?? [], on);
            if (how) marked.push([r.key, how]);
          }
          for (const part of chunks(marked)) {
            const r = await this.db.run(
              `UPDATE keys SET booked_on = ?, booked_by = m.how
               FROM (SELECT column1 AS key, column2 AS how FROM (VALUES ${marks(part.length, '(?, ?)')})) AS m
               WHERE keys.key = m.key AND keys.booked_on IS NULL`,
              [on, ...part.flat()],
            );
            out.booked += r.changes;
          }
        }
        return out;
      }),
    );
  }

  outcomeRows(since: string): Promise<OutcomeRow[]> {
    return this.named('outcomeRows', () =>
      this.db.exclusive(async () => {
        const rows = await this.db.all<{ office: string | null; segment: string | null; contacted_on: string; booked_on: string | null; opted_out: number; bounced: number }>(
          `SELECT office, segment, contacted_on, booked_on,
             ${AFTER_CONTACT("s.reason = 'opted-out'")} AS opted_out,
             ${AFTER_CONTACT("s.reason IN ('bounced-email', 'bad-number')")} AS bounced
           FROM keys k WHERE k.state = 'sent' AND k.contacted_on >= ?`,
          [since],
        );
        return rows.map((r) => ({ office: r.office ?? '', segment: r.segment ?? '', contactedOn: r.contacted_on, bookedOn: r.booked_on, optedOutAfter: r.opted_out === 1, bouncedAfter: r.bounced === 1 }));
      }),
    );
  }

  sentSince(office: string, sinceIso: string, opts: OwnerOptions = {}): Promise<number> {
    return this.named('sentSince', async () => {
      const now = iso(this.now());
      const row = await this.db.get<{ n: number }>(
        `SELECT (SELECT COUNT(*) FROM keys WHERE state = 'sent' AND office = ? AND sent_at >= ? AND covered_by IS NULL)
              + (SELECT COUNT(*) FROM keys WHERE state = 'reserved' AND office = ? AND lease_until > ? AND covered_by IS NULL
                   AND (run_id IS NULL OR run_id IS NOT ?)) AS n`,
        [office, sinceIso, office, now, opts.runId ?? null],
      );
      return row?.n ?? 0;
    });
  }

  /** Inserts new (hash, channel) pairs and updates changed reasons; returns rows written. */
  async addSuppressions(entries: readonly SuppressionEntry[], source: string): Promise<number> {
    const rows = new Map<string, [string, string, string]>();
    entries.forEach((e, i) => {
      if (!e || !CHANNELS.has(e.channel)) throw new Error(`suppression entry ${i + 1}: channel must be sms, email, voice or all`);
      if (!REASONS.has(e.reason)) throw new Error(`suppression entry ${i + 1}: reason must be opted-out, bad-number or bounced-email`);
      if (typeof e.value !== 'string' || suppressionValue(e.value) === '') throw new Error(`suppression entry ${i + 1}: empty value`);
      const hash = suppressionHash(this.hmac, e.value);
      rows.set(`${hash}|${e.channel}`, [hash, e.channel, e.reason]);
    });
    if (rows.size === 0) return 0;
    return this.named('addSuppressions', () =>
      this.db.transaction(async () => {
        const nowIso = iso(this.now());
        let n = 0;
        for (const chunk of chunks([...rows.values()])) {
          const params: Param[] = [];
          for (const [hash, channel, reason] of chunk) params.push(hash, channel, reason, source, nowIso);
          const r = await this.db.run(
            `INSERT INTO suppressions (hash, channel, reason, source, added_at) VALUES ${marks(chunk.length, '(?, ?, ?, ?, ?)')}
             ON CONFLICT (hash, channel) DO UPDATE SET reason = excluded.reason, source = excluded.source, added_at = excluded.added_at
             WHERE suppressions.reason <> excluded.reason`,
            params,
          );
          n += r.changes;
        }
        return n;
      }),
    );
  }

  loadSuppressions(): Promise<SuppressionIndex> {
    return this.named('loadSuppressions', () =>
      this.db.exclusive(async () => {
        const rows = await this.db.all<{ hash: string; channel: SuppressionHit['channel']; reason: SuppressionHit['reason'] }>(
          'SELECT hash, channel, reason FROM suppressions',
        );
        const map = new Map<string, SuppressionHit[]>();
        for (const r of rows) {
          const hits = map.get(r.hash);
          if (hits) hits.push({ channel: r.channel, reason: r.reason });
          else map.set(r.hash, [{ channel: r.channel, reason: r.reason }]);
        }
        const hmac = this.hmac;
        return {
          size: rows.length,
          lookup: (value: string) => (value ? map.get(suppressionHash(hmac, value)) ?? [] : []),
        };
      }),
    );
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
