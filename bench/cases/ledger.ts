// The ledger with 1M keys: time to reserve and then commit (delivered) a batch of
// 10k new keys, and the file's size. The 1M keys are written once per bench run
// (prepare), straight into the ledger's schema in batched inserts, and reused.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as DbMod from '../../nodes/lib/ledger/db';
import type * as KeysMod from '../../nodes/lib/ledger/keys';
import type * as LedgerMod from '../../nodes/lib/ledger/sqlite-ledger';
import type { DeliveryResult } from '../../nodes/lib/types';
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
    keys: loadPack<typeof KeysMod>('nodes/lib/ledger/keys', ['hmacWith']),
  };
}

function fileMb(file: string): number {
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  return (size(file) + size(`${file}-wal`)) / 2 ** 20;
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
    { key: 'openS', figure: 'open (migrate + secret check)', unit: 's' },
    { key: 'sizeMb', figure: 'database size', unit: 'MB' },
  ],

  async prepare(ctx) {
    const { ledger, db, keys } = libs();
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
        const params: (string | number)[] = [];
        const count = Math.min(rows, n - i);
        for (let j = i; j < i + count; j++) {
          const segment = SEGMENTS[j % 4];
          const day = isoDay(AS_OF, -(j % 700));
          const at = `${day}T12:00:00.000Z`;
          params.push(hmac('BENCH', `P${j}`, segment, day), at, at, at, 'BENCH', segment);
        }
        await sql.run(
          `INSERT INTO keys (key, state, created_at, updated_at, sent_at, attempts, office, segment) VALUES ${new Array(count).fill("(?, 'sent', ?, ?, ?, 1, ?, ?)").join(', ')}`,
          params,
        );
      }
    });
    await sql.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    await sql.close();
    ctx.log(`${n} keys written in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${fileMb(file).toFixed(0)} MB`);
  },

  async run(ctx) {
    const { ledger } = libs();
    const { keys: n, batch } = sizes(ctx.quick);
    const file = dbFile(ctx);
    const sizeMb = fileMb(file);
    let t = performance.now();
    const l = await ledger.openLedger({ file, secret: SECRET });
    const openS = (performance.now() - t) / 1000;
    // new keys, distinct per repeat (the file keeps what earlier repeats committed)
    const keys = Array.from({ length: batch }, (_, i) => l.hmac('BENCH', `R${ctx.repeat}-${i}`, 'overdue', AS_OF));
    t = performance.now();
    const reserved = await l.reserve(keys, 15 * 60_000, { runId: `bench-${ctx.repeat}` });
    const reserveS = (performance.now() - t) / 1000;
    if (reserved.reserved.length !== batch) throw new Error(`reserved ${reserved.reserved.length} of ${batch}`);
    const results: DeliveryResult[] = keys.map((key, i) => ({ key, patientId: `R${i}`, outcome: 'delivered', status: 200, attempts: 1 }));
    t = performance.now();
    const committed = await l.commit(results, { runId: `bench-${ctx.repeat}` });
    const commitS = (performance.now() - t) / 1000;
    if (committed.sent !== batch) throw new Error(`committed ${committed.sent} of ${batch}`);
    await l.close();
    return {
      figures: { reserveS, commitS, totalS: reserveS + commitS, openS, sizeMb },
      notes: [`${n.toLocaleString('en-US')} keys in state sent, then 10,000 new keys reserved and committed as delivered (WAL, synchronous=FULL); size = file + WAL before the batch.`],
    };
  },
};
