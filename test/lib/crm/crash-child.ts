// The delivery pipeline as a process of its own, for the crash test: reserve ->
// CRM sink -> commit against a real ledger file, run after run, until every contact
// of the batch is sent. The parent SIGKILLs it at random moments and starts it again.
import { createHttpClient } from '../../../nodes/lib/crm/http';
import { Limiter } from '../../../nodes/lib/crm/limiter';
import { DEFAULT_POLICY } from '../../../nodes/lib/crm/retry';
import { SinkRun } from '../../../nodes/lib/crm/sink';
import { openLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import { contacts, TEST_SECRET } from '../../support/contacts';
import { reserveBatch } from './reserve-batch';

async function main(): Promise<void> {
  const file = process.env.CRASH_LEDGER!;
  const url = process.env.CRASH_CRM_URL!;
  const n = Number(process.env.CRASH_CONTACTS);
  const leaseMs = Number(process.env.CRASH_LEASE_MS);
  const ledger = await openLedger({ file, secret: TEST_SECRET });
  const client = createHttpClient();
  const limiter = new Limiter({ concurrency: Number(process.env.CRASH_CONCURRENCY), perInterval: 0, intervalMs: 1000 });
  // the sink marks deliveries sent as it goes (as crm-webhook-out does after a real reserve)
  const checkpoint = { ledger, every: Number(process.env.CRASH_CHECKPOINT_EVERY), maxWaitMs: 500 };
  const batch = contacts(n).map((c) => ({ ...c, key: undefined }));
  for (let run = 0; ; run++) {
    const runId = `${process.pid}-${run}`;
    const r = await reserveBatch(ledger, batch, leaseMs, runId);
    if (r.pass.length === 0) {
      if (r.alreadySent === n) break;
      // keys still leased by a killed process: wait for their leases to run out
      await new Promise((res) => setTimeout(res, leaseMs / 4));
      continue;
    }
    const out = await new SinkRun(
      r.pass,
      { dryRun: false, maxPerRun: 10_000, batchSize: 1, allow: [], timeoutMs: 2000, policy: { ...DEFAULT_POLICY, baseDelayMs: 10, maxDelayMs: 50 } },
      { endpoint: { preset: 'generic', url, allowPlainHttp: false }, hmac: ledger.hmac, ledger, leaseMs, runId, checkpoint, limiter, client },
    ).run();
    await ledger.commit(out.results, { runId });
  }
  client.destroy();
  await ledger.close();
  process.stdout.write('all sent\n');
}

main().catch((err) => {
  process.stderr.write(String((err as Error).stack ?? err) + '\n');
  process.exit(1);
});
