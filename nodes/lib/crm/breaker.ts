// The run-fault breaker: a refusal that is the run's fault (wrong endpoint, a setting
// the CRM rejects) must not mark the office's contacts `failed` for good. Until the CRM
// accepts one request, a permanent refusal is provisional: when the first `threshold`
// refusals are all the same (same status, or the same error body), or every request of
// the run still open was refused that way, the run stops and everything is released.
// One accepted request, or two different refusals, settles them as contact faults.

export const BREAKER_THRESHOLD = 3;

export class Breaker {
  private armed = true;
  private first: string | undefined;
  private count = 0;
  private readonly waiting = new Set<(trip: boolean) => void>();
  /** set when the breaker tripped: why */
  tripped: string | undefined;

  constructor(private readonly threshold: number) {}

  /** Refusals waiting for the verdict. */
  get pending(): number {
    return this.waiting.size;
  }

  /** The CRM accepted a request: refusals are about their contacts. */
  accepted(): void {
    this.disarm();
  }

  /**
   * A permanent refusal (`kind`: status or body class, `what`: words for the error).
   * Resolves true when the run must stop and this contact be released.
   */
  refused(kind: string, what: string): Promise<boolean> {
    if (this.tripped) return Promise.resolve(true);
    if (!this.armed) return Promise.resolve(false);
    if (this.first === undefined) this.first = kind;
    if (kind !== this.first) {
      this.disarm();
      return Promise.resolve(false);
    }
    this.count++;
    if (this.count >= this.threshold) {
      this.trip(`the first ${this.count} requests of the run were all refused with ${what}`);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiting.add(resolve));
  }

  /** Every request still open is a waiting refusal: nothing else can decide; the run is at fault. */
  settleIfStuck(open: number, what = 'the same refusal'): void {
    if (this.waiting.size > 0 && this.waiting.size >= open) this.trip(`every request of the run was refused with ${what}`);
  }

  /** The run stopped for another reason: waiting refusals are released, not failed. */
  trip(why: string): void {
    if (!this.tripped) this.tripped = why;
    this.armed = false;
    for (const w of this.waiting) w(true);
    this.waiting.clear();
  }

  private disarm(): void {
    if (!this.armed) return;
    this.armed = false;
    for (const w of this.waiting) w(false);
    this.waiting.clear();
  }
}
