// Crash test: the pipeline (reserve -> sink -> commit, real SQLite ledger) runs in a
// child process that is SIGKILLed at random moments while it sends, at least 20 times,
// then restarted until it finishes. Every contact must reach the CRM, nothing may be
// marked sent without a 2xx, and every repeat of a contact must carry the same key.
// The sink checkpoints deliveries into the ledger and holds new sends while CHECKPOINT
// of them are not on disk, so a kill makes the next process re-send at most what was
// in flight plus that backlog: at most CONCURRENCY + CHECKPOINT - 1 contacts per kill.
// (Before checkpoints a kill re-sent everything its process had delivered: 141-151
// extra deliveries over 150 contacts with 20 kills.)
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { recallKey } from '../../../nodes/lib/ledger/keys';
import { openLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import { CrmServer } from '../../support/crm-server';
import { contacts, hmac, TEST_SECRET } from '../../support/contacts';
import { prng } from '../../support/random';

const CHILD = path.join(__dirname, 'crash-child.js');
const CONTACTS = 150;
const KILLS = 20;
const CONCURRENCY = 3;
const CHECKPOINT = 2;

describe('crm crash test (child process SIGKILLed during sends)', function () {
  this.timeout(240_000);
  let server: CrmServer;
  let dir: string;
  let child: ChildProcess | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`${KILLS} kills, then a clean finish: every contact delivered, repeats with the same key`, async () => {
    // 2xx answers take a moment, so kills land between the CRM's work and the commit
    server = await CrmServer.start({ delayMs: 25 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-crash-'));
    const env = { ...process.env, CRASH_LEDGER: path.join(dir, 'ledger.db'), CRASH_CRM_URL: `${server.url}/hook`, CRASH_CONTACTS: String(CONTACTS), CRASH_LEASE_MS: '600', CRASH_CONCURRENCY: String(CONCURRENCY), CRASH_CHECKPOINT_EVERY: String(CHECKPOINT) };
    const rand = prng(20261127);
    const start = () => {
      const c = spawn(process.execPath, [CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout!.on('data', (d) => (out += d));
      c.stderr!.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
      return { c, exited, output: () => out };
    };

    let kills = 0;
    let finishedEarly = 0;
    while (kills < KILLS) {
      const p = start();
      child = p.c;
      const before = server.requests.length;
      const want = before + 1 + Math.floor(rand() * 12);
      // kill once this process has sent some requests (or it finished first)
      for (;;) {
        if (server.requests.length >= want || p.c.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      if (p.c.exitCode !== null) {
        finishedEarly++;
        assert.equal(p.c.exitCode, 0, p.output());
        break;
      }
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 40)));
      p.c.kill('SIGKILL');
      await p.exited;
      kills++;
    }
    assert.equal(kills, KILLS, `the pipeline finished after ${kills} kills: too few contacts to test ${KILLS}`);

    const last = start();
    child = last.c;
    assert.equal(await last.exited, 0, last.output());

    const ledger = await openLedger({ file: env.CRASH_LEDGER, secret: TEST_SECRET });
    try {
      const keys = contacts(CONTACTS).map((c) => recallKey(hmac, c));
      const rows = await ledger.status!(keys);
      const sent = rows.filter((r) => r.state === 'sent');
      assert.equal(sent.length, CONTACTS, `${sent.length} of ${CONTACTS} contacts marked sent`);
      const twoXX = new Set(server.succeeded.map((q) => q.headers['idempotency-key']));
      for (const r of sent) assert.ok(twoXX.has(r.key), 'a key marked sent without a 2xx answer');
      // every contact reached the CRM, each always under one Idempotency-Key
      const keysByContact = new Map<string, Set<string>>();
      for (const q of server.requests) {
        const ck = (q.json as { contactKey: string }).contactKey;
        keysByContact.set(ck, (keysByContact.get(ck) ?? new Set()).add(q.headers['idempotency-key']));
      }
      assert.equal(keysByContact.size, CONTACTS);
      for (const set of keysByContact.values()) assert.equal(set.size, 1, 'a contact was sent under two keys');
      const processed = new Map<string, number>();
      for (const q of server.requests.filter((x) => x.processed)) processed.set(q.headers['idempotency-key'], (processed.get(q.headers['idempotency-key']) ?? 0) + 1);
      const delivered = processed.size;
      assert.equal(delivered, CONTACTS);
      const repeated = [...processed.values()].filter((n) => n > 1).length;
      const extra = [...processed.values()].reduce((s, n) => s + n - 1, 0);
      console.log(`      crash test: ${kills + 1 + finishedEarly} processes, ${kills} SIGKILLs, ${CONTACTS} contacts, ${server.requests.length} requests, delivered ${delivered}, contacts the CRM processed more than once ${repeated} (${extra} extra deliveries, all with the same Idempotency-Key; bound ${kills * (CONCURRENCY + CHECKPOINT - 1)})`);
      assert.ok(extra <= kills * (CONCURRENCY + CHECKPOINT - 1), `${extra} extra deliveries after ${kills} kills: more than in flight plus the checkpoint backlog`);
    } finally {
      await ledger.close();
    }
  });
});
