// Never two runs at once: a trigger that arrives while a run is going is queued
// (runs after it) or dropped, as configured, and the caller is told which.

export type BusyMode = 'queue' | 'drop';

export type Admission = { state: 'started' } | { state: 'queued'; position: number } | { state: 'dropped' };

interface Pending {
  task: () => Promise<void>;
  cancel: (reason: string) => void;
}

export class RunSerializer {
  private running = false;
  private readonly waiting: Pending[] = [];
  private idleWaiters: Array<() => void> = [];

  constructor(readonly mode: BusyMode = 'queue', readonly maxQueue = 20) {}

  get busy(): boolean {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Starts `task` now, or queues it, or drops it. `cancel` is called instead of
   * the task when a queued run is discarded (node closing).
   */
  submit(task: () => Promise<void>, cancel: (reason: string) => void): Admission {
    if (!this.running) {
      this.start({ task, cancel });
      return { state: 'started' };
    }
    if (this.mode === 'drop' || this.waiting.length >= this.maxQueue) return { state: 'dropped' };
    this.waiting.push({ task, cancel });
    return { state: 'queued', position: this.waiting.length };
  }

  /** Discards queued runs (each told why) and resolves when the current run ends. */
  drain(reason: string): Promise<void> {
    for (const p of this.waiting.splice(0)) p.cancel(reason);
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private start(p: Pending): void {
    this.running = true;
    void p
      .task()
      .catch(() => undefined) // the task reports its own errors
      .finally(() => {
        const next = this.waiting.shift();
        if (next) return this.start(next);
        this.running = false;
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      });
  }
}
