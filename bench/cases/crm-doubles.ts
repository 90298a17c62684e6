// A first run of 5,000 contacts through the nodes against the GoHighLevel and HubSpot
// doubles (test/support/crm-doubles), with the endpoint's default rate (empty = just
// under the CRM's published limit). Time is scaled down ten times so the bench stays
// short: each double allows its documented 100 requests per 1 s instead of per 10 s,
// and the endpoint's interval is set to 1 s (its count left at the default, 95).
//
// "Share of the allowed rate" = the shortest time the double's limit allows for the
// requests made (the first 100 at once, the next 100 one window later, ...) divided by
// the time taken (first to last request arriving). GoHighLevel needs two calls per
// contact (upsert, add tags); HubSpot one per 100 contacts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { quickOr, type BenchCase, type Figures } from '../support/case';
import { contacts } from '../support/data';
import { sendThroughNodes } from '../support/red-sink';

const SECRET = 'bench-ledger-secret';
const TOKEN = 'bench-crm-token';
const LOCATION = 'bench-location';
const WINDOW_MS = 1000;
const n = (quick: boolean) => quickOr(quick, 300, 5000);

async function one(which: 'gohighlevel' | 'hubspot', count: number, dir: string, seed: number): Promise<Figures> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { GhlDouble } = require('../../test/support/crm-doubles/ghl') as typeof import('../../test/support/crm-doubles/ghl');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HubspotDouble } = require('../../test/support/crm-doubles/hubspot') as typeof import('../../test/support/crm-doubles/hubspot');
  const limits = { max: 100, windowMs: WINDOW_MS, daily: 1_000_000 };
  const double = which === 'gohighlevel' ? await new GhlDouble(LOCATION, TOKEN, limits).start() : await new HubspotDouble(TOKEN, limits).start();
  try {
    const sink = await sendThroughNodes({
      // one phone per patient: GoHighLevel's duplicate rule merges contacts that share one
      contacts: contacts(count, seed, which === 'gohighlevel' ? 'GHL' : 'HUB').map((c, i) => ({ ...c, phone: `+1${2020000000 + i}` })),
      url: double.url,
      ledgerFile: path.join(dir, `${which}.db`),
      secret: SECRET,
      token: TOKEN,
      endpoint: { preset: which, locationId: LOCATION, rateLimit: '', rateInterval: String(WINDOW_MS / 1000) },
    });
    const seen = double.seen;
    const accepted = seen.filter((s) => s.status >= 200 && s.status < 300).length;
    const span = (seen[seen.length - 1].at - seen[0].at) / 1000;
    const best = (Math.floor((seen.length - 1) / limits.max) * WINDOW_MS) / 1000;
    const stored = which === 'gohighlevel' ? (double as InstanceType<typeof GhlDouble>).contacts.length : (double as InstanceType<typeof HubspotDouble>).contacts.length;
    return {
      share: span > 0 ? (100 * best) / span : 100,
      requests: seen.length,
      perContact: seen.length / count,
      http429: seen.filter((s) => s.status === 429).length,
      seconds: sink.ms / 1000,
      ideal: best,
      lost: count - stored,
      accepted,
    };
  } finally {
    await double.close();
  }
}

export const bench: BenchCase = {
  name: 'crm-doubles',
  title: (quick) => `First run of ${n(quick)} contacts vs the GoHighLevel and HubSpot doubles (default rate, time scaled 1:10)`,
  repeats: (quick) => (quick ? 1 : 1),
  timeoutMs: 10 * 60_000,
  rows: [
    { key: 'ghl_share', figure: 'GoHighLevel: share of the allowed request rate', unit: '%', goal: { op: '>=', value: 85, text: '≥ 85 % (ceiling 90.5 % at this scale)' } },
    { key: 'ghl_seconds', figure: 'GoHighLevel: time to all delivered', unit: 's' },
    { key: 'ghl_ideal', figure: 'GoHighLevel: ideal the limit allows', unit: 's' },
    { key: 'ghl_perContact', figure: 'GoHighLevel: requests per contact', unit: '' },
    { key: 'ghl_http429', figure: 'GoHighLevel: 429 answers', unit: '', goal: { op: '<=', value: 0, text: '0' } },
    { key: 'ghl_lost', figure: 'GoHighLevel: contacts not in the CRM', unit: '', goal: { op: '<=', value: 0, text: '0' } },
    { key: 'hub_seconds', figure: 'HubSpot: time to all delivered', unit: 's' },
    { key: 'hub_ideal', figure: 'HubSpot: ideal the limit allows', unit: 's' },
    { key: 'hub_requests', figure: 'HubSpot: requests (100 contacts each)', unit: '' },
    { key: 'hub_http429', figure: 'HubSpot: 429 answers', unit: '', goal: { op: '<=', value: 0, text: '0' } },
    { key: 'hub_lost', figure: 'HubSpot: contacts not in the CRM', unit: '', goal: { op: '<=', value: 0, text: '0' } },
  ],

  async run(ctx) {
    const count = n(ctx.quick);
    const dir = fs.mkdtempSync(path.join(ctx.workDir, 'doubles-'));
    try {
      const ghl = await one('gohighlevel', count, dir, 700 + ctx.repeat);
      ctx.log(`GoHighLevel: ${ghl.requests} requests in ${ghl.seconds.toFixed(1)} s`);
      const hub = await one('hubspot', count, dir, 800 + ctx.repeat);
      const figures: Figures = {};
      for (const [k, v] of Object.entries(ghl)) figures[`ghl_${k}`] = v;
      for (const [k, v] of Object.entries(hub)) figures[`hub_${k}`] = v;
      return {
        figures,
        notes: [
          `${count} new contacts, every channel consented, through idempotency-gate -> crm-webhook-out -> idempotency-gate in a Node-RED runtime; endpoint rate left empty (95 per interval), interval 1 s, concurrency 4; each double allows 100 requests in any sliding 1 s (its documented 100 per 10 s, scaled 1:10) and answers at once. At the real 10 s window the limiter's jitter margin is 100 ms (1 %) instead of 50 ms (5 %), so the ceiling here is 95 per 1.05 s = 90.5 % of the double's rate (at 10 s: 95 per 10.1 s = 94 %); the GoHighLevel ideal at full scale is ${((Math.ceil((2 * count) / 100) - 1) * 10).toFixed(0)} s.`,
        ],
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
