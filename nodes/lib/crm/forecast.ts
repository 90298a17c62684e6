// What a live run would do with the batch a dry-run just looked at: a first live run of
// a real office often has more contacts than "max per run", and the blast guard would
// refuse it; the dry-run says so beforehand.

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
