// The blast guard's parts: its refusal text, the window count read from a real SQLite
// ledger, and the dry-run's forecast of what a live run would do.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlastGuardError, earlierInWindow, liveRunForecast, windowText } from '../../../nodes/lib/crm/guard';
import { toItems } from '../../../nodes/lib/crm/items';
import { openLedger, type SqliteLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import { contacts, hmac, TEST_SECRET } from '../../support/contacts';

describe('crm blast guard', () => {
  it('says the window in words', () => {
    assert.equal(windowText(3_600_000), 'hour');
    assert.equal(windowText(12 * 3_600_000), '12 hours');
  });

  it('refuses in words that say what was counted and what was released', () => {
    const alone = new BlastGuardError(6, 5, 6);
    assert.equal(alone.name, 'BlastGuardError');
    assert.equal(alone.message, 'blast guard: 6 contacts to send, more than "max per run" (5); nothing was sent, 6 reservations released. Raise "max per run" (RECALL_MAX_PER_RUN) if a batch this large is expected.');
    const windowed = new BlastGuardError(3, 5, undefined, 4, '12 hours');
    assert.match(windowed.message, /^blast guard: 3 contacts to send after 4 already sent or in flight in the last 12 hours, more than "max per run" \(5\); nothing was sent\. Raise/);
  });

  it('forecasts a live run: refuse above max per run, counting the window', () => {
    assert.deepEqual(liveRunForecast(1480, 500), { wouldRefuse: true, toSend: 1480, earlier: 0, maxPerRun: 500, text: 'a live run would refuse: 1,480 to send > max per run 500' });
    assert.equal(liveRunForecast(3, 5, 2, 'hour').text, 'a live run would send 3 (with 2 sent in the last hour, max per run 5)');
    assert.equal(liveRunForecast(3, 5, 3, 'hour').text, 'a live run would refuse: 3 to send + 3 sent in the last hour > max per run 5');
  });

  describe('earlier in the window (real SQLite ledger)', () => {
    let dir: string;
    let ledger: SqliteLedger;
    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-guard-'));
      ledger = await openLedger({ file: path.join(dir, 'ledger.db'), secret: TEST_SECRET });
    });
    afterEach(async () => {
      await ledger.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("counts another run's reservations of the same office, not this run's own, and nothing without a window", async () => {
      const other = contacts(3);
      await ledger.reserve(other.map((c) => c.key!), 60_000, { runId: 'run-1', labels: new Map(other.map((c) => [c.key!, { office: c.office }])) });
      const { items } = toItems(contacts(2, { office: 'OFF1', segment: 'overdue' }), [], hmac, false);
      assert.equal(await earlierInWindow(items, ledger, 3_600_000, Date.now, 'run-2'), 3);
      assert.equal(await earlierInWindow(items, ledger, 3_600_000, Date.now, 'run-1'), 0);
      assert.equal(await earlierInWindow(items, ledger, 0, Date.now, 'run-2'), 0);
      const elsewhere = toItems(contacts(1, { office: 'OFF2' }), [], hmac, false).items;
      assert.equal(await earlierInWindow(elsewhere, ledger, 3_600_000, Date.now, 'run-2'), 0);
    });
  });
});
