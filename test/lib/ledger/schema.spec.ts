import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openContactsSql } from '../../../nodes/lib/ledger/bookings';
import { SCHEMA_VERSION } from '../../../nodes/lib/ledger/schema';
import { openLedger, type SqliteLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import { FIXTURES } from '../../support/paths';
import { query } from './inspect';
import { removeTempDirs, tempDir } from './tmp';

// test/fixtures/ledger/v5-ledger.sqlite, written by schema 5 (make-v5-ledger.js)
const SECRET = 'v5-fixture-secret';
const AT = Date.parse('2026-11-20T16:00:00Z');
const COLUMNS =
  'key, state, created_at, updated_at, sent_at, lease_until, attempts, last_error, office, segment, run_id, contact_key, recall_ref, ' +
  'recall_date, contacted_on, phone_hash, email_hash, booked_on, booked_by, covered_by, lease_clock, lease_ms';

describe('ledger schema', () => {
  const open: SqliteLedger[] = [];
  afterEach(async () => {
    for (const l of open.splice(0)) await l.close().catch(() => undefined);
    removeTempDirs();
  });
  async function v5Copy(): Promise<string> {
    const file = path.join(tempDir(), 'ledger.db');
    fs.copyFileSync(path.join(FIXTURES, 'ledger', 'v5-ledger.sqlite'), file);
    assert.equal((await query<{ user_version: number }>(file, 'PRAGMA user_version'))[0].user_version, 5);
    return file;
  }
  async function ledgerAt(file: string): Promise<SqliteLedger> {
    const l = await openLedger({ file, secret: SECRET, now: () => AT, clockId: 'v5-host' });
    open.push(l);
    return l;
  }
  const dump = (file: string, table: string, cols = '*') => query(file, `SELECT ${cols} FROM ${table} ORDER BY 1, 2`);

  describe('migration 6: keys in a rowid table with a unique key index', () => {
    it('keeps every key of a schema-5 file, in every state, with every column, and the other tables as they were', async () => {
      const file = await v5Copy();
      const before = { keys: await dump(file, 'keys', COLUMNS), seen: await dump(file, 'lease_seen'), supp: await dump(file, 'suppressions'), meta: await dump(file, 'meta') };
      const states = new Set(before.keys.map((r) => r.state));
      assert.deepEqual([...states].sort(), ['failed', 'reserved', 'sent'], 'the fixture holds every state');
      assert.ok(before.keys.some((r) => r.covered_by) && before.keys.some((r) => r.booked_on) && before.seen.length === 1);

      await ledgerAt(file);
      assert.equal((await query<{ user_version: number }>(file, 'PRAGMA user_version'))[0].user_version, SCHEMA_VERSION);
      assert.deepEqual(await dump(file, 'keys', COLUMNS), before.keys);
      assert.deepEqual(await dump(file, 'lease_seen'), before.seen);
      assert.deepEqual(await dump(file, 'suppressions'), before.supp);
      assert.deepEqual(await dump(file, 'meta'), before.meta);
      assert.deepEqual(await query(file, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
      const indexes = (await query<{ name: string }>(file, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'keys' ORDER BY name")).map((r) => r.name);
      assert.deepEqual(indexes, ['keys_contacted', 'keys_covered', 'keys_failed', 'keys_key', 'keys_open_contacts', 'keys_open_fresh', 'keys_reserved', 'keys_sent_at']);
    });

    it('the migrated keys behave as before: sent and failed hold, a live lease (and what it carries) is respected, a released key is taken', async () => {
      const file = await v5Copy();
      const l = await ledgerAt(file);
      const k = (name: string) => l.hmac('NORTH', name, 'due-now', '2026-11-20');
      const out = await l.reserve(['P1', 'P2', 'P3', 'P5', 'P6', 'P7', 'P8', 'P9'].map(k), 60_000, { runId: 'run-d' });
      assert.deepEqual(out.alreadySent, ['P1', 'P5', 'P6', 'P9'].map(k));
      assert.deepEqual(out.failed, [k('P2')]);
      assert.deepEqual(out.leased, [k('P7'), k('P8')]);
      assert.deepEqual(out.reserved, [k('P3')]);
      assert.deepEqual(await l.commit([{ key: k('P3'), patientId: 'P3', outcome: 'delivered', attempts: 1 }], { runId: 'run-d' }), { sent: 1, failed: 0, released: 0, ignored: 0 });
      // the holder of P7 still commits it with the row it carries
      assert.equal((await l.commit([{ key: k('P7'), patientId: 'P7', outcome: 'delivered', attempts: 1 }], { runId: 'run-b' })).coveredSent, 1);
      assert.deepEqual(await l.clearFailed(), 1);
      // contacted with labels: P1 (booked), P3, P5, P6 (carried by P5), P7
      assert.deepEqual((await l.outcomeRows('2026-11-01')).map((r) => r.bookedOn ?? '').sort(), ['', '', '', '', '2026-11-27']);
      assert.equal(await l.sentSince('NORTH', '2026-11-20T00:00:00Z'), 4, 'P1, P5, P3, P7: covered rows are not messages');
      const p5 = { contactKey: l.hmac('NORTH', 'P5'), recallRef: l.hmac('NORTH', 'P5', 'PROPHY', 'recall'), recallDate: '2026-11-20', appointment: true };
      assert.deepEqual(await l.observe([p5], '2026-11-28'), { booked: 1 }, 'a migrated open contact is found by a later run');
    });

    it('a new key is a new row after the old ones, and the same key twice is refused by the key index', async () => {
      const file = await v5Copy();
      const l = await ledgerAt(file);
      const [{ top }] = await query<{ top: number }>(file, 'SELECT max(id) AS top FROM keys');
      const fresh = l.hmac('NORTH', 'P10', 'due-now', '2026-11-20');
      await l.reserve([fresh], 60_000);
      assert.deepEqual(await query(file, 'SELECT id FROM keys WHERE key = ?', [fresh]), [{ id: top + 1 }]);
      await assert.rejects(query(file, "INSERT INTO keys (key, state, created_at, updated_at) VALUES (?, 'sent', 'x', 'x')", [fresh]), /UNIQUE/);
    });
  });

  describe('migrations 7 and 8: open contacts indexed on contact_key, the fresh ones apart', () => {
    it('observe searches the moved open contacts through their index, not a scan of the sent keys', async () => {
      const file = await v5Copy();
      await ledgerAt(file);
      const plan = await query<{ detail: string }>(file, `EXPLAIN QUERY PLAN ${openContactsSql}`, [JSON.stringify(['a'.repeat(64), 'b'.repeat(64)])]);
      assert.ok(plan.some((p) => /SEARCH keys USING INDEX keys_open_contacts \(contact_key=\?\)/.test(p.detail)), JSON.stringify(plan));
      assert.ok(!plan.some((p) => /^SCAN keys\b/.test(p.detail)), JSON.stringify(plan));
    });

    it('no index on an expression: with one, SQLite copies every page a multi-row write touches to a statement journal', async () => {
      const file = await v5Copy();
      await ledgerAt(file);
      const indexed = await query<{ name: string; sql: string }>(file, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'keys' AND sql IS NOT NULL");
      for (const { name, sql } of indexed) {
        const columns = await query<{ name: string | null }>(file, `PRAGMA index_info(${name})`);
        assert.ok(columns.every((c) => c.name !== null), `${name} indexes an expression: ${sql}`);
      }
    });

    it('two patients whose contact keys share the first 16 digits are told apart', async () => {
      const l = await ledgerAt(path.join(tempDir(), 'l.db'));
      const twin = (n: number) => `${'c'.repeat(16)}${String(n).repeat(48)}`;
      const [a, b] = [l.hmac('a'), l.hmac('b')];
      const labels = new Map([a, b].map((k, i) => [k, { contactKey: twin(i + 1), recallRef: `r${i}`, recallDate: '2026-11-20', contactedOn: '2026-11-20' }]));
      await l.reserve([a, b], 60_000, { labels });
      await l.commit([a, b].map((key) => ({ key, patientId: 'p', outcome: 'delivered' as const, attempts: 1 })));
      assert.deepEqual(await l.observe([{ contactKey: twin(1), recallRef: 'r0', recallDate: '2026-11-20', appointment: true }], '2026-11-25'), { booked: 1 });
      const booked = await query<{ key: string }>(l.file, 'SELECT key FROM keys WHERE booked_on IS NOT NULL');
      assert.deepEqual(booked, [{ key: a }]);
    });
  });
});
