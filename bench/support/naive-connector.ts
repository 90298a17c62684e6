// The baseline: what a naive connector does. One contact at a time: one SQLite
// statement to check whether it was sent, one awaited POST, one statement to mark
// it sent (autocommit, so one transaction per record). Nothing concurrent.
import { createHmac } from 'node:crypto';
import axios from 'axios';
import * as sqlite3 from 'sqlite3';
import type { RecallContact } from '../../nodes/lib/types';

function run(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(err) : resolve())));
}

function get(db: sqlite3.Database, sql: string, params: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => db.get(sql, params, (err, row) => (err ? reject(err) : resolve(row))));
}

export interface NaiveResult {
  sent: number;
  skipped: number;
  failed: number;
  ms: number;
}

export async function naiveSend(contacts: readonly RecallContact[], url: string, dbFile: string, secret: string): Promise<NaiveResult> {
  const hmac = (...parts: string[]) => createHmac('sha256', secret).update(parts.join('|')).digest('hex');
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(dbFile, (err) => (err ? reject(err) : resolve(d)));
  });
  await run(db, 'CREATE TABLE IF NOT EXISTS sent (key TEXT PRIMARY KEY, sent_at TEXT NOT NULL)');
  const result: NaiveResult = { sent: 0, skipped: 0, failed: 0, ms: 0 };
  const t0 = performance.now();
  for (const c of contacts) {
    const key = hmac(c.office, c.patientId, c.segment, c.dueDate ?? c.lastVisit ?? '');
    if (await get(db, 'SELECT 1 FROM sent WHERE key = ?', [key])) {
      result.skipped++;
      continue;
    }
    const body = {
      schema: 'dental-recall/v1',
      office: c.office,
      contactKey: hmac(c.office, c.patientId),
      firstName: c.firstName,
      lastName: c.lastName,
      phone: c.phone ?? null,
      email: c.email ?? null,
      segment: c.segment,
      recallType: c.recallType ?? null,
      dueDate: c.dueDate ?? null,
      channels: (['sms', 'email', 'voice'] as const).filter((ch) => c.channels[ch]),
      tags: [c.segment, 'dentrix-recall', `office:${c.office}`],
      household: [],
      source: 'dentrix-connector',
    };
    const res = await axios.post(url, body, { headers: { 'Idempotency-Key': key }, validateStatus: () => true });
    if (res.status >= 200 && res.status < 300) {
      await run(db, 'INSERT INTO sent (key, sent_at) VALUES (?, ?)', [key, new Date().toISOString()]);
      result.sent++;
    } else result.failed++;
  }
  result.ms = performance.now() - t0;
  await new Promise<void>((resolve) => db.close(() => resolve()));
  return result;
}
