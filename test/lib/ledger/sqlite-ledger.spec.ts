import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as sqlite3 from 'sqlite3';
import { SCHEMA_VERSION } from '../../../nodes/lib/ledger/schema';
import { openLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import { query, stateOf } from './inspect';
import { SECRET, keysFor, result, useLedgers } from './ledgers';
import { sleep, tempDir } from './tmp';

// Opening the file, two runtimes on it, and disk faults; each part's behaviour has its own
// spec beside this one (reserve, leases, commit, key-status, suppressions, store, schema).
describe('SqliteLedger', () => {
  const { ledgerAt, open } = useLedgers();

  describe('file and schema', () => {
    it('creates missing parent folders, uses WAL and stamps the schema version', async () => {
      const file = path.join(tempDir(), 'a', 'b', 'ledger.db');
      await ledgerAt(file);
      assert.ok(fs.existsSync(file));
      const [{ journal_mode }] = await query<{ journal_mode: string }>(file, 'PRAGMA journal_mode');
      assert.equal(journal_mode, 'wal');
      const [{ user_version }] = await query<{ user_version: number }>(file, 'PRAGMA user_version');
      assert.equal(user_version, SCHEMA_VERSION);
      const tables = (await query<{ name: string }>(file, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map((t) => t.name);
      assert.deepEqual(tables, ['keys', 'lease_seen', 'meta', 'suppressions']);
      const cols = (await query<{ name: string }>(file, 'PRAGMA table_info(keys)')).map((c) => c.name);
      for (const c of ['key', 'state', 'created_at', 'updated_at', 'sent_at', 'lease_until', 'attempts', 'last_error', 'office', 'segment', 'run_id']) assert.ok(cols.includes(c), c);
    });

    it('migrates an existing empty SQLite file and reopens a migrated one unchanged', async () => {
      const file = path.join(tempDir(), 'ledger.db');
      await query(file.replace(/$/, ''), 'SELECT 1').catch(() => undefined); // no file yet: open fails
      await new Promise<void>((resolve, reject) => {
        const db = new sqlite3.Database(file, (err) => (err ? reject(err) : db.exec('CREATE TABLE other (x)', (e) => db.close(() => (e ? reject(e) : resolve())))));
      });
      const l = await ledgerAt(file);
      const [k] = keysFor(1);
      await l.reserve([k], 60_000);
      await l.close();
      open.pop();
      const again = await ledgerAt(file);
      assert.deepEqual((await again.reserve([k], 60_000)).leased, [k]);
      assert.equal((await query(file, 'SELECT * FROM other')).length, 0);
    });

    it('refuses a file from a newer schema, naming the file', async () => {
      const file = path.join(tempDir(), 'ledger.db');
      await (await ledgerAt(file)).close();
      open.pop();
      await query(file, `PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
      await assert.rejects(openLedger({ file, secret: SECRET }), (e: Error) => e.message.includes(file) && /newer/.test(e.message));
    });

    it('refuses a different secret than the file was created with once it holds keys (everyone would be re-sent)', async () => {
      const file = path.join(tempDir(), 'ledger.db');
      const l = await ledgerAt(file);
      await l.reserve(keysFor(1), 1000);
      await l.close();
      open.pop();
      await assert.rejects(openLedger({ file, secret: 'another' }), (e: Error) => e.message.includes(file) && /secret differs.*1 keys and 0 suppressions/.test(e.message));
      await (await ledgerAt(file)).reserve(keysFor(2), 1000);
    });

    it('refuses a different secret once it holds suppressions (opted-out patients would be contacted)', async () => {
      const file = path.join(tempDir(), 'ledger.db');
      const l = await ledgerAt(file);
      await l.addSuppressions([{ channel: 'all', value: 'x@example.com', reason: 'opted-out' }], 't');
      await l.close();
      open.pop();
      await assert.rejects(openLedger({ file, secret: 'another' }), /secret differs.*0 keys and 1 suppressions/);
    });

    it('an empty ledger (a demo that only saw dry-runs) takes a new secret', async () => {
      const file = path.join(tempDir(), 'ledger.db');
      await (await ledgerAt(file)).close();
      open.pop();
      const l = await openLedger({ file, secret: 'the-real-one' });
      await l.reserve(['k'], 1000);
      await l.close();
      await assert.rejects(openLedger({ file, secret: SECRET }), /secret differs/);
    });

    it('refuses to open without a secret, naming the file', async () => {
      const file = path.join(tempDir(), 'ledger.db');
      await assert.rejects(openLedger({ file, secret: '' }), (e: Error) => e.message.includes(file) && /no key secret/.test(e.message));
      assert.equal(fs.existsSync(file), false);
    });
  });

  describe('two connections on one file (two runtimes)', () => {
    it('reserves each key exactly once when both race for the same keys', async () => {
      const file = path.join(tempDir(), 'l.db');
      const a = await ledgerAt(file);
      const b = await ledgerAt(file);
      const keys = keysFor(3000);
      for (let round = 0; round < 3; round++) {
        const batch = keys.slice(round * 1000, (round + 1) * 1000);
        const [ra, rb] = await Promise.all([a.reserve(batch, 60_000, { runId: 'A' }), b.reserve([...batch].reverse(), 60_000, { runId: 'B' })]);
        const won = new Set([...ra.reserved, ...rb.reserved]);
        assert.equal(ra.reserved.length + rb.reserved.length, batch.length, 'no key reserved twice');
        assert.equal(won.size, batch.length, 'every key reserved once');
        assert.equal(ra.leased.length + rb.leased.length, batch.length, 'the loser saw each key leased');
      }
      const rows = await query<{ n: number; maxAttempts: number }>(file, 'SELECT count(*) AS n, max(attempts) AS maxAttempts FROM keys');
      assert.deepEqual(rows[0], { n: 3000, maxAttempts: 1 });
    });

    it('two processes racing for the same keys: each key reserved exactly once', async () => {
      const file = path.join(tempDir(), 'l.db');
      await (await ledgerAt(file)).close(); // created and migrated once, as a running office would have it
      open.pop();
      const keys = keysFor(2000, 'proc');
      const script = `
        const { openLedger } = require(${JSON.stringify(require.resolve('../../../nodes/lib/ledger/sqlite-ledger'))});
        (async () => {
          const l = await openLedger({ file: process.env.FILE, secret: process.env.SECRET });
          const keys = Array.from({ length: 2000 }, (_, i) => l.hmac('proc', String(i)));
          if (process.env.REVERSE) keys.reverse();
          const won = [];
          for (let i = 0; i < keys.length; i += 250) won.push(...(await l.reserve(keys.slice(i, i + 250), 60000, { runId: process.env.RUN })).reserved);
          await l.close();
          process.stdout.write(JSON.stringify(won));
        })().catch((e) => { console.error(e.message); process.exit(1); });`;
      const run = (reverse: boolean, id: string) =>
        new Promise<string[]>((resolve, reject) => {
          const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, FILE: file, SECRET, RUN: id, ...(reverse ? { REVERSE: '1' } : {}) } });
          let out = '';
          let err = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (err += d));
          child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child ${id}: ${err}`))));
        });
      const [a, b] = await Promise.all([run(false, 'A'), run(true, 'B')]);
      assert.ok(a.every((k) => keys.includes(k)));
      assert.equal(a.length + b.length, keys.length, 'no key reserved twice');
      assert.equal(new Set([...a, ...b]).size, keys.length, 'every key reserved');
      const ownedByA = (await query<{ key: string }>(file, "SELECT key FROM keys WHERE run_id = 'A' AND attempts = 1")).map((r) => r.key);
      assert.deepEqual(ownedByA.sort(), [...a].sort(), 'the file agrees with what each process was told');
    });

    it('a commit on one connection is seen by the other', async () => {
      const file = path.join(tempDir(), 'l.db');
      const a = await ledgerAt(file);
      const b = await ledgerAt(file);
      const keys = keysFor(10);
      await a.reserve(keys, 60_000);
      await a.commit(keys.map((k) => result(k, 'delivered')));
      assert.deepEqual((await b.reserve(keys, 60_000)).alreadySent, keys);
    });
  });

  describe('disk faults', () => {
    it('a folder that cannot be created: the error names the file', async () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'not-a-dir'), 'x');
      const file = path.join(dir, 'not-a-dir', 'l.db');
      await assert.rejects(openLedger({ file, secret: SECRET }), (e: Error) => e.message.includes(file));
    });

    it('the folder moved away during a run: commit fails naming the file, nothing is marked sent', async () => {
      const dir = tempDir();
      const file = path.join(dir, 'office', 'l.db');
      const l = await ledgerAt(file);
      const keys = keysFor(5);
      await l.reserve(keys, 60_000);
      fs.renameSync(path.join(dir, 'office'), path.join(dir, 'moved'));
      await assert.rejects(l.commit(keys.map((k) => result(k, 'delivered'))), (e: Error) => e.message.includes(file) && /gone.*nothing was written/.test(e.message));
      await l.close();
      open.pop();
      const states = await stateOf(path.join(dir, 'moved', 'l.db'), keys);
      assert.deepEqual([...new Set(states.values())], ['reserved']);
    });

    it('the folder deleted during a run: reserve fails naming the file', async () => {
      const dir = tempDir();
      const file = path.join(dir, 'office', 'l.db');
      const l = await ledgerAt(file);
      fs.rmSync(path.join(dir, 'office'), { recursive: true });
      await assert.rejects(l.reserve(keysFor(3), 60_000), (e: Error) => e.message.includes(file));
    });

    it('a read-only folder: open fails naming the file (skipped as root, who may write anyway)', async function () {
      if (process.getuid?.() === 0) this.skip();
      const dir = tempDir();
      fs.chmodSync(dir, 0o500);
      const file = path.join(dir, 'l.db');
      await assert.rejects(openLedger({ file, secret: SECRET }), (e: Error) => e.message.includes(file));
    });

    it('a read-only ledger file: reserve fails naming the file, nothing changes (skipped as root)', async function () {
      if (process.getuid?.() === 0) this.skip();
      const file = path.join(tempDir(), 'l.db');
      await (await ledgerAt(file)).close();
      open.pop();
      fs.chmodSync(file, 0o400);
      const l = await ledgerAt(file);
      await assert.rejects(l.reserve(keysFor(2), 60_000), (e: Error) => e.message.includes(file) && /readonly/i.test(e.message));
      assert.equal((await l.status(keysFor(2))).length, 0);
    });
  });
});
