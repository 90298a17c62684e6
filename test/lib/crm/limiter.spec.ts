import { strict as assert } from 'node:assert';
import { AbortedError, Limiter, sleep } from '../../../nodes/lib/crm/limiter';

describe('crm limiter', () => {
  it('never has more than `concurrency` holders', async () => {
    const lim = new Limiter({ concurrency: 3, perInterval: 0, intervalMs: 0 });
    let active = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const release = await lim.acquire();
        active++;
        max = Math.max(max, active);
        await sleep(5);
        active--;
        release();
      }),
    );
    assert.equal(max, 3);
  });

  it('starts at most `perInterval` requests in any interval (counted on its own clock)', async () => {
    const starts: number[] = [];
    const lim = new Limiter({ concurrency: 10, perInterval: 4, intervalMs: 100 });
    await Promise.all(
      Array.from({ length: 14 }, async () => {
        const release = await lim.acquire();
        starts.push(Date.now());
        release();
      }),
    );
    assert.equal(starts.length, 14);
    for (const t of starts) {
      const inWindow = starts.filter((s) => s >= t && s < t + 100).length;
      assert.ok(inWindow <= 4, `${inWindow} starts in one 100 ms window`);
    }
  });

  it('holds every start while paused', async () => {
    const lim = new Limiter({ concurrency: 5, perInterval: 0, intervalMs: 0 });
    const until = Date.now() + 150;
    lim.pauseUntil(until);
    const release = await lim.acquire();
    assert.ok(Date.now() >= until, 'started before the pause ended');
    release();
  });

  it('drops a waiter whose signal aborts', async () => {
    const lim = new Limiter({ concurrency: 1, perInterval: 0, intervalMs: 0 });
    const first = await lim.acquire();
    const ac = new AbortController();
    const waiting = lim.acquire(ac.signal);
    ac.abort();
    await assert.rejects(waiting, AbortedError);
    assert.equal(lim.waiting, 0);
    first();
    const again = await lim.acquire();
    again();
    assert.equal(lim.inFlight, 0);
  });
});
