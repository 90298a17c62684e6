// The schedule's timer against a clock the test moves: it fires when a run is due, steps
// through long waits, and does not catch up runs missed while the machine slept.
import { strict as assert } from 'node:assert';
import { effectiveSchedule } from '../../../nodes/lib/schedule/config';
import { ScheduleTimer } from '../../../nodes/lib/schedule/timer';

const at = (text: string) => Date.parse(text);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('schedule timer', () => {
  it('fires once a run is due, then arms the next; a long sleep gives one run, not the missed ones', async () => {
    let now = at('2026-01-05T02:59:00Z');
    const armed: (string | null)[] = [];
    let runs = 0;
    let ran: () => void = () => undefined;
    const timer = new ScheduleTimer(effectiveSchedule({ days: '0,1,2,3,4,5,6', times: '03:00' }, 'UTC', () => ''), {
      onRun: () => {
        runs++;
        ran();
      },
      onArmed: (next) => armed.push(iso(next)),
      now: () => now,
      maxWaitMs: 2,
    });
    const nextRun = () => new Promise<void>((resolve) => (ran = resolve));
    timer.start();
    assert.deepEqual(armed, ['2026-01-05T03:00:00.000Z']);
    let fired = nextRun();
    now = at('2026-01-05T03:00:01Z');
    await fired;
    assert.deepEqual([runs, iso(timer.next)], [1, '2026-01-06T03:00:00.000Z']);
    // asleep for three days: one run on waking, the next is ahead of the clock
    fired = nextRun();
    now = at('2026-01-09T04:00:00Z');
    await fired;
    assert.deepEqual([runs, iso(timer.next)], [2, '2026-01-10T03:00:00.000Z']);
    timer.stop();
    assert.equal(timer.next, null);
    assert.deepEqual(armed, ['2026-01-05T03:00:00.000Z', '2026-01-06T03:00:00.000Z', '2026-01-10T03:00:00.000Z']);
  });

  it('a schedule that never runs arms nothing', () => {
    const armed: (number | null)[] = [];
    const timer = new ScheduleTimer(effectiveSchedule({ days: '1', times: '08:00', overrideEnv: 'X' }, 'UTC', () => '0 0 31 2 *'), { onRun: () => assert.fail('ran'), onArmed: (n) => armed.push(n) });
    timer.start();
    assert.deepEqual(armed, [null]);
    timer.stop();
  });
});
