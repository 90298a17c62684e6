// The blast guard: a live run refuses a batch that would take the office past "max per
// run" within the guard's window; a dry-run says beforehand what a live run would do
// (a first live run of a real office often has more contacts than "max per run").
import type { Item } from './presets';

/** The ledger's count of what the office was already sent (nodes/lib/ledger/api.ts `Ledger`). */
export interface SentCounter {
  /** messages of `office` sent since `sinceIso` plus those in flight in other runs */
  sentSince?(office: string, sinceIso: string, opts?: { runId?: string }): Promise<number>;
}

/** More contacts than maxPerRun to send for real: nothing was sent. */
export class BlastGuardError extends Error {
  constructor(readonly contacts: number, readonly maxPerRun: number, readonly released: number | undefined, readonly earlier = 0, windowText = '') {
    super(
      (earlier
        ? `blast guard: ${contacts} contacts to send after ${earlier} already sent or in flight in the last ${windowText}, more than "max per run" (${maxPerRun}); nothing was sent`
        : `blast guard: ${contacts} contacts to send, more than "max per run" (${maxPerRun}); nothing was sent`) +
        (released === undefined ? '' : `, ${released} reservations released`) +
        '. Raise "max per run" (RECALL_MAX_PER_RUN) if a batch this large is expected.',
    );
    this.name = 'BlastGuardError';
  }
}

/** The window in words: "hour", "12 hours". */
export function windowText(ms: number): string {
  const h = ms / 3_600_000;
  return h === 1 ? 'hour' : `${h} hours`;
}

/**
 * Messages already sent (or in flight in other runs) within the last `windowMs`, for the
 * office of the batch with the most of them. Without a window or a ledger that can tell, 0.
 */
export async function earlierInWindow(items: readonly Item[], ledger: SentCounter | undefined, windowMs: number, now: () => number, runId?: string): Promise<number> {
  if (!windowMs || !ledger?.sentSince || !items.length) return 0;
  const since = new Date(now() - windowMs).toISOString();
  const offices = [...new Set(items.map((i) => i.payload.office))];
  let most = 0;
  for (const office of offices) most = Math.max(most, await ledger.sentSince(office, since, { runId }));
  return most;
}

export interface LiveRunForecast {
  /** true when a live run would refuse this batch (blast guard) */
  wouldRefuse: boolean;
  /** contacts a live run would try to send */
  toSend: number;
  /** already sent or in flight within the guard's window (counted by a live run too) */
  earlier: number;
  maxPerRun: number;
  /** "a live run would refuse: 1,480 to send > max per run 500" */
  text: string;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * `earlier`: messages the office was already sent (or has in flight) within the blast
 * guard's window, which a live run counts too; `window` says how long, e.g. "12 hours".
 */
export function liveRunForecast(toSend: number, maxPerRun: number, earlier = 0, window = ''): LiveRunForecast {
  const wouldRefuse = toSend + earlier > maxPerRun;
  const before = earlier ? ` + ${count(earlier)} sent in the last ${window}` : '';
  const text = wouldRefuse
    ? `a live run would refuse: ${count(toSend)} to send${before} > max per run ${count(maxPerRun)}`
    : `a live run would send ${count(toSend)}${before ? ` (with ${count(earlier)} sent in the last ${window}, max per run ${count(maxPerRun)})` : ` (max per run ${count(maxPerRun)})`}`;
  return { wouldRefuse, toSend, earlier, maxPerRun, text };
}
