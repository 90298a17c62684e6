// The CRM sink against a CRM on 127.0.0.1 answering after 20 ms, and the naive
// connector (one awaited POST at a time, one SQLite statement to check and one to
// mark per record) against the same server in the same child: the ratio of throughputs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotMeasured, quickOr, type BenchCase } from '../support/case';
import { spawnCrmServer } from '../support/crm-server-proc';
import { contacts } from '../support/data';
import { naiveSend } from '../support/naive-connector';
import { sendWithSink, sinkLibs } from '../support/sink-lib';

const SECRET = 'bench-ledger-secret';
const DELAY_MS = 20;
/** the sink's concurrency, as the crm-webhook-out node sets it by default */
export const SINK_CONCURRENCY = 16;

export const bench: BenchCase = {
  name: 'sink-vs-naive',
  title: () => `CRM sink vs naive loop (CRM answers after ${DELAY_MS} ms)`,
  repeats: (quick) => (quick ? 1 : 3),
  timeoutMs: 5 * 60_000,
  rows: [
    { key: 'ratio', figure: 'sink / naive throughput', unit: '×', goal: { op: '>=', value: 25, text: '≥ 25×' } },
    { key: 'sinkRate', figure: 'sink: reserve + send + commit', unit: 'contacts/s' },
    { key: 'naiveRate', figure: 'naive: check + POST + mark, one at a time', unit: 'contacts/s' },
    { key: 'lost', figure: 'contacts not received by the CRM', unit: '', goal: { op: '<=', value: 0, text: '0' } },
  ],

  async run(ctx) {
    sinkLibs(); // not landed -> not measured
    const n = { naive: quickOr(ctx.quick, 50, 300), sink: quickOr(ctx.quick, 500, 3000) };
    const dir = fs.mkdtempSync(path.join(ctx.workDir, 'sink-'));
    const crm = await spawnCrmServer({ delayMs: DELAY_MS });
    try {
      const naive = await naiveSend(contacts(n.naive, 100 + ctx.repeat, 'NAIVE'), crm.url, path.join(dir, 'naive.db'), SECRET);
      if (naive.sent !== n.naive) throw new Error(`naive sent ${naive.sent} of ${n.naive}`);
      await crm.reset();
      const batch = contacts(n.sink, 200 + ctx.repeat, 'SINK');
      const sink = await sendWithSink({ contacts: batch, url: crm.url, ledgerFile: path.join(dir, 'ledger.db'), secret: SECRET, concurrency: SINK_CONCURRENCY, perInterval: 0, intervalMs: 0 });
      const seen = await crm.stats();
      if (sink.delivered === 0) throw new NotMeasured(`the sink delivered nothing: ${JSON.stringify(sink.summary).slice(0, 200)}`);
      const naiveRate = naive.sent / (naive.ms / 1000);
      const sinkRate = sink.delivered / (sink.ms / 1000);
      return {
        figures: { ratio: sinkRate / naiveRate, sinkRate, naiveRate, lost: n.sink - seen.contacts },
        notes: [
          `naive: ${n.naive} contacts, axios, sqlite3 autocommit; sink: ${n.sink} contacts, concurrency ${SINK_CONCURRENCY}, one POST per contact, ledger reserve + commit on a real SQLite file (WAL, synchronous=FULL). The CRM runs in its own process.`,
        ],
      };
    } finally {
      await crm.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
