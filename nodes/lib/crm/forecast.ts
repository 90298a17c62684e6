// What a live run would do with the batch a dry-run just looked at: a first live run of
// a real office often has more contacts than "max per run", and the blast guard would
// refuse it; the dry-run says so beforehand.

export interface LiveRunForecast {
  /** true when a live run would refuse this batch (blast guard) */
  wouldRefuse: boolean;
  /** contacts a live run would try to send */
  toSend: number;
  maxPerRun: number;
  /** "a live run would refuse: 1,480 to send > max per run 500" */
  text: string;
}

const count = (n: number) => n.toLocaleString('en-US');

export function liveRunForecast(toSend: number, maxPerRun: number): LiveRunForecast {
  const wouldRefuse = toSend > maxPerRun;
  const text = wouldRefuse
    ? `a live run would refuse: ${count(toSend)} to send > max per run ${count(maxPerRun)}`
    : `a live run would send ${count(toSend)} (max per run ${count(maxPerRun)})`;
  return { wouldRefuse, toSend, maxPerRun, text };
}
