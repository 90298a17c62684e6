// Thin-batch detector: a recall query that suddenly returns a fraction of its usual
// rows usually means a changed view, a wrong office database or a half-restored
// server, not a quiet week. Compares each run with the median of recent runs.

export interface ThinBatchResult {
  thin: boolean;
  /** median row count of the previous runs considered, when there were any */
  median?: number;
  /** the count below which a run is thin */
  threshold?: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export class ThinBatchDetector {
  private readonly history: number[] = [];

  /**
   * @param window how many recent runs make the median (>= 1)
   * @param fraction a run is thin below fraction * median (0 disables)
   * @param minHistory runs needed before judging (default: 1)
   */
  constructor(readonly window = 5, readonly fraction = 0.5, readonly minHistory = 1) {
    if (!Number.isInteger(window) || window < 1) throw new Error(`thin-batch window must be a whole number >= 1, got ${window}`);
    if (!(fraction >= 0 && fraction <= 1)) throw new Error(`thin-batch fraction must be from 0 to 1, got ${fraction}`);
  }

  /** Judges `rows` against the runs before it, then remembers it. */
  record(rows: number): ThinBatchResult {
    let result: ThinBatchResult = { thin: false };
    if (this.fraction > 0 && this.history.length >= this.minHistory) {
      const m = median(this.history);
      const threshold = this.fraction * m;
      result = { thin: rows < threshold, median: m, threshold };
    }
    this.history.push(rows);
    if (this.history.length > this.window) this.history.shift();
    return result;
  }

  get recent(): readonly number[] {
    return this.history;
  }
}
