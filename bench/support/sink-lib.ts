// One real send, without Node-RED: the gate's reserve on a real ledger file, the
// CRM sink's run (its limiter, keep-alive client, retry policy), the gate's commit.
// This is what the idempotency-gate -> crm-webhook-out -> idempotency-gate nodes call.
import type * as ConfigMod from '../../nodes/lib/crm/config';
import type * as GateMod from '../../nodes/lib/ledger/gate';
import type * as LedgerMod from '../../nodes/lib/ledger/sqlite-ledger';
import type * as HttpMod from '../../nodes/lib/crm/http';
import type * as LimiterMod from '../../nodes/lib/crm/limiter';
import type * as SinkMod from '../../nodes/lib/crm/sink';
import type { RecallContact } from '../../nodes/lib/types';
import { loadPack } from './load';

export interface SendOptions {
  contacts: RecallContact[];
  url: string;
  ledgerFile: string;
  secret: string;
  /** crm-endpoint settings as in the editor (strings); unset = the node's defaults */
  endpoint?: { concurrency?: string; rateLimit?: string; rateInterval?: string };
}

export interface SendResult {
  ms: number;
  delivered: number;
  retry: number;
  failed: number;
  reserved: number;
  committed: number;
  summary: SinkMod.RunSummary;
  concurrency: number;
}

export function sinkLibs() {
  return {
    config: loadPack<typeof ConfigMod>('nodes/lib/crm/config', ['resolveEndpoint', 'resolveSink']),
    gate: loadPack<typeof GateMod>('nodes/lib/ledger/gate', ['reserveContacts', 'commitResults']),
    ledger: loadPack<typeof LedgerMod>('nodes/lib/ledger/sqlite-ledger', ['openLedger']),
    http: loadPack<typeof HttpMod>('nodes/lib/crm/http', ['createHttpClient']),
    limiter: loadPack<typeof LimiterMod>('nodes/lib/crm/limiter', ['Limiter']),
    sink: loadPack<typeof SinkMod>('nodes/lib/crm/sink', ['SinkRun']),
  };
}

/**
 * The gate's commitResults takes the ledger (earlier) or a function opening it (now):
 * this argument is both, so the bench follows the gate while its signature settles.
 */
function ledgerArg(ledger: LedgerMod.SqliteLedger): never {
  const open = async () => ledger;
  return new Proxy(open, {
    get: (target, prop) => {
      if (prop in target) return (target as unknown as Record<string | symbol, unknown>)[prop];
      const v = (ledger as unknown as Record<string | symbol, unknown>)[prop];
      return typeof v === 'function' ? v.bind(ledger) : v;
    },
  }) as never;
}

export async function sendWithSink(o: SendOptions): Promise<SendResult> {
  const L = sinkLibs();
  const ledger = await L.ledger.openLedger({ file: o.ledgerFile, secret: o.secret });
  // the settings exactly as crm-endpoint and crm-webhook-out resolve them
  const ep = L.config.resolveEndpoint({ preset: 'generic', url: o.url, ...o.endpoint }, {}, {});
  if (ep.problem) throw new Error(`crm-endpoint: ${ep.problem}`);
  const settings = { ...L.config.resolveSink({ dryRun: 'false', maxPerRun: String(o.contacts.length) }, {}), dryRun: false };
  const client = L.http.createHttpClient({ maxSockets: ep.limits.concurrency });
  const limiter = new L.limiter.Limiter(ep.limits);
  try {
    const leaseMs = 15 * 60_000;
    const runId = `bench-${Date.now()}`;
    const t0 = performance.now();
    const reserved = await L.gate.reserveContacts(ledger, o.contacts, { leaseMs, dryRun: false, runId });
    const out = await new L.sink.SinkRun(reserved.pass, settings, { endpoint: ep.endpoint, hmac: ledger.hmac, ledger, leaseMs, runId, limiter, client }).run();
    const committed = await L.gate.commitResults(ledgerArg(ledger), out.results, { dryRun: false, runId });
    const ms = performance.now() - t0;
    const s = out.summary;
    return { ms, delivered: s.delivered, retry: s.retry, failed: s.failed, reserved: reserved.pass.length, committed: committed.sent, summary: s, concurrency: ep.limits.concurrency };
  } finally {
    limiter.dispose();
    client.destroy();
    await ledger.close();
  }
}
