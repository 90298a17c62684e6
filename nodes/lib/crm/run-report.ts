// What the sink node says about a run: its status texts while and after it runs, and
// the run's figures on msg.recall. Pure, so the texts are tested without Node-RED.
import { addCounts } from '../run';
import type { RecallMeta } from '../types';
import type { DeliveryStats } from './deliver';
import type { RunSummary } from './sink';

export function startText(dryRun: boolean, contacts: number): string {
  return dryRun ? `dry-run: ${contacts} contacts…` : `sending 0/${contacts}…`;
}

/** "sent 120/500, 3 retrying, 1 failed" during the run. */
export function progressText(s: DeliveryStats, checkpointFailed: boolean): string {
  const extra = [s.retrying ? `${s.retrying} retrying` : '', s.failed ? `${s.failed} failed` : ''].filter(Boolean).join(', ');
  return `sent ${s.delivered}/${s.contacts}${extra ? ', ' + extra : ''}${checkpointFailed ? ', checkpoint failed' : ''}`;
}

/** Every contact of the plan has its outcome: the last progress shows at once. */
export function progressDone(s: DeliveryStats): boolean {
  return s.delivered + s.failed + s.retry >= s.contacts;
}

/** The status after a run: 'failed' when it stopped, 'warn' when something needs a look. */
export function endStatus(s: RunSummary, dryRun: boolean): { state: 'ok' | 'warn' | 'failed'; text: string } {
  if (s.stopped) return { state: 'failed', text: `stopped: ${s.stopped}` };
  const refuse = s.liveRun?.wouldRefuse ? `; ${s.liveRun.text}` : '';
  const text = dryRun
    ? `dry-run: ${s['dry-run'].toLocaleString('en-US')} would be sent${s.failed ? `, ${s.failed} unsendable` : ''}${refuse}`
    : `sent ${s.delivered}/${s.contacts}${s.retry ? `, ${s.retry} retry next run` : ''}${s.failed ? `, ${s.failed} failed` : ''}`;
  const fault = s.checkpointFault ? '; checkpoint failed, commit gate retries' : '';
  return { state: s.failed || s.retry || fault || refuse ? 'warn' : 'ok', text: text + fault };
}

/** The error a stopped run ends with (to Catch). */
export function stoppedError(s: RunSummary): Error | undefined {
  return s.stopped ? new Error(`CRM run stopped: ${s.stopped}; ${s.retry} contacts released for the next run`) : undefined;
}

/** The run on msg.recall: dry-run or not, its counts, and its summary under the node's type. */
export function recordRun(recall: RecallMeta, s: RunSummary, dryRun: boolean): void {
  recall.dryRun = dryRun;
  addCounts(recall.counts, dryRun ? { 'dry-run': s['dry-run'] } : { delivered: s.delivered, failed: s.failed, retry: s.retry });
  recall['crm-webhook-out'] = s;
}
