// Ledgers on real SQLite files in temp folders for the ledger specs: opened with one
// secret, closed and removed after each test.
import { hmacWith } from '../../../nodes/lib/ledger/keys';
import { openLedger, type SqliteLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import type { DeliveryResult } from '../../../nodes/lib/types';
import { removeTempDirs } from './tmp';

export const SECRET = 'ledger-spec-secret';

export const keysFor = (n: number, tag = 'k'): string[] => Array.from({ length: n }, (_, i) => hmacWith(SECRET)(tag, String(i)));

export const result = (key: string, outcome: DeliveryResult['outcome'], error?: string): DeliveryResult => ({ key, patientId: 'p', outcome, attempts: 1, error });

export type OpenLedgerAt = (file: string, extra?: { now?: () => number }) => Promise<SqliteLedger>;

/** Call inside a describe: returns an opener whose ledgers are closed (and temp folders removed) after each test. */
export function useLedgers(): { ledgerAt: OpenLedgerAt; open: SqliteLedger[] } {
  const open: SqliteLedger[] = [];
  afterEach(async () => {
    for (const l of open.splice(0)) await l.close().catch(() => undefined);
    removeTempDirs();
  });
  const ledgerAt: OpenLedgerAt = async (file, extra = {}) => {
    const l = await openLedger({ file, secret: SECRET, ...extra });
    open.push(l);
    return l;
  };
  return { ledgerAt, open };
}
