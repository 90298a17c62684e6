// The checkpoint's hold rule: a send may start while in flight + delivered-not-on-disk
// stays below concurrency + every - 1 (what a kill can make the next run send again).
import { strict as assert } from 'node:assert';
import { Checkpoint } from '../../../nodes/lib/crm/checkpoint';
import type { DeliveryResult } from '../../../nodes/lib/types';

/** a ledger whose writes finish when the test says so */
function gatedLedger() {
  const writes: { n: number; finish: () => void }[] = [];
  return {
    writes,
    commit(results: readonly DeliveryResult[]): Promise<unknown> {
      return new Promise<void>((resolve) => writes.push({ n: results.length, finish: resolve }));
    },
  };
}

const delivered = (i: number): DeliveryResult => ({ key: `k${i}`, patientId: `p${i}`, outcome: 'delivered', attempts: 1, status: 200 });

/** true when room() resolved before the ledger write finished */
async function roomNow(cp: Checkpoint, inFlight: number): Promise<boolean> {
  let passed = false;
  const p = cp.room(undefined, () => inFlight).then(() => (passed = true));
  await new Promise((r) => setImmediate(r));
  void p;
  return passed;
}

describe('crm checkpoint hold', () => {
  it('lets sends go while in flight + not on disk < concurrency + every - 1, and holds at the bound until a write lands', async () => {
    const ledger = gatedLedger();
    const cp = new Checkpoint({ ledger, every: 2, maxWaitMs: 10_000, inFlightMax: 3 });
    cp.delivered(delivered(1));
    cp.delivered(delivered(2)); // a write of 2 starts
    assert.equal(ledger.writes.length, 1);
    // 2 not on disk + 1 in flight = 3 < 3 + 2 - 1: a send may start (the old rule held every send here)
    assert.equal(await roomNow(cp, 1), true);
    // 2 + 2 = 4: held
    let released = false;
    const held = cp.room(undefined, () => 2).then(() => (released = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(released, false);
    ledger.writes[0].finish();
    await held;
    assert.equal(released, true);
    assert.equal(cp.written, 2);
    cp.stop();
  });

  it('without inFlightMax holds as soon as `every` keys are not on disk', async () => {
    const ledger = gatedLedger();
    const cp = new Checkpoint({ ledger, every: 2, maxWaitMs: 10_000 });
    cp.delivered(delivered(1));
    assert.equal(await roomNow(cp, 0), true);
    cp.delivered(delivered(2));
    assert.equal(await roomNow(cp, 0), false);
    ledger.writes[0].finish();
    await cp.flush();
  });
});
