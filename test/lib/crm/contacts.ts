// Synthetic recall contacts for the CRM tests (555-01xx phones, example.com e-mails).
import { createHmac } from 'node:crypto';
import type { Ledger } from '../../../nodes/lib/ledger/api';
import { recallKey } from '../../../nodes/lib/ledger/keys';
import type { RecallContact } from '../../../nodes/lib/types';

export const TEST_SECRET = 'test-ledger-secret';

/** HMAC-SHA256(secret, parts joined by '|'), hex: what the Ledger's hmac() is specified to be. */
export function hmac(...parts: string[]): string {
  return createHmac('sha256', TEST_SECRET).update(parts.join('|')).digest('hex');
}

export function contact(i: number, extra: Partial<RecallContact> = {}): RecallContact {
  const c: RecallContact = {
    office: 'OFF1',
    patientId: `P${1000 + i}`,
    firstName: `First${i}`,
    lastName: `Last${i}`,
    phone: `+1202555${String(100 + (i % 100)).padStart(4, '0')}`,
    phoneType: 'mobile',
    email: `patient${i}@example.com`,
    recallType: 'PROPHY',
    dueDate: '2026-12-01',
    lastVisit: '2026-06-01',
    birthDate: '1980-01-0' + ((i % 9) + 1),
    hasFutureAppointment: false,
    status: 'active',
    channels: { sms: true, email: true, voice: false },
    segment: 'due-soon',
    source: 'odbc',
    ...extra,
  };
  if (c.key === undefined) c.key = hmac(c.office, c.patientId, c.segment, c.dueDate ?? c.lastVisit ?? '');
  return c;
}

export function contacts(n: number, extra: Partial<RecallContact> = {}): RecallContact[] {
  return Array.from({ length: n }, (_, i) => contact(i + 1, extra));
}

/**
 * What idempotency-gate (reserve) does, through the Ledger contract only: key the
 * contacts, reserve, pass on the reserved ones. Returns them and the already-sent count.
 */
export async function reserveBatch(ledger: Ledger, batch: readonly RecallContact[], leaseMs: number, runId: string): Promise<{ pass: RecallContact[]; alreadySent: number }> {
  const keyed = batch.map((c) => ({ ...c, key: recallKey(ledger.hmac, c) }));
  const out = await ledger.reserve(keyed.map((c) => c.key), leaseMs, { runId });
  const reserved = new Set(out.reserved);
  return { pass: keyed.filter((c) => reserved.has(c.key)), alreadySent: out.alreadySent.length };
}
