// Runs the whole delivery path (gate reserve -> sink -> gate commit, real SQLite ledger)
// against a CRM that misbehaves at random, run after run, until every contact is in.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHttpClient } from '../../../nodes/lib/crm/http';
import { Limiter } from '../../../nodes/lib/crm/limiter';
import { DEFAULT_POLICY } from '../../../nodes/lib/crm/retry';
import { SinkRun } from '../../../nodes/lib/crm/sink';
import { recallKey } from '../../../nodes/lib/ledger/keys';
import { openLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import { CrmServer, type Fault } from '../../support/crm-server';
import { contacts, hmac, TEST_SECRET } from '../../support/contacts';
import { reserveBatch } from './reserve-batch';
import { prng } from '../../support/random';

describe('crm fault mix (gate + sink + commit, real ledger, misbehaving CRM)', function () {
  this.timeout(120_000);

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every contact ends delivered, none committed without a 2xx, repeats keep their key`, async () => {
      const rand = prng(seed);
      const faults: Record<string, number> = {};
      const server = await CrmServer.start({
        handler: () => {
          const r = rand();
          let f: Fault | undefined;
          let name = '';
          if (r < 0.12) [f, name] = [{ status: 503 }, '503'];
          else if (r < 0.22) [f, name] = [{ status: 429, headers: { 'Retry-After': '0' } }, '429'];
          else if (r < 0.27) [f, name] = [{ status: 500, headers: { 'Retry-After': new Date(Date.now()).toUTCString() } }, '500-date'];
          else if (r < 0.32) [f, name] = [{ reset: true }, 'reset'];
          else if (r < 0.36) [f, name] = [{ acceptThenReset: true }, 'accepted-then-reset'];
          else if (r < 0.40) [f, name] = [{ status: 200, delayMs: 1500 }, 'slow'];
          if (f) faults[name] = (faults[name] ?? 0) + 1;
          return f;
        },
      });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-mix-'));
      const ledger = await openLedger({ file: path.join(dir, 'l.db'), secret: TEST_SECRET });
      const client = createHttpClient();
      const batch = contacts(60).map((c) => ({ ...c, key: undefined }));
      try {
        let runs = 0;
        for (; runs < 12; runs++) {
          const runId = `run-${runs}`;
          const r = await reserveBatch(ledger, batch, 60_000, runId);
          if (r.pass.length === 0) break;
          const out = await new SinkRun(r.pass, {
            dryRun: false, maxPerRun: 500, batchSize: 1, allow: [], timeoutMs: 400,
            policy: { ...DEFAULT_POLICY, maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
          }, { endpoint: { preset: 'generic', url: `${server.url}/hook`, allowPlainHttp: false }, hmac: ledger.hmac, ledger, leaseMs: 60_000, runId, limiter: new Limiter({ concurrency: 6, perInterval: 0, intervalMs: 1000 }), client, random: rand }).run();
          await ledger.commit(out.results, { runId });
        }
        const keys = batch.map((c) => recallKey(hmac, c));
        const rows = await ledger.status!(keys);
        const sent = rows.filter((row) => row.state === 'sent').map((row) => row.key);
        const twoXX = new Set(server.succeeded.map((q) => q.headers['idempotency-key']));
        // every contact delivered, and the ledger says so
        assert.equal(sent.length, 60, `only ${sent.length} of 60 marked sent after ${runs} runs`);
        // nothing marked sent without a 2xx answer for its key
        for (const k of sent) assert.ok(twoXX.has(k), `key ${k.slice(0, 8)} marked sent without a 2xx`);
        // every request for one contact carried one Idempotency-Key
        const keysByContact = new Map<string, Set<string>>();
        for (const q of server.requests) {
          const ck = (q.json as { contactKey: string }).contactKey;
          keysByContact.set(ck, (keysByContact.get(ck) ?? new Set()).add(q.headers['idempotency-key']));
        }
        assert.equal(keysByContact.size, 60);
        for (const set of keysByContact.values()) assert.equal(set.size, 1);
        const processed = new Map<string, number>();
        for (const q of server.requests.filter((x) => x.processed)) processed.set(q.headers['idempotency-key'], (processed.get(q.headers['idempotency-key']) ?? 0) + 1);
        const duplicates = [...processed.values()].filter((n) => n > 1).length;
        assert.ok(Object.keys(faults).length >= 4, 'the mix did not inject enough kinds of fault');
        console.log(`      fault mix seed ${seed}: ${runs} runs, 60 contacts, ${server.requests.length} requests, faults ${JSON.stringify(faults)}, delivered 60, processed twice by the CRM (same key) ${duplicates}`);
      } finally {
        client.destroy();
        await ledger.close();
        await server.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
