// The sink node's words about a run: progress, end status, the stop error, msg.recall.
import { strict as assert } from 'node:assert';
import type { DeliveryStats } from '../../../nodes/lib/crm/deliver';
import { endStatus, progressDone, progressText, recordRun, startText, stoppedError } from '../../../nodes/lib/crm/run-report';
import type { RunSummary } from '../../../nodes/lib/crm/sink';
import { newRunMeta } from '../../../nodes/lib/run';

const stats = (s: Partial<DeliveryStats>): DeliveryStats => ({ contacts: 10, delivered: 0, failed: 0, retry: 0, retrying: 0, requests: 0, http429: 0, retries: 0, splits: 0, ...s });
const summary = (s: Partial<RunSummary>): RunSummary => ({
  dryRun: false, preset: 'generic', endpoint: 'https://crm.example.com/hook', contacts: 10, delivered: 10, failed: 0, retry: 0, unsendable: 0,
  'dry-run': 0, requests: 10, retries: 0, http429: 0, durationMs: 5, renewals: 0, checkpointed: 0, ...s,
});

describe('crm run report', () => {
  it('says how far a run is', () => {
    assert.equal(startText(false, 12), 'sending 0/12…');
    assert.equal(startText(true, 12), 'dry-run: 12 contacts…');
    assert.equal(progressText(stats({ delivered: 4 }), false), 'sent 4/10');
    assert.equal(progressText(stats({ delivered: 4, retrying: 2, failed: 1 }), true), 'sent 4/10, 2 retrying, 1 failed, checkpoint failed');
    assert.equal(progressDone(stats({ delivered: 8, failed: 1 })), false);
    assert.equal(progressDone(stats({ delivered: 8, failed: 1, retry: 1 })), true);
  });

  it('ends green, yellow when something needs a look, red when stopped', () => {
    assert.deepEqual(endStatus(summary({}), false), { state: 'ok', text: 'sent 10/10' });
    assert.deepEqual(endStatus(summary({ delivered: 7, retry: 2, failed: 1 }), false), { state: 'warn', text: 'sent 7/10, 2 retry next run, 1 failed' });
    assert.deepEqual(endStatus(summary({ checkpointFault: 'disk' }), false), { state: 'warn', text: 'sent 10/10; checkpoint failed, commit gate retries' });
    assert.deepEqual(endStatus(summary({ stopped: 'HTTP 401' }), false), { state: 'failed', text: 'stopped: HTTP 401' });
    const liveRun = { wouldRefuse: true, toSend: 1480, earlier: 0, maxPerRun: 500, text: 'a live run would refuse: 1,480 to send > max per run 500' };
    assert.deepEqual(endStatus(summary({ 'dry-run': 1480, liveRun }), true), { state: 'warn', text: 'dry-run: 1,480 would be sent; a live run would refuse: 1,480 to send > max per run 500' });
    assert.deepEqual(endStatus(summary({ 'dry-run': 9, failed: 1 }), true), { state: 'warn', text: 'dry-run: 9 would be sent, 1 unsendable' });
  });

  it('a stopped run ends in an error that says how many go next run', () => {
    assert.equal(stoppedError(summary({})), undefined);
    assert.equal(stoppedError(summary({ stopped: 'node stopped (redeploy or shutdown)', retry: 4 }))!.message, 'CRM run stopped: node stopped (redeploy or shutdown); 4 contacts released for the next run');
  });

  it('puts the run on msg.recall: its counts and its summary under the node type', () => {
    const recall = newRunMeta('odbc', 'OFF1');
    recordRun(recall, summary({ delivered: 8, failed: 1, retry: 1 }), false);
    assert.deepEqual([recall.dryRun, recall.counts], [false, { delivered: 8, failed: 1, retry: 1 }]);
    assert.equal(recall['crm-webhook-out']!.delivered, 8);
    const dry = newRunMeta('odbc', 'OFF1');
    recordRun(dry, summary({ 'dry-run': 10 }), true);
    assert.deepEqual([dry.dryRun, dry.counts], [true, { 'dry-run': 10 }]);
  });
});
