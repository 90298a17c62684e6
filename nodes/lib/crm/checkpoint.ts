// Checkpoints delivered keys into the ledger while a run goes on, so a process killed
// mid-run (crash, power cut, kill -9) re-sends at most what was in flight plus one
// unwritten batch, instead of everything it delivered. Only 2xx results are written;
// failed and retry results stay for the commit gate. A failed write loses nothing:
// the results still go out for the commit gate, which tries again.
import type { DeliveryResult } from '../types';

/** The ledger call the checkpoint uses (nodes/lib/ledger/api.ts `Ledger.commit`). */
export interface CheckpointLedger {
  commit(results: readonly DeliveryResult[], opts?: { runId?: string }): Promise<unknown>;
}

export interface CheckpointOptions {
  ledger: CheckpointLedger;
  runId?: string;
  /** write when this many delivered keys wait */
  every: number;
  /**
   * The most requests of this run in flight at once (the endpoint's concurrency).
   * A kill re-sends what is in flight plus what is delivered but not on disk; that
   * sum is held below `inFlightMax + every - 1`, the bound of a sink that stops
   * sending whenever `every` keys wait, but without stopping every send for the
   * length of an fsync while few requests are in flight. Default 1.
   */
  inFlightMax?: number;
  /** or when the oldest waiting key has waited this long */
  maxWaitMs: number;
  /** the first failed write (the run goes on; checkpointing stops for this run) */
  onFault?: (message: string) => void;
}

export class Checkpoint {
  private pending: DeliveryResult[] = [];
  /** the batch being written */
  private writing = 0;
  private flight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  /** keys written as `sent` so far */
  written = 0;
  fault: string | undefined;
  private closed = false;

  constructor(private readonly opts: CheckpointOptions) {
    if (!(opts.every >= 1)) throw new Error('checkpoint batch must be at least 1');
  }

  /** A contact the CRM confirmed (2xx); anything else is refused. */
  delivered(result: DeliveryResult): void {
    if (result.outcome !== 'delivered') throw new Error(`checkpoint: ${result.outcome} is not a delivery`);
    if (this.fault) return;
    this.pending.push(result);
    if (this.pending.length >= this.opts.every) this.kick();
    else this.later();
  }

  /**
   * Resolves when another request may start: the requests in flight (`inFlight`,
   * not counting this one) plus the delivered keys not yet on disk stay below
   * `inFlightMax + every - 1`. This bounds what a kill can make the next run send
   * again. Never rejects; resolves at once when the signal is aborted or after a fault.
   */
  async room(signal?: AbortSignal, inFlight: () => number = () => 0): Promise<void> {
    const budget = (this.opts.inFlightMax ?? 1) + this.opts.every - 1;
    // a request ending moves a key from in flight to not on disk: only a write frees room
    while (!this.fault && !signal?.aborted && this.pending.length + this.writing + inFlight() >= budget) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  /** Writes what is left (end of the run); never rejects. */
  async flush(): Promise<void> {
    while (!this.fault && (this.flight || this.pending.length)) {
      this.kick();
      await this.flight;
    }
    this.stop();
  }

  /** No more writes started by a timer (the run is over or stopped). */
  stop(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private later(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => this.kick(), this.opts.maxWaitMs);
    this.timer.unref?.();
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flight || this.fault || !this.pending.length) return;
    const results = this.pending;
    this.pending = [];
    this.writing = results.length;
    this.flight = this.opts.ledger.commit(results, { runId: this.opts.runId }).then(
      () => {
        this.written += results.length;
      },
      (err: Error) => {
        // the keys stay in the run's results: the commit gate writes them
        this.fault = err.message;
        this.pending = [];
        this.opts.onFault?.(`checkpoint of ${results.length} delivered contacts failed (the commit gate will record them): ${err.message}`);
      },
    ).finally(() => {
      this.writing = 0;
      this.flight = undefined;
      for (const wake of this.waiters.splice(0)) wake();
      if (this.pending.length >= this.opts.every) this.kick();
      else if (this.pending.length) this.later();
    });
  }
}
