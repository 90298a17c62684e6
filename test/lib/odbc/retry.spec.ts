import { strict as assert } from 'node:assert';
import { backoffDelay, withRetry, isRetryFailure } from '../../../nodes/lib/odbc/retry';

const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 350 };

describe('odbc retry with backoff and jitter', () => {
  it('doubles the ceiling, caps it, and jitters within [ceiling/2, ceiling]', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 1)), [100, 200, 350, 350]);
    assert.deepEqual([1, 2, 3].map((n) => backoffDelay(n, policy, () => 0)), [50, 100, 175]);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(2, policy);
      assert.ok(d >= 100 && d <= 200, `delay ${d}`);
    }
  });

  it('retries retryable failures until it succeeds', async () => {
    const waits: number[] = [];
    const out = await withRetry(
      async (attempt) => {
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return attempt;
      },
      policy,
      { retryable: () => true, sleep: async (ms) => void waits.push(ms), random: () => 0.5, onRetry: () => undefined },
    );
    assert.equal(out, 3);
    assert.deepEqual(waits, [75, 150]);
  });

  it('gives up after the configured retries, keeping the first and the last error', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(async () => { throw new Error(`fail ${++calls}`); }, policy, { retryable: () => true, sleep: async () => undefined }),
      (f: unknown) => isRetryFailure<Error>(f) && f.attempts === 4 && f.first.message === 'fail 1' && f.error.message === 'fail 4',
    );
  });

  it('does not retry what is not retryable, nor after cancellation', async () => {
    let calls = 0;
    await assert.rejects(withRetry(async () => { throw new Error(String(++calls)); }, policy, { retryable: () => false, sleep: async () => undefined }),
      (f: unknown) => isRetryFailure(f) && f.attempts === 1);
    calls = 0;
    await assert.rejects(withRetry(async () => { throw new Error(String(++calls)); }, policy, { retryable: () => true, cancelled: () => calls >= 2, sleep: async () => undefined }),
      (f: unknown) => isRetryFailure(f) && f.attempts === 2);
  });
});
