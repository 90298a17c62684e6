import { strict as assert } from 'node:assert';
import { crmPauseMs } from '../../../nodes/lib/crm/deliver';
import { AbortedError, jitterMarginMs, Limiter, sleep } from '../../../nodes/lib/crm/limiter';
import { headerGetter } from '../../../nodes/lib/crm/retry';

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

  it('keeps a start in its window for the interval plus the jitter margin', async () => {
    let clock = 0;
    const lim = new Limiter({ concurrency: 10, perInterval: 3, intervalMs: 10_000, now: () => clock });
    assert.equal(jitterMarginMs(10_000), 100);
    for (let i = 0; i < 3; i++) (await lim.acquire())();
    assert.equal(lim.windowFull, true);
    clock = 10_000;
    assert.equal(lim.windowFull, true, 'a slot opened without the margin');
    clock = 10_100;
    assert.equal(lim.windowFull, false);
    lim.dispose();
  });

  it("pauses for the CRM's rounded reset only when the limiter's own window is not full", () => {
    const answer = (status: number, headers: Record<string, string>) => ({ status, header: headerGetter(headers) });
    const spent = { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '1' };
    assert.equal(crmPauseMs(answer(200, spent), { windowFull: true }, 0), 0);
    assert.equal(crmPauseMs(answer(200, spent), { windowFull: false }, 0), 1000);
    assert.equal(crmPauseMs(answer(429, { ...spent, 'Retry-After': '2' }), { windowFull: true }, 0), 2000);
    assert.equal(crmPauseMs(answer(200, { 'X-RateLimit-Remaining': '3', 'X-RateLimit-Reset': '1' }), { windowFull: false }, 0), 0);
  });

  it('counts a start from sent() when the caller waited after acquiring (the CRM counts arrivals)', async () => {
    let clock = 0;
    const lim = new Limiter({ concurrency: 10, perInterval: 1, intervalMs: 10_000, now: () => clock });
    const release = await lim.acquire();
    clock = 500; // a checkpoint hold
    release.sent();
    release();
    clock = 10_100;
    assert.equal(lim.windowFull, true, 'the slot opened counting from the acquire');
    clock = 10_600;
    assert.equal(lim.windowFull, false);
    lim.dispose();
  });
});
