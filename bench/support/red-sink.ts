// One real send through the nodes, in a Node-RED runtime (node-red-node-test-helper):
// idempotency-gate (reserve) -> crm-webhook-out -> idempotency-gate (commit), with the
// recall-ledger and crm-endpoint config nodes, as the default flow wires them. Timed
// from handing the contacts to the reserve gate to the commit gate's output.
import * as path from 'node:path';
import type { RecallContact } from '../../nodes/lib/types';
import { loadPack } from './load';

const TYPES = ['recall-ledger', 'crm-endpoint', 'idempotency-gate', 'crm-webhook-out'];

export interface NodeSendOptions {
  contacts: RecallContact[];
  url: string;
  ledgerFile: string;
  secret: string;
  /** crm-endpoint settings as typed in the editor; unset = the node's defaults */
  endpoint?: { concurrency?: string; rateLimit?: string; rateInterval?: string; preset?: string; locationId?: string };
  /** the endpoint's bearer token (credential store) */
  token?: string;
  /** crm-webhook-out settings as typed in the editor; unset = the node's defaults */
  sink?: { batchSize?: string };
}

export interface NodeSendResult {
  ms: number;
  delivered: number;
  retry: number;
  failed: number;
  /** what the commit gate marked sent */
  markedSent: number;
  summary: Record<string, unknown>;
}

function flow(o: NodeSendOptions): Record<string, unknown>[] {
  const z = 'f1';
  const at = { x: 100, y: 100 }; // nodes without x/y are taken for config nodes by the runtime
  return [
    { id: z, type: 'tab' },
    { id: 'ledger', type: 'recall-ledger', z, file: o.ledgerFile, secretEnv: '', busyTimeout: '10000' },
    { id: 'crm', type: 'crm-endpoint', z, preset: 'generic', url: o.url, allowPlainHttp: false, ...o.endpoint },
    { ...at, id: 'gate-reserve', type: 'idempotency-gate', z, ledger: 'ledger', mode: 'reserve', modeType: 'mode', leaseMinutes: '15', dryRun: 'false', wires: [['sink'], []] },
    { ...at, id: 'sink', type: 'crm-webhook-out', z, endpoint: 'crm', ledger: 'ledger', dryRun: 'false', maxPerRun: String(o.contacts.length), ...o.sink, wires: [['gate-commit']] },
    { ...at, id: 'gate-commit', type: 'idempotency-gate', z, ledger: 'ledger', mode: 'commit', modeType: 'mode', dryRun: 'false', wires: [['out'], []] },
    { ...at, id: 'out', type: 'helper', z },
    { ...at, id: 'catch', type: 'catch', z, scope: null, uncaught: false, wires: [['caught']] },
    { ...at, id: 'caught', type: 'helper', z },
  ];
}

export async function sendThroughNodes(o: NodeSendOptions): Promise<NodeSendResult> {
  for (const type of TYPES) loadPack(`nodes/${type}/${type}`);
  loadPack('nodes/lib/crm/sink', ['SinkRun']);
  loadPack('nodes/lib/ledger/sqlite-ledger', ['openLedger']);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { helper } = require('../../test/support/helper') as typeof import('../../test/support/helper');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { nodeModule } = require('../../test/support/paths') as typeof import('../../test/support/paths');
  await new Promise<void>((resolve) => helper.startServer(resolve));
  try {
    await helper.load(TYPES.map(nodeModule), flow(o), { ledger: { secret: o.secret }, ...(o.token ? { crm: { token: o.token } } : {}) });
    const t0 = performance.now();
    const out = await new Promise<{ recall: Record<string, Record<string, number>> }>((resolve, reject) => {
      helper.getNode('out').once('input', resolve);
      helper.getNode('caught').once('input', (m: { error?: { message?: string } }) => reject(new Error(`flow error: ${m.error?.message}`)));
      helper.getNode('gate-reserve').receive({ payload: o.contacts, recall: { runId: `bench-${path.basename(o.ledgerFile)}`, office: 'BENCH', source: 'odbc', counts: {} } });
    });
    const ms = performance.now() - t0;
    const s = out.recall['crm-webhook-out'] ?? {};
    return { ms, delivered: s.delivered ?? 0, retry: s.retry ?? 0, failed: s.failed ?? 0, markedSent: out.recall.counts?.['marked-sent'] ?? 0, summary: s };
  } finally {
    const limit = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
    await Promise.race([
      limit,
      (async () => {
        await helper.unload();
        await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
      })(),
    ]);
  }
}
