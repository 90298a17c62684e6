// The ledger with 1M keys: time to reserve and then commit (delivered) a batch of
// 10k new keys, and the file's size. The 1M keys are written once per bench run
// (prepare), straight into the ledger's schema in batched inserts, and reused. Every
// key, old and new, carries the labels the idempotency gate stores with a real
// reservation (outcomeLabels: keyed hashes of the patient, recall, phone, e-mail), so
// rows and indexes are as wide as an office's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as DbMod from '../../nodes/lib/ledger/db';
import type * as KeysMod from '../../nodes/lib/ledger/keys';
import type * as OutcomesMod from '../../nodes/lib/ledger/outcomes';
import type * as LedgerMod from '../../nodes/lib/ledger/sqlite-ledger';
import type { KeyLabels } from '../../nodes/lib/ledger/api';
import type { DeliveryResult, RecallContact } from '../../nodes/lib/types';
import { quickOr, type BenchCase, type CaseContext } from '../support/case';
import { AS_OF, isoDay } from '../support/data';
import { loadPack } from '../support/load';

const SECRET = 'bench-ledger-secret';
const SEGMENTS = ['due-soon', 'due-now', 'overdue', 'lapsed'];
const sizes = (quick: boolean) => ({ keys: quickOr(quick, 20_000, 1_000_000), batch: 10_000 });
const dbFile = (ctx: CaseContext) => path.join(ctx.workDir, 'ledger', `ledger-${sizes(ctx.quick).keys}.db`);

function libs() {
  return {
    ledger: loadPack<typeof LedgerMod>('nodes/lib/ledger/sqlite-ledger', ['openLedger']),
    db: loadPack<typeof DbMod>('nodes/lib/ledger/db', ['SqliteDb']),
    keys: loadPack<typeof KeysMod>('nodes/lib/ledger/keys', ['hmacWith', 'recallKey']),
    outcomes: loadPack<typeof OutcomesMod>('nodes/lib/ledger/outcomes', ['outcomeLabels', 'sightingsOf']),
  };
}

/** Patient `id` as the gate keys and labels it: due on `day`, reached by SMS and (every other one) e-mail. */
function contact(id: string, i: number, day: string): RecallContact {
  const email = i % 2 === 0 ? `${id.toLowerCase()}@example.com` : '';
  return {
    office: 'BENCH', patientId: id, segment: SEGMENTS[i % 4], recallType: 'PROPHY', dueDate: day, lastVisit: '',
    phone: `+1555${String(i).padStart(7, '0')}`, email, channels: { sms: true, email: email !== '', voice: false },
  } as unknown as RecallContact;
}

function fileMb(file: string): number {
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  return (size(file) + size(`${file}-wal`)) / 2 ** 20;
}

/**
 * Pages the WAL holds (4 KB each unless the file says otherwise): what a step wrote,
 * a figure the machine's load does not move. The WAL is not reset between the reserve
 * and the commit (the ledger checkpoints after a commit).
 */
function walPages(file: string): number {
  const wal = `${file}-wal`;
  if (!fs.existsSync(wal)) return 0;
  const head = Buffer.alloc(18);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 18, 0);
  } finally {
    fs.closeSync(fd);
  }
  const pageSize = head.readUInt16BE(16) === 1 ? 65536 : head.readUInt16BE(16);
  return Math.max(0, Math.round((fs.statSync(wal).size - 32) / (pageSize + 24)));
}

export const bench: BenchCase = {
  name: 'ledger',
  title: (quick) => `Ledger with ${quickOr(quick, '20k', '1M')} keys, 10k batch`,
  repeats: (quick) => (quick ? 1 : 5),
  timeoutMs: 10 * 60_000,
  rows: [
    { key: 'totalS', figure: 'reserve + commit 10k keys', unit: 's', goal: { op: '<', value: 1, text: '< 1 s' } },
    { key: 'reserveS', figure: 'reserve 10k', unit: 's' },
    { key: 'commitS', figure: 'commit 10k (delivered)', unit: 's' },
    { key: 'reservePages', figure: 'pages written by the reserve (WAL frames)', unit: '' },
    { key: 'commitPages', figure: 'pages written by the commit (WAL frames)', unit: '' },
    { key: 'observeS', figure: 'a later run\'s observe, 20k sightings (the fifth also moves the 50k fresh contacts: the max)', unit: 's' },
    { key: 'openS', figure: 'open (migrate + secret check)', unit: 's' },
    { key: 'sizeMb', figure: 'database size', unit: 'MB' },
  ],

  async prepare(ctx) {
    const { ledger, db, keys, outcomes } = libs();
    const { keys: n } = sizes(ctx.quick);
    const file = dbFile(ctx);
    // the schema and secret check exactly as the ledger creates them
    await (await ledger.openLedger({ file, secret: SECRET })).close();
    const hmac = keys.hmacWith(SECRET);
    const sql = await db.SqliteDb.open(file);
    await sql.exec('PRAGMA journal_mode = WAL');
    const t0 = performance.now();
    const rows = ledger.CHUNK ?? 500;
    await sql.transaction(async () => {
      for (let i = 0; i < n; i += rows) {
        const params: (string | number | null)[] = [];
        const count = Math.min(rows, n - i);
        for (let j = i; j < i + count; j++) {
          const day = isoDay(AS_OF, -(j % 700));
          const at = `${day}T12:00:00.000Z`;
          const c = contact(`P${j}`, j, day);
          const l = outcomes.outcomeLabels(hmac, c, day);
          params.push(keys.recallKey(hmac, c), at, at, at, 'BENCH', c.segment, `bench-${day}`);
          params.push(l.contactKey!, l.recallRef!, l.recallDate!, l.contactedOn!, l.phoneHash ?? null, l.emailHash ?? null);
        }
        await sql.run(
          `INSERT INTO keys (key, state, created_at, updated_at, sent_at, attempts, office, segment, run_id,
                             contact_key, recall_ref, recall_date, contacted_on, phone_hash, email_hash)
           VALUES ${new Array(count).fill("(?, 'sent', ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(', ')}`,
          params,
        );
      }
    });
    await sql.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    await sql.close();
    ctx.log(`${n} keys written in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${fileMb(file).toFixed(0)} MB`);
  },

  async run(ctx) {
    const { ledger, keys: keyLib, outcomes } = libs();
    const { keys: n, batch } = sizes(ctx.quick);
    const file = dbFile(ctx);
    const sizeMb = fileMb(file);
    let t = performance.now();
    const l = await ledger.openLedger({ file, secret: SECRET });
    const openS = (performance.now() - t) / 1000;
    // new patients, distinct per repeat (the file keeps what earlier repeats committed),
    // keyed and labelled as the gate does it (hashing is the gate's time, not the ledger's)
    const contacts = Array.from({ length: batch }, (_, i) => contact(`R${ctx.repeat}-${i}`, i, AS_OF));
    const keys = contacts.map((c) => keyLib.recallKey(l.hmac, c));
    const labels = new Map<string, KeyLabels>(contacts.map((c, i) => [keys[i], outcomes.outcomeLabels(l.hmac, c, AS_OF)]));
    const walBefore = walPages(file);
    t = performance.now();
    const reserved = await l.reserve(keys, 15 * 60_000, { runId: `bench-${ctx.repeat}`, labels });
    const reserveS = (performance.now() - t) / 1000;
    const reservePages = walPages(file) - walBefore;
    if (reserved.reserved.length !== batch) throw new Error(`reserved ${reserved.reserved.length} of ${batch}`);
    const results: DeliveryResult[] = keys.map((key, i) => ({ key, patientId: `R${i}`, outcome: 'delivered', status: 200, attempts: 1 }));
    t = performance.now();
    const committed = await l.commit(results, { runId: `bench-${ctx.repeat}` });
    const commitS = (performance.now() - t) / 1000;
    const commitPages = walPages(file) - walBefore - reservePages;
    if (committed.sent !== batch) throw new Error(`committed ${committed.sent} of ${batch}`);
    // the next run sees this batch and as many patients of the 1M, one in ten of those since booked
    const older = Array.from({ length: batch }, (_, i) => (i * 997 + ctx.repeat * 10_007) % n);
    const seen = [...contacts, ...older.map((j, i) => ({ ...contact(`P${j}`, j, isoDay(AS_OF, -(j % 700))), hasFutureAppointment: i % 10 === 0 }))];
    const sightings = outcomes.sightingsOf(l.hmac, seen);
    t = performance.now();
    const { booked } = await l.observe(sightings, AS_OF);
    const observeS = (performance.now() - t) / 1000;
    if (booked < batch / 20) throw new Error(`observe booked ${booked} of ~${batch / 10}`);
    await l.close();
    return {
      figures: { reserveS, commitS, totalS: reserveS + commitS, reservePages, commitPages, observeS, openS, sizeMb },
      notes: [
        `${n.toLocaleString('en-US')} keys in state sent, then 10,000 new keys reserved (with the labels the gate stores) and committed as delivered (WAL, synchronous=FULL); then a later run's observe (not part of the goal): the 10k just sent and 10k older patients, one in ten of those now booked; each repeat adds 10k fresh contacts, so the fifth observe also moves 50k into the open-contacts index; size = file + WAL before the batch.`,
      ],
    };
  },
};
