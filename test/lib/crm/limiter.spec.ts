import { strict as assert } from 'node:assert';
import { crmPauseMs } from '../../../nodes/lib/crm/deliver';
import { AbortedError, jitterMarginMs, Limiter, sleep } from '../../../nodes/lib/crm/limiter';
import { headerGetter } from '../../../nodes/lib/crm/retry';
import { until } from '../../support/until';

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

  /** A limiter on a clock the test moves, and a way to wait until its timer has looked at it. */
  function onTestClock(opts: { concurrency: number; perInterval: number; intervalMs: number }) {
    const t = { clock: 0, reads: 0 };
    const lim = new Limiter({ ...opts, now: () => (t.reads++, t.clock) });
    /** Moves the clock to `at`; resolves once the limiter has looked at it (its timer's pump). */
    const moveTo = async (at: number) => {
      const seen = t.reads;
      t.clock = at;
      await until(() => t.reads > seen, `the limiter to look at the clock at ${at}`, { timeoutMs: 10_000, pollMs: 5 });
    };
    return { t, lim, moveTo };
  }

  it('starts at most `perInterval` requests per window (interval + jitter margin), the next ones as soon as it has passed', async () => {
    const { t, lim, moveTo } = onTestClock({ concurrency: 10, perInterval: 4, intervalMs: 100 });
    const windowMs = 100 + jitterMarginMs(100);
    const starts: number[] = [];
    const all = Promise.all(
      Array.from({ length: 14 }, async () => {
        const release = await lim.acquire();
        starts.push(t.clock);
        release();
      }),
    );
    await until(() => starts.length === 4, 'the first 4 starts', { timeoutMs: 10_000, pollMs: 5 });
    for (let k = 1; starts.length < 14; k++) {
      await moveTo(k * windowMs - 1);
      assert.equal(starts.length, 4 * k, `a start ${windowMs - 1} ms into a full window`);
      await moveTo(k * windowMs);
      assert.equal(starts.length, Math.min(14, 4 * (k + 1)), `the starts once window ${k} had passed`);
    }
    await all;
    assert.deepEqual(starts, [0, 0, 0, 0, 150, 150, 150, 150, 300, 300, 300, 300, 450, 450]);
  });

  it('holds every start while paused', async () => {
    const { lim, moveTo } = onTestClock({ concurrency: 5, perInterval: 0, intervalMs: 0 });
    lim.pauseUntil(150);
    let started = false;
    const acquired = lim.acquire().then((release) => ((started = true), release));
    await moveTo(149);
    assert.equal(started, false, 'started before the pause ended');
    await moveTo(150);
    (await acquired)();
    assert.equal(started, true);
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
