import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as sqlite3 from 'sqlite3';
import type { DeliveryResult } from '../../../nodes/lib/types';
import { hmacWith } from '../../../nodes/lib/ledger/keys';
import { SCHEMA_VERSION } from '../../../nodes/lib/ledger/schema';
import { CHUNK, openLedger, scrubError, type SqliteLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import { query, stateOf } from './inspect';
import { removeTempDirs, sleep, tempDir } from './tmp';

const SECRET = 'ledger-spec-secret';
const keysFor = (n: number, tag = 'k'): string[] => Array.from({ length: n }, (_, i) => hmacWith(SECRET)(tag, String(i)));
const result = (key: string, outcome: DeliveryResult['outcome'], error?: string): DeliveryResult => ({ key, patientId: 'p', outcome, attempts: 1, error });

describe('SqliteLedger', () => {
  const open: SqliteLedger[] = [];
  async function ledgerAt(file: string, extra: { now?: () => number } = {}): Promise<SqliteLedger> {
    const l = await openLedger({ file, secret: SECRET, ...extra });
    open.push(l);
    return l;
  }
  afterEach(async () => {
    for (const l of open.splice(0)) await l.close().catch(() => undefined);
    removeTempDirs();
  });

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

  describe('reserve and commit', () => {
    it('reserves new keys with a lease and counts attempts', async () => {
      const file = path.join(tempDir(), 'l.db');
      const l = await ledgerAt(file, { now: () => Date.parse('2026-11-27T10:00:00Z') });
      const keys = keysFor(3);
      const out = await l.reserve(keys, 15 * 60_000, { runId: 'run-1', labels: new Map([[keys[0], { office: 'NORTH', segment: 'due-now' }]]) });
      assert.deepEqual(out.reserved, keys);
      assert.deepEqual([out.alreadySent, out.leased, out.failed], [[], [], []]);
      assert.equal(out.leaseUntil, '2026-11-27T10:15:00.000Z');
      const rows = await query<{ key: string; state: string; lease_until: string; attempts: number; office: string; segment: string; run_id: string }>(file, 'SELECT * FROM keys');
      assert.equal(rows.length, 3);
      const first = rows.find((r) => r.key === keys[0])!;
      assert.deepEqual([first.state, first.lease_until, first.attempts, first.office, first.segment, first.run_id], ['reserved', '2026-11-27T10:15:00.000Z', 1, 'NORTH', 'due-now', 'run-1']);
    });

    it('skips keys under a live lease and takes over an expired one with the same key (crash recovery)', async () => {
      const l = await ledgerAt(path.join(tempDir(), 'l.db'));
      const keys = keysFor(4);
      await l.reserve(keys.slice(0, 2), 60 * 60_000, { runId: 'long' });
      await l.reserve(keys.slice(2), 1, { runId: 'crashed' }); // a run that dies before its commit
      await sleep(10);
      const out = await l.reserve(keys, 60_000, { runId: 'next' });
      assert.deepEqual(out.leased, keys.slice(0, 2));
      assert.deepEqual(out.reserved, keys.slice(2));
      const s = await l.status(keys.slice(2));
      assert.deepEqual(s.map((r) => r.attempts), [2, 2]);
    });

    it('commits delivered -> sent, failed -> failed with its reason, retry -> released, dry-run untouched', async () => {
      const file = path.join(tempDir(), 'l.db');
      const l = await ledgerAt(file);
      const [a, b, c, d] = keysFor(4);
      await l.reserve([a, b, c, d], 60_000, { runId: 'r' });
      const out = await l.commit([result(a, 'delivered'), result(b, 'failed', 'HTTP 422 invalid phone'), result(c, 'retry', 'HTTP 503'), result(d, 'dry-run')], { runId: 'r' });
      assert.deepEqual(out, { sent: 1, failed: 1, released: 1, ignored: 1 });
      const rows = new Map((await l.status([a, b, c, d])).map((r) => [r.key, r]));
      assert.equal(rows.get(a)!.state, 'sent');
      assert.ok(rows.get(a)!.sentAt);
      assert.equal(rows.get(a)!.leaseUntil, null);
      assert.deepEqual([rows.get(b)!.state, rows.get(b)!.lastError], ['failed', 'HTTP 422 invalid phone']);
      assert.deepEqual([rows.get(c)!.state, rows.get(c)!.leaseUntil, rows.get(c)!.lastError], ['reserved', null, 'HTTP 503']);
      assert.equal(rows.get(d)!.state, 'reserved');
      assert.notEqual(rows.get(d)!.leaseUntil, null);

      const next = await l.reserve([a, b, c, d], 60_000, { runId: 'r2' });
      assert.deepEqual(next.alreadySent, [a]);
      assert.deepEqual(next.failed, [b]);
      assert.deepEqual(next.reserved, [c]); // released: sent again next run
      assert.deepEqual(next.leased, [d]);
    });

    it('the same keys reserved and committed twice send nothing the second time', async () => {
      const l = await ledgerAt(path.join(tempDir(), 'l.db'));
      const keys = keysFor(20);
      const first = await l.reserve(keys, 60_000);
      await l.commit(first.reserved.map((k) => result(k, 'delivered')));
      const second = await l.reserve(keys, 60_000);
      assert.deepEqual(second.reserved, []);
      assert.deepEqual(second.alreadySent, keys);
    });

    it('never turns a sent key into failed, and records a delivery for a key never reserved', async () => {
      const l = await ledgerAt(path.join(tempDir(), 'l.db'));
      const [a, b] = keysFor(2);
      await l.reserve([a], 60_000);
      await l.commit([result(a, 'delivered')]);
      assert.deepEqual(await l.commit([result(a, 'failed', 'HTTP 422 key reused'), result(b, 'delivered')]), { sent: 1, failed: 0, released: 0, ignored: 0 });
      const rows = new Map((await l.status([a, b])).map((r) => [r.key, r.state]));
      assert.deepEqual([rows.get(a), rows.get(b)], ['sent', 'sent']);
    });

    it('a key twice in one commit: delivered wins', async () => {
      const l = await ledgerAt(path.join(tempDir(), 'l.db'));
      const [a] = keysFor(1);
      await l.reserve([a], 60_000);
      await l.commit([result(a, 'retry'), result(a, 'delivered'), result(a, 'failed')]);
      assert.equal((await l.status([a]))[0].state, 'sent');
    });

    it('releases and renews only the keys of the run that holds them', async () => {
      const l = await ledgerAt(path.join(tempDir(), 'l.db'));
      const [mine, theirs] = keysFor(2);
      await l.reserve([mine], 60_000, { runId: 'a' });
      await l.reserve([theirs], 60_000, { runId: 'b' });
      assert.equal(await l.renew([mine, theirs], 3_600_000, { runId: 'a' }), 1);
      const s = new Map((await l.status([mine, theirs])).map((r) => [r.key, r.leaseUntil!]));
      assert.ok(s.get(mine)! > s.get(theirs)!);
      assert.deepEqual(await l.commit([result(mine, 'retry'), result(theirs, 'retry')], { runId: 'a' }), { sent: 0, failed: 0, released: 1, ignored: 0 });
      assert.equal(await l.release([theirs], { runId: 'a' }), 0);
      assert.equal(await l.release([theirs], { runId: 'b' }), 1);
      assert.equal(await l.renew([mine, theirs], 60_000), 0); // released keys have no lease to renew
    });

    it('renew keeps a long run\'s reservation from being taken over', async () => {
      const l = await ledgerAt(path.join(tempDir(), 'l.db'));
      const keys = keysFor(3);
      await l.reserve(keys, 1, { runId: 'slow' });
      assert.equal(await l.renew(keys, 60_000, { runId: 'slow' }), 3);
      await sleep(10);
      assert.deepEqual((await l.reserve(keys, 60_000, { runId: 'other' })).leased, keys);
    });

    it('failed keys stay blocked until office IT clears them', async () => {
      const l = await ledgerAt(path.join(tempDir(), 'l.db'));
      const [a, b] = keysFor(2);
      await l.reserve([a, b], 60_000);
      await l.commit([result(a, 'failed', 'HTTP 400'), result(b, 'failed', 'HTTP 400')]);
      assert.deepEqual((await l.reserve([a, b], 60_000)).failed, [a, b]);
      assert.equal(await l.clearFailed([a]), 1);
      assert.deepEqual((await l.reserve([a, b], 60_000)).reserved, [a]);
      assert.equal(await l.clearFailed(), 1);
      assert.deepEqual((await l.reserve([b], 60_000)).reserved, [b]);
    });

    it('handles batches across chunk boundaries, keeping input order and dropping repeats', async () => {
      const l = await ledgerAt(path.join(tempDir(), 'l.db'));
      const keys = keysFor(CHUNK * 2 + 37);
      const sent = keys.filter((_, i) => i % 7 === 0);
      await l.reserve(sent, 60_000);
      await l.commit(sent.map((k) => result(k, 'delivered')));
      const out = await l.reserve([...keys, ...keys.slice(0, 10)], 60_000);
      assert.deepEqual(out.alreadySent, sent);
      assert.deepEqual(out.reserved, keys.filter((_, i) => i % 7 !== 0));
      const c = await l.commit(out.reserved.map((k, i) => result(k, i % 2 ? 'delivered' : 'retry')));
      assert.equal(c.sent + c.released, out.reserved.length);
      assert.equal(c.sent, Math.floor(out.reserved.length / 2));
    });

    it('rejects a result without a key', async () => {
      const l = await ledgerAt(path.join(tempDir(), 'l.db'));
      await assert.rejects(l.commit([{ outcome: 'delivered' } as DeliveryResult]), /without a key/);
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

  describe('suppressions', () => {
    it('stores keyed hashes per channel, updates a changed reason, and looks values up normalized', async () => {
      const file = path.join(tempDir(), 'l.db');
      const l = await ledgerAt(file);
      const n = await l.addSuppressions(
        [
          { channel: 'sms', value: '+15550100111', reason: 'opted-out' },
          { channel: 'voice', value: '+15550100111', reason: 'bad-number' },
          { channel: 'all', value: 'Pat.Doe@Example.com', reason: 'opted-out' },
          { channel: 'sms', value: '+15550100111', reason: 'opted-out' }, // repeat in the batch
        ],
        'crm-pull',
      );
      assert.equal(n, 3);
      assert.equal(await l.addSuppressions([{ channel: 'sms', value: '+15550100111', reason: 'opted-out' }], 'msg.suppress'), 0);
      assert.equal(await l.addSuppressions([{ channel: 'email', value: 'pat.doe@example.com', reason: 'bounced-email' }], 'msg.suppress'), 1);
      const idx = await l.loadSuppressions();
      assert.equal(idx.size, 4);
      assert.deepEqual(
        idx.lookup('+15550100111').sort((x, y) => x.channel.localeCompare(y.channel)),
        [{ channel: 'sms', reason: 'opted-out' }, { channel: 'voice', reason: 'bad-number' }],
      );
      assert.equal(idx.lookup(' PAT.DOE@example.com').length, 2);
      assert.deepEqual(idx.lookup('+15550100999'), []);
      assert.deepEqual(idx.lookup(''), []);
      const rows = await query<{ hash: string; source: string }>(file, 'SELECT hash, source FROM suppressions');
      assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash)));
    });

    it('names the bad entry and writes nothing', async () => {
      const l = await ledgerAt(path.join(tempDir(), 'l.db'));
      await assert.rejects(
        l.addSuppressions([{ channel: 'sms', value: '+15550100111', reason: 'opted-out' }, { channel: 'fax' as 'sms', value: '+15550100112', reason: 'opted-out' }], 't'),
        /entry 2: channel/,
      );
      await assert.rejects(l.addSuppressions([{ channel: 'sms', value: ' ', reason: 'opted-out' }], 't'), /entry 1: empty value/);
      await assert.rejects(l.addSuppressions([{ channel: 'sms', value: '+1', reason: 'gone' as 'opted-out' }], 't'), /entry 1: reason/);
      assert.equal((await l.loadSuppressions()).size, 0);
    });
  });

  describe('no patient data in the file', () => {
    it('scrubs e-mail addresses and phone numbers from CRM error texts', () => {
      assert.equal(scrubError('422: contact pat.doe@example.com / +1 (555) 010-0111 exists'), '422: contact [e-mail] / [number] exists');
      assert.equal(scrubError(undefined), null);
      assert.equal(scrubError('x'.repeat(500))!.length, 200);
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
