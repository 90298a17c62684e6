// What a benchmark is: a title, the figures it reports (with goals), and a run()
// that executes inside its own child process (so peak RSS is its own).

export interface CaseContext {
  /** BENCH_QUICK=1: small sizes, one repeat (a smoke run, not figures to quote) */
  quick: boolean;
  /** 0-based repeat number (a different data seed per repeat where it matters) */
  repeat: number;
  /** a temp folder shared by every child of this bench run (data caches) */
  workDir: string;
  /** progress to stderr (never patient-like data) */
  log(text: string): void;
}

export type Figures = Record<string, number>;

export interface CaseResult {
  figures: Figures;
  /** one-line facts about the run, shown under the table (sizes, settings) */
  notes?: string[];
}

/** Thrown when a module the benchmark needs has not landed (or does not work yet). */
export class NotMeasured extends Error {}

export interface Goal {
  op: '>=' | '<' | '<=';
  value: number;
  /** as printed in the goal column */
  text: string;
}

export interface Row {
  /** key in CaseResult.figures; `maxRssMb` is filled in by the child harness */
  key: string;
  figure: string;
  unit: string;
  goal?: Goal;
}

export interface BenchCase {
  name: string;
  title(quick: boolean): string;
  repeats(quick: boolean): number;
  /** per child; the parent kills a child that takes longer */
  timeoutMs: number;
  rows: Row[];
  /** runs once in its own child before the timed repeats (builds cached data) */
  prepare?(ctx: CaseContext): Promise<void>;
  run(ctx: CaseContext): Promise<CaseResult>;
}

export const quickOr = <T>(quick: boolean, small: T, full: T): T => (quick ? small : full);
