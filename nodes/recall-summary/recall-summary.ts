// recall-summary: the end of a run. Turns the last message of a run (or a Catch
// node's error) into a run summary, a health-check ping and, on a daily trigger,
// the daily summary e-mail. Logic lives in nodes/lib/summary.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { readText } from '../kit/setting';
import { showStatus } from '../kit/status';
import { dateInZone } from '../lib/calendar/zone';
import { addRun, dailySummary, emptyTotals, type DailyTotals } from '../lib/summary/daily';
import { healthPingUrl, PING_TIMEOUT_MS } from '../lib/summary/health';
import { keepRun, markFailed, summarizeRun, type RunRecord, type RunSummary } from '../lib/summary/run-summary';
import type { OutcomeFigures } from '../lib/types';

interface SummaryDef extends NodeDef {
  office?: string;
  officeType?: string;
  healthUrl?: string;
  healthUrlType?: string;
  timeZone?: string;
  timeZoneType?: string;
}

export = function (RED: NodeAPI): void {
  function RecallSummary(this: Node, config: SummaryDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const ctx = node.context();
    /** runs reported lately: a run can reach Catch and still hand on its results */
    const recent = new Map<string, RunSummary>();
    const remember = (run: RunSummary) => {
      if (!run.runId) return;
      recent.delete(run.runId);
      recent.set(run.runId, run);
      if (recent.size > 100) recent.delete(recent.keys().next().value as string);
    };
    showStatus(node, 'ready', 'waiting for a run');

    node.on('input', async (msg: any, send, done) => {
      try {
        const office = await readText(RED, node, 'office', config.office, config.officeType, msg);
        const healthBase = await readText(RED, node, 'health-check URL', config.healthUrl, config.healthUrlType, msg);

        if (msg.topic === 'recall-status') {
          // a read of what this node keeps (the dashboard asks): no run is counted
          const status = { runs: (ctx.get('runs') as RunRecord[] | undefined) ?? [], outcomes: ctx.get('outcomes') ?? null, lastDaily: ctx.get('lastDaily') ?? null };
          send([{ topic: 'recall-status', payload: status }, null, null]);
          done();
          return;
        }

        if (msg.topic === 'daily-summary') {
          const totals: DailyTotals = (ctx.get('today') as DailyTotals | undefined) ?? emptyTotals(office);
          const day = dateInZone(new Date(), await readText(RED, node, 'time zone', config.timeZone, config.timeZoneType, msg));
          const mail = dailySummary({ ...totals, office: totals.office || office }, day, ctx.get('outcomes') as OutcomeFigures | undefined);
          ctx.set('today', emptyTotals(office));
          ctx.set('lastDaily', { day, subject: mail.subject, runs: totals.runs });
          send([null, null, { topic: mail.subject, payload: mail.html, plaintext: mail.text, totals }]);
          done();
          return;
        }

        let summary: RunSummary = summarizeRun({ recall: msg.recall, payload: msg.payload, error: msg.error, office });
        const earlier = summary.runId ? recent.get(summary.runId) : undefined;
        let again: 'error' | 'results' | false = false;
        if (earlier && !summary.ok) again = 'error';
        else if (earlier && !earlier.ok) {
          summary = markFailed(summary, earlier);
          again = 'results';
        }
        remember(summary);
        ctx.set('lastRun', summary);
        if (summary.outcomes) ctx.set('outcomes', summary.outcomes);
        ctx.set('runs', keepRun(ctx.get('runs') as RunRecord[] | undefined, summary));
        ctx.set('today', addRun((ctx.get('today') as DailyTotals | undefined) ?? emptyTotals(office), summary, again));

        let ping: object | null = null;
        const url = healthPingUrl(healthBase, summary.ok ? 'success' : 'fail');
        if (url) {
          ping = { url, method: 'POST', headers: { 'content-type': 'text/plain' }, payload: summary.text, topic: 'health-ping', requestTimeout: PING_TIMEOUT_MS, followRedirects: false };
        }

        const short = summary.ok
          ? `${summary.dryRun ? `${summary.delivery['dry-run']} would be sent` : `${summary.delivery.delivered} delivered`}${summary.delivery.failed ? `, ${summary.delivery.failed} failed` : ''}`
          : `failed: ${summary.error}`;
        // the time first: a long error is cut at its end
        showStatus(node, summary.ok ? 'ok' : 'failed', `${summary.at.slice(11, 16)} UTC: ${short}`);
        send([{ ...msg, topic: 'run-summary', payload: summary }, ping, null]);
        done();
      } catch (err) {
        showStatus(node, 'failed', (err as Error).message);
        done(err as Error);
      }
    });
  }
  RED.nodes.registerType('recall-summary', RecallSummary);
};
