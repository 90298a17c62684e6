// The one factory of test recall contacts (555-01xx phones, example.com e-mails): what
// consent-filter hands on, keyed as the gate keys it (HMAC of TEST_SECRET).
import { createHmac } from 'node:crypto';
import type { RecallContact } from '../../nodes/lib/types';

export const TEST_SECRET = 'test-ledger-secret';

/** HMAC-SHA256(secret, parts joined by '|'), hex: what the Ledger's hmac() is specified to be. */
export function hmac(...parts: string[]): string {
  return createHmac('sha256', TEST_SECRET).update(parts.join('|')).digest('hex');
}

/** Patient `i` of office OFF1, due soon, reachable on every channel but voice; `over` replaces any field. */
export function contact(i: number, over: Partial<RecallContact> = {}): RecallContact {
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
    ...over,
  };
  if (c.key === undefined) c.key = hmac(c.office, c.patientId, c.segment, c.dueDate ?? c.lastVisit ?? '');
  return c;
}

/** Patients 1..n. */
export function contacts(n: number, over: Partial<RecallContact> = {}): RecallContact[] {
  return Array.from({ length: n }, (_, i) => contact(i + 1, over));
}
