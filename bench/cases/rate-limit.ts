// The CRM sink against a CRM that accepts at most LIMIT requests in any sliding
// WINDOW and answers 429 (with Retry-After) beyond it. The sink's limiter is set to
// the CRM's documented limit, as an office would set it.
//
// "Share of the allowed rate" = the shortest time the server's limit allows for N
// requests (the first LIMIT at once, the next LIMIT one window later, ...) divided
// by the time the sink took (first to last request arriving). 100 % = no sink
// could have been faster without 429s.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { quickOr, type BenchCase } from '../support/case';
import { spawnCrmServer } from '../support/crm-server-proc';
import { contacts } from '../support/data';
import { sendThroughNodes } from '../support/red-sink';

const SECRET = 'bench-ledger-secret';
const shape = (quick: boolean) => quickOr(quick, { n: 30, limit: 10, windowMs: 1_000 }, { n: 300, limit: 100, windowMs: 10_000 });

export const bench: BenchCase = {
  name: 'rate-limit',
  title: (quick) => {
    const s = shape(quick);
    return `CRM sink vs a ${s.limit} per ${s.windowMs / 1000} s limit (${s.n} contacts)`;
  },
  repeats: (quick) => (quick ? 1 : 3),
  timeoutMs: 5 * 60_000,
  rows: [
    { key: 'share', figure: 'share of the allowed rate', unit: '%', goal: { op: '>=', value: 95, text: '≥ 95 %' } },
    { key: 'share429', figure: '429 answers / requests', unit: '%', goal: { op: '<=', value: 1, text: '≤ 1 %' } },
    { key: 'lost', figure: 'contacts lost', unit: '', goal: { op: '<=', value: 0, text: '0' } },
    { key: 'rate', figure: 'achieved rate (first to last request)', unit: 'req/s' },
    { key: 'seconds', figure: 'wall time, reserve to commit', unit: 's' },
  ],

  async run(ctx) {
    const { n, limit, windowMs } = shape(ctx.quick);
    const dir = fs.mkdtempSync(path.join(ctx.workDir, 'rate-'));
    const crm = await spawnCrmServer({ delayMs: 20, rateLimit: { limit, windowMs } });
    try {
      const sink = await sendThroughNodes({
        contacts: contacts(n, 300 + ctx.repeat, 'RATE'),
        url: crm.url,
        ledgerFile: path.join(dir, 'ledger.db'),
        secret: SECRET,
        endpoint: { rateLimit: String(limit), rateInterval: String(windowMs / 1000) },
      });
      const s = await crm.stats();
      const span = (s.lastAt - s.firstAt) / 1000;
      const best = (Math.floor((n - 1) / limit) * windowMs) / 1000;
      return {
        figures: {
          share: (100 * best) / span,
          share429: (100 * s.http429) / s.requests,
          lost: n - s.contacts,
          rate: (s.accepted - 1) / span,
          seconds: sink.ms / 1000,
        },
        notes: [
          `${n} contacts, one POST each, CRM answers after 20 ms and allows ${limit} requests in any sliding ${windowMs / 1000} s window (429 + Retry-After beyond; X-RateLimit-Limit/Remaining/Reset headers on every answer; test/support/crm-server.ts); sink limiter set to ${limit} per ${windowMs / 1000} s, concurrency 4 (default), through idempotency-gate -> crm-webhook-out -> idempotency-gate in a Node-RED runtime, other settings the nodes' defaults. Lost = handed to the sink but never accepted by the CRM (released for the next run is still counted as lost here).`,
        ],
      };
    } finally {
      await crm.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
