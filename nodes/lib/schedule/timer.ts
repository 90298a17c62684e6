// One timer for a schedule: waits for each run in the office's time zone and fires it.
// A long wait is taken in steps, so a clock change or a sleeping machine is noticed;
// runs missed while the machine slept are not caught up (one run, then the next ahead).
import type { EffectiveSchedule } from './config';
import { nextRun } from './schedule';

/** The longest single wait. */
export const MAX_WAIT_MS = 15 * 60_000;

export interface TimerOptions {
  /** a run is due */
  onRun: () => void;
  /** the next run was computed (null: the schedule never runs) */
  onArmed: (next: number | null) => void;
  now?: () => number;
  maxWaitMs?: number;
}

export class ScheduleTimer {
  /** the next run (epoch ms), null when none or stopped */
  next: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly effective: EffectiveSchedule, private readonly opts: TimerOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.arm(this.now());
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.next = null;
  }

  private arm(after: number): void {
    this.next = nextRun(this.effective.schedule, after, this.effective.timeZone);
    this.opts.onArmed(this.next);
    this.wait();
  }

  private wait(): void {
    if (this.next === null) return;
    this.timer = setTimeout(() => this.tick(), Math.min(Math.max(this.next - this.now(), 0), this.opts.maxWaitMs ?? MAX_WAIT_MS));
  }

  private tick(): void {
    this.timer = undefined;
    if (this.next === null) return;
    const now = this.now();
    if (now < this.next) return this.wait();
    this.opts.onRun();
    this.arm(Math.max(this.next, now));
  }
}
