// One status vocabulary for every node of the pack: a state names what is going on,
// the state picks the colour and shape, and every text is cut at the same length.
import type { Node } from 'node-red';

/** The longest status text shown under a node (longer text ends in "…"). */
export const STATUS_MAX = 80;

const LOOK = {
  ready: ['grey', 'ring'], // deployed, waiting for a trigger
  idle: ['grey', 'dot'], // watching, nothing to do
  busy: ['blue', 'dot'], // a run is under way
  queued: ['blue', 'ring'], // a run waits for another
  ok: ['green', 'dot'], // the run ended well
  warn: ['yellow', 'dot'], // the run ended, something needs a look
  pending: ['yellow', 'ring'], // not configured yet, or retrying
  failed: ['red', 'dot'], // the run failed
  broken: ['red', 'ring'], // the node cannot work as set up
} as const;

export type StatusState = keyof typeof LOOK;

export function statusText(text: string): string {
  return text.length > STATUS_MAX ? `${text.slice(0, STATUS_MAX - 1)}…` : text;
}

/** Shows `text` in the look of `state`; a dry run shows as a ring (nothing was written). */
export function showStatus(node: Pick<Node, 'status'>, state: StatusState, text: string, opts: { dryRun?: boolean } = {}): void {
  const [fill, shape] = LOOK[state];
  node.status({ fill, shape: opts.dryRun ? 'ring' : shape, text: statusText(text) });
}

/**
 * Progress in the look of 'busy', at most every `everyMs`: a long run must not flood the
 * editor. A `last` one (the run's end is reached) shows at once.
 */
export function progressStatus(node: Pick<Node, 'status'>, everyMs = 250, now: () => number = Date.now): (text: string, last?: boolean) => void {
  let shown = 0;
  return (text, last = false) => {
    const t = now();
    if (t - shown < everyMs && !last) return;
    shown = t;
    showStatus(node, 'busy', text);
  };
}
