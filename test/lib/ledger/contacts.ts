// The ledger specs' office on the one test contact factory (test/support/contacts.ts):
// NORTH, due now, from a report export.
import type { RecallContact } from '../../../nodes/lib/types';
import { contact as recallContact } from '../../support/contacts';

export function contact(i: number, over: Partial<RecallContact> = {}): RecallContact {
  return recallContact(i, { office: 'NORTH', segment: 'due-now', dueDate: '2026-11-20', source: 'export', ...over });
}
