// The CRM sink against a CRM on 127.0.0.1 answering after 20 ms, and the naive
// connector (one awaited POST at a time, one SQLite statement to check and one to
// mark per record) against the same server in the same child: the ratio of throughputs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotMeasured, quickOr, type BenchCase } from '../support/case';
import { spawnCrmServer } from '../support/crm-server-proc';
import { contacts } from '../support/data';
import { naiveSend } from '../support/naive-connector';
import { sendThroughNodes } from '../support/red-sink';

const SECRET = 'bench-ledger-secret';
const DELAY_MS = 20;
/** a raised concurrency setting (crm-endpoint allows 1-64; the default is 4) */
const HIGH_CONCURRENCY = 32;
/** the sink's batch mode (JSON arrays), an extra figure beside the per-contact ones */
const BATCH_SIZE = 100;

export const bench: BenchCase = {
  name: 'sink-vs-naive',
  title: () => `CRM sink vs naive loop (CRM answers after ${DELAY_MS} ms)`,
  repeats: (quick) => (quick ? 1 : 3),
  timeoutMs: 5 * 60_000,
  rows: [
    // the 25× goal is for a CRM without a tight limit (concurrency raised); the default 4
    // suits CRMs capped near 10 requests/s, and is judged by the share of that limit it reaches
    { key: 'ratioHigh', figure: `sink / naive throughput, concurrency ${HIGH_CONCURRENCY} (a CRM without a tight limit)`, unit: '×', goal: { op: '>=', value: 25, text: '≥ 25×' } },
    { key: 'ratio', figure: 'sink / naive throughput, default concurrency 4 (information, not a goal: the default suits CRMs capped near 10 requests/s)', unit: '×' },
    { key: 'sinkRate', figure: 'sink (concurrency 4): reserve + send + commit', unit: 'contacts/s' },
    { key: 'sinkRateHigh', figure: `sink (concurrency ${HIGH_CONCURRENCY}): reserve + send + commit`, unit: 'contacts/s' },
    { key: 'sinkRateBatch', figure: `sink, batch mode (${BATCH_SIZE} contacts per POST, concurrency 4)`, unit: 'contacts/s' },
    { key: 'ratioBatch', figure: `sink / naive throughput, batch mode (${BATCH_SIZE} per POST)`, unit: '×' },
    { key: 'naiveRate', figure: 'naive: check + POST + mark, one at a time', unit: 'contacts/s' },
    { key: 'lost', figure: 'contacts not received by the CRM', unit: '', goal: { op: '<=', value: 0, text: '0' } },
  ],

  async run(ctx) {
    const n = { naive: quickOr(ctx.quick, 30, 300), sink: quickOr(ctx.quick, 100, 1000), high: quickOr(ctx.quick, 200, 3000), batch: quickOr(ctx.quick, 500, 5000) };
    const dir = fs.mkdtempSync(path.join(ctx.workDir, 'sink-'));
    const crm = await spawnCrmServer({ delayMs: DELAY_MS });
    try {
      const naive = await naiveSend(contacts(n.naive, 100 + ctx.repeat, 'NAIVE'), crm.url, path.join(dir, 'naive.db'), SECRET);
      if (naive.sent !== n.naive) throw new Error(`naive sent ${naive.sent} of ${n.naive}`);
      await crm.reset();
      // no rate limit set: this CRM has none; the point is latency
      const sink = await sendThroughNodes({ contacts: contacts(n.sink, 200 + ctx.repeat, 'SINK'), url: crm.url, ledgerFile: path.join(dir, 'ledger.db'), secret: SECRET });
      const lostDefault = n.sink - (await crm.stats()).contacts;
      await crm.reset();
      const high = await sendThroughNodes({ contacts: contacts(n.high, 400 + ctx.repeat, 'HIGH'), url: crm.url, ledgerFile: path.join(dir, 'ledger-high.db'), secret: SECRET, endpoint: { concurrency: String(HIGH_CONCURRENCY) } });
      const lostHigh = n.high - (await crm.stats()).contacts;
      await crm.reset();
      const batch = await sendThroughNodes({ contacts: contacts(n.batch, 500 + ctx.repeat, 'BATCH'), url: crm.url, ledgerFile: path.join(dir, 'ledger-batch.db'), secret: SECRET, sink: { batchSize: String(BATCH_SIZE) } });
      const lostBatch = n.batch - (await crm.stats()).contacts;
      if (sink.delivered === 0) throw new NotMeasured(`the sink delivered nothing: ${JSON.stringify(sink.summary).slice(0, 200)}`);
      const naiveRate = naive.sent / (naive.ms / 1000);
      const sinkRate = sink.delivered / (sink.ms / 1000);
      const sinkRateHigh = high.delivered / (high.ms / 1000);
      const sinkRateBatch = batch.delivered / (batch.ms / 1000);
      return {
        figures: { ratio: sinkRate / naiveRate, ratioHigh: sinkRateHigh / naiveRate, sinkRate, sinkRateHigh, sinkRateBatch, ratioBatch: sinkRateBatch / naiveRate, naiveRate, lost: lostDefault + lostHigh + lostBatch },
        notes: [
          `naive: ${n.naive} contacts, axios, sqlite3 autocommit; sink: ${n.sink} contacts at crm-endpoint's default concurrency (4) and ${n.high} at concurrency ${HIGH_CONCURRENCY}, through idempotency-gate (reserve) -> crm-webhook-out -> idempotency-gate (commit) in a Node-RED runtime, other settings the nodes' defaults (one POST per contact, deliveries checkpointed into the ledger as they happen); batch mode: ${n.batch} contacts, batch size ${BATCH_SIZE} (JSON arrays, generic preset), concurrency 4; ledger on a real SQLite file (WAL, synchronous=FULL). The CRM (test/support/crm-server.ts) runs in its own process.`,
        ],
      };
    } finally {
      await crm.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
