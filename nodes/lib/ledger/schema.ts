// The ledger schema, versioned with PRAGMA user_version: migration i (0-based) takes
// the file from version i to i+1. Append new migrations; never edit a shipped one.
// No column holds a name, phone or e-mail: keys and suppression values are keyed hashes.
import type { SqliteDb } from './db';

export const MIGRATIONS: readonly string[] = [
  // 1: keys and suppressions
  `CREATE TABLE keys (
     key         TEXT PRIMARY KEY,        -- HMAC-SHA256(secret, office|patientId|segment|date), hex
     state       TEXT NOT NULL CHECK (state IN ('reserved', 'sent', 'failed')),
     created_at  TEXT NOT NULL,           -- ISO UTC
     updated_at  TEXT NOT NULL,
     sent_at     TEXT,
     lease_until TEXT,                    -- reserved and lease_until > now: held by a live run
     attempts    INTEGER NOT NULL DEFAULT 0,
     last_error  TEXT,
     office      TEXT,
     segment     TEXT,
     run_id      TEXT
   ) WITHOUT ROWID;
   -- only open rows are indexed: "WHERE state = 'failed'" (ledger tab, clearFailed) and
   -- "WHERE state = 'reserved'" find them without a scan; the million 'sent' rows cost no upkeep
   CREATE INDEX keys_reserved ON keys (updated_at) WHERE state = 'reserved';
   CREATE INDEX keys_failed ON keys (updated_at) WHERE state = 'failed';
   CREATE TABLE suppressions (
     hash     TEXT NOT NULL,              -- HMAC-SHA256(secret, 'suppress'|value), hex
     channel  TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'voice', 'all')),
     reason   TEXT NOT NULL,
     source   TEXT NOT NULL,
     added_at TEXT NOT NULL,
     PRIMARY KEY (hash, channel)
   ) WITHOUT ROWID;
   CREATE TABLE meta (
     name  TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) WITHOUT ROWID;`,
  // 2: outcomes. A contacted key is linked to its patient by contactKey (the keyed hash the
  // CRM gets), so a later run that sees the patient booked can mark it; suppressions added
  // after the contact are matched through keyed hashes of the channels it went to.
  `ALTER TABLE keys ADD COLUMN contact_key  TEXT;  -- HMAC(secret, office|patientId), hex
   ALTER TABLE keys ADD COLUMN recall_ref   TEXT;  -- HMAC(secret, office|patientId|recallType|'recall'): the same recall in a later run
   ALTER TABLE keys ADD COLUMN recall_date  TEXT;  -- the due date (or last visit) the key was made for, YYYY-MM-DD
   ALTER TABLE keys ADD COLUMN contacted_on TEXT;  -- the office date (asOf) of the run that reserved it
   ALTER TABLE keys ADD COLUMN phone_hash   TEXT;  -- suppression hash of the phone it went to (SMS or voice), if any
   ALTER TABLE keys ADD COLUMN email_hash   TEXT;  -- suppression hash of the e-mail it went to, if any
   ALTER TABLE keys ADD COLUMN booked_on    TEXT;  -- the office date a later run first saw the patient booked
   ALTER TABLE keys ADD COLUMN booked_by    TEXT CHECK (booked_by IN ('appointment', 'due-moved'));
   -- the open contacts a run's sightings are matched against, and the figures' date scan
   CREATE INDEX keys_open_contacts ON keys (contact_key) WHERE state = 'sent' AND booked_on IS NULL;
   CREATE INDEX keys_contacted ON keys (contacted_on) WHERE state = 'sent';`,
  // 3: coverage. A folded row's key is reserved with the contact that carries it and
  // follows it (sent, released); only open coverage is indexed.
  `ALTER TABLE keys ADD COLUMN covered_by TEXT;           -- the carrier's key, for a folded row
   CREATE INDEX keys_covered ON keys (covered_by) WHERE state = 'reserved' AND covered_by IS NOT NULL;`,
  // 4: leases that hold whatever the clocks of the runtimes sharing the file say. A lease is
  // written on its runtime's clock; another clock never compares it with its own time, it
  // times the lease from when it first saw it (lease_seen), on its own clock.
  `ALTER TABLE keys ADD COLUMN lease_clock TEXT;     -- whose clock lease_until is on (the host); NULL: written before this
   ALTER TABLE keys ADD COLUMN lease_ms    INTEGER;  -- the lease's length
   CREATE TABLE lease_seen (
     key         TEXT NOT NULL,
     clock       TEXT NOT NULL,                      -- the clock that saw the lease
     lease_until TEXT NOT NULL,                      -- the lease it saw (a renewal is a new lease)
     seen_at     TEXT NOT NULL,                      -- when, on that clock
     PRIMARY KEY (key, clock)
   ) WITHOUT ROWID;`,
  // 5: the CRM sink's blast guard counts the office's sends of the last hours on every run
  // (sentSince): without this index that is a scan of every key ever sent (~0.7 s at 1M).
  `CREATE INDEX keys_sent_at ON keys (sent_at) WHERE state = 'sent';`,
  // 6: keys in a rowid table, found through a unique index on key. Keys are random (HMACs):
  // in the WITHOUT ROWID table every reserve and every commit rewrote ~10 000 random leaf
  // pages of wide rows for a run of 10 000 new keys. Now a run's rows are appended together
  // (new ids), so its commit rewrites a few hundred neighbouring pages; only the narrow key
  // index takes random inserts. Same columns and names: every statement reads as before.
  `CREATE TABLE keys_v6 (
     id           INTEGER PRIMARY KEY,    -- in reservation order: a run's rows sit together
     key          TEXT NOT NULL,
     state        TEXT NOT NULL CHECK (state IN ('reserved', 'sent', 'failed')),
     created_at   TEXT NOT NULL,
     updated_at   TEXT NOT NULL,
     sent_at      TEXT,
     lease_until  TEXT,
     attempts     INTEGER NOT NULL DEFAULT 0,
     last_error   TEXT,
     office       TEXT,
     segment      TEXT,
     run_id       TEXT,
     contact_key  TEXT,
     recall_ref   TEXT,
     recall_date  TEXT,
     contacted_on TEXT,
     phone_hash   TEXT,
     email_hash   TEXT,
     booked_on    TEXT,
     booked_by    TEXT CHECK (booked_by IN ('appointment', 'due-moved')),
     covered_by   TEXT,
     lease_clock  TEXT,
     lease_ms     INTEGER
   );
   INSERT INTO keys_v6 (key, state, created_at, updated_at, sent_at, lease_until, attempts, last_error, office, segment, run_id,
     contact_key, recall_ref, recall_date, contacted_on, phone_hash, email_hash, booked_on, booked_by, covered_by, lease_clock, lease_ms)
   SELECT key, state, created_at, updated_at, sent_at, lease_until, attempts, last_error, office, segment, run_id,
     contact_key, recall_ref, recall_date, contacted_on, phone_hash, email_hash, booked_on, booked_by, covered_by, lease_clock, lease_ms
   FROM keys;
   DROP TABLE keys;
   ALTER TABLE keys_v6 RENAME TO keys;
   CREATE UNIQUE INDEX keys_key ON keys (key);
   CREATE INDEX keys_reserved ON keys (updated_at) WHERE state = 'reserved';
   CREATE INDEX keys_failed ON keys (updated_at) WHERE state = 'failed';
   CREATE INDEX keys_open_contacts ON keys (contact_key) WHERE state = 'sent' AND booked_on IS NULL;
   CREATE INDEX keys_contacted ON keys (contacted_on) WHERE state = 'sent';
   CREATE INDEX keys_covered ON keys (covered_by) WHERE state = 'reserved' AND covered_by IS NOT NULL;
   CREATE INDEX keys_sent_at ON keys (sent_at) WHERE state = 'sent';`,
  // 7: the open contacts are indexed on the first 16 hex digits (64 bits) of contact_key, not
  // all 64: a quarter of the entry, so a commit's 10 000 random inserts touch ~30 % fewer
  // pages. observe() matches the prefix through the index and then the whole contact_key.
  `DROP INDEX keys_open_contacts;
   CREATE INDEX keys_open_contacts ON keys (substr(contact_key, 1, 16)) WHERE state = 'sent' AND booked_on IS NULL;`,
  // 8: newly sent contacts wait in a small index ordered by sent_at (a run's rows go in at its
  // end, on a few hundred pages) until observe() moves them into keys_open_contacts tens of
  // thousands at a time. Before, a commit of 10,000 keys put 10,000 random entries into an
  // index of a million: ~6,000 pages rewritten, the larger part of the commit. Both index the
  // whole contact_key, a column: an index on an expression (schema 7's prefix) makes SQLite
  // keep a statement journal for every write to the table, a 4 KB copy of each page a
  // reserve or commit touches. Old rows stay where they are (contact_fresh NULL).
  `ALTER TABLE keys ADD COLUMN contact_fresh INTEGER;  -- 1: reserved since observe() last moved the fresh contacts
   DROP INDEX keys_open_contacts;
   CREATE INDEX keys_open_contacts ON keys (contact_key) WHERE state = 'sent' AND booked_on IS NULL AND contact_fresh IS NULL;
   CREATE INDEX keys_open_fresh ON keys (sent_at, contact_key) WHERE state = 'sent' AND booked_on IS NULL AND contact_fresh = 1;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the file to SCHEMA_VERSION; refuses a file written by a newer version. */
export async function migrate(db: SqliteDb): Promise<number> {
  return db.transaction(async () => {
    const row = await db.get<{ user_version: number }>('PRAGMA user_version');
    const from = row?.user_version ?? 0;
    if (from > SCHEMA_VERSION) {
      throw new Error(`ledger ${db.file} has schema version ${from}, newer than this pack's ${SCHEMA_VERSION}: update the pack`);
    }
    for (let v = from; v < SCHEMA_VERSION; v++) await db.exec(MIGRATIONS[v]);
    // PRAGMA takes no bound parameters; SCHEMA_VERSION is a number we control.
    if (from !== SCHEMA_VERSION) await db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    return from;
  });
}
