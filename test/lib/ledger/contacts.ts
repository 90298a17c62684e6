// Synthetic contacts (555-01xx numbers, example.com addresses) for the ledger specs.
import type { RecallContact } from '../../../nodes/lib/types';

export function contact(i: number, over: Partial<RecallContact> = {}): RecallContact {
  const n = String(i).padStart(2, '0');
  return {
    office: 'NORTH',
    patientId: `P${1000 + i}`,
    firstName: `Zebulon${n}`,
    lastName: `Quixley${n}`,
    phone: `+1555010${n.padStart(4, '0').slice(-4)}`,
    phoneType: 'mobile',
    email: `zq${n}@example.com`,
    recallType: 'PROPHY',
    dueDate: '2026-11-20',
    hasFutureAppointment: false,
    status: 'active',
    channels: { sms: true, email: true, voice: false },
    segment: 'due-now',
    source: 'export',
    ...over,
  };
}
