// crm-webhook-out: posts the reserved contacts to the CRM (nodes/lib/crm/sink.ts does
// the work). This adapter finds the endpoint and the ledger, shows progress, and on
// a redeploy or stop aborts the run and hands its outcome to the ledger at once.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { atDeploy, configNode } from '../kit/config-node';
import { recallOf, type RunMsg } from '../kit/run';
import { readAtDeploy } from '../kit/setting';
import { showStatus } from '../kit/status';
import { resolveSink, type CrmEndpointProvider, type SinkInput } from '../lib/crm/config';
import type { DeliveryStats } from '../lib/crm/deliver';
import { SinkRun, type SinkOutput } from '../lib/crm/sink';
import type { Ledger, LedgerProvider } from '../lib/ledger/api';
import type { Hmac } from '../lib/ledger/keys';
import { addCounts } from '../lib/run';
import type { RecallMeta } from '../lib/types';

interface SinkDef extends NodeDef, SinkInput {
  endpoint?: string;
  ledger?: string;
  /** typed inputs: 'bool' / 'num' (the value), 'env' (a variable's name); absent in older flows (text, `${VAR}` allowed) */
  dryRunType?: string;
  maxPerRunType?: string;
}

interface Active {
  run: SinkRun;
  abort: AbortController;
  ledger?: Ledger;
  runId: string;
  finished: Promise<unknown>;
}

/** Status updates at most this often: a 500-contact run must not flood the editor. */
const STATUS_EVERY_MS = 250;

export = function (RED: NodeAPI): void {
  function CrmWebhookOut(this: Node, config: SinkDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const ownLedger = config.ledger ? (RED.nodes.getNode(config.ledger) as unknown as LedgerProvider | null) : null;
    /** A typed input's text for resolveSink: an env one read as the node sees it (its tab first). */
    // (a value that is not a variable name is text: Node-RED may have substituted an old `${VAR}` already)
    const typed = (value: unknown, type: string | undefined): unknown =>
      type === 'env' && /^[A-Za-z_]\w*$/.test(String(value)) ? readAtDeploy(RED, node, String(value), 'env') : value;
    const setup = atDeploy(node, () => {
      const settings = resolveSink({ ...config, dryRun: typed(config.dryRun, config.dryRunType), maxPerRun: typed(config.maxPerRun, config.maxPerRunType) });
      const endpoint = configNode<CrmEndpointProvider>(RED, config.endpoint, 'endpoint', 'crm-endpoint', 'resolved');
      if (endpoint.resolved.problem) throw new Error(endpoint.resolved.problem);
      return { settings, endpoint };
    }, ({ settings }) => (settings.dryRun ? 'ready (dry-run)' : 'ready'));
    const problem = setup.problem;
    const { settings, endpoint } = setup.value ?? {};

    const active = new Set<Active>();
    let closing = false;

    /** The ledger that reserved these keys (the gate's handshake, msg.recall.ledger), else the node's own. */
    async function findLedger(recall: RecallMeta, dryRun: boolean): Promise<{ ledger?: Ledger; hmac?: Hmac }> {
      const ref = recall.ledger;
      const provider = ref ? (RED.nodes.getNode(ref.node) as unknown as LedgerProvider | null) : ownLedger;
      if (ref && !provider) throw new Error(`msg.recall.ledger names ledger node ${ref.node}, which is not deployed`);
      if (!provider) return {};
      try {
        const ledger = await provider.ledger();
        return { ledger, hmac: ledger.hmac };
      } catch (err) {
        // a dry-run can still show its payloads: the ledger node keys them without its file
        if (dryRun && provider.hmac) return { hmac: provider.hmac };
        throw err;
      }
    }

    node.on('input', async (msg: RunMsg, send, done) => {
      let entry: Active | undefined;
      try {
        if (problem) throw new Error(problem);
        if (closing) throw new Error('the flow is stopping: run not started');
        const recall = recallOf(msg);
        const dryRun = settings!.dryRun || recall.dryRun === true;
        const found = await findLedger(recall, dryRun);
        const { ledger } = found;
        // needed only when there is a contact to key (an empty run needs no ledger)
        const hmac: Hmac = found.hmac ?? (() => {
          throw new Error("no ledger for contactKey: set the sink's ledger, or put idempotency-gate (reserve) before it");
        });
        const ref = recall.ledger;
        const leaseMs = ref?.leaseMs || undefined;
        // the gate reserved these keys for real in that ledger: mark deliveries sent as they happen
        let cpFault = '';
        const onFault = (m: string) => {
          node.warn(m);
          cpFault = ', checkpoint failed';
        };
        const checkpoint = !dryRun && ledger && ref?.node && ref.leaseUntil ? { ledger, onFault } : undefined;
        const abort = new AbortController();
        const total = Array.isArray(msg.payload) ? msg.payload.length : 0;
        showStatus(node, 'busy', dryRun ? `dry-run: ${total} contacts…` : `sending 0/${total}…`);
        let lastStatus = 0;
        const progress = (s: DeliveryStats) => {
          const now = Date.now();
          if (now - lastStatus < STATUS_EVERY_MS && s.delivered + s.failed + s.retry < s.contacts) return;
          lastStatus = now;
          const extra = [s.retrying ? `${s.retrying} retrying` : '', s.failed ? `${s.failed} failed` : ''].filter(Boolean).join(', ');
          showStatus(node, 'busy', `sent ${s.delivered}/${s.contacts}${extra ? ', ' + extra : ''}${cpFault}`);
        };
        const run = new SinkRun(msg.payload, { ...settings!, dryRun }, {
          endpoint: endpoint!.resolved.endpoint,
          hmac,
          ledger: dryRun ? undefined : ledger,
          forecastLedger: dryRun ? ledger : undefined,
          leaseMs,
          runId: recall.runId,
          checkpoint,
          limiter: endpoint!.limiter,
          client: endpoint!.client,
          signal: abort.signal,
          onProgress: progress,
          onWarning: (m) => node.warn(m),
        });
        const finished = run.run();
        entry = { run, abort, ledger: dryRun ? undefined : ledger, runId: recall.runId, finished: finished.catch(() => undefined) };
        active.add(entry);
        const out: SinkOutput = await finished;
        active.delete(entry);
        if (abort.signal.aborted) {
          // stopped by close: the close handler has given the outcome to the ledger
          done();
          return;
        }
        const s = out.summary;
        if (dryRun && ledger && ref?.leaseUntil) {
          // the gate reserved for real but this node was set to dry-run: give the keys back now
          await ledger.release(out.results.map((r) => r.key).filter(Boolean), { runId: recall.runId });
        }
        recall.dryRun = dryRun;
        addCounts(recall.counts, dryRun ? { 'dry-run': s['dry-run'] } : { delivered: s.delivered, failed: s.failed, retry: s.retry });
        recall['crm-webhook-out'] = s;
        msg.payload = out.results;
        const refuse = s.liveRun?.wouldRefuse ? `; ${s.liveRun.text}` : '';
        const text = dryRun
          ? `dry-run: ${s['dry-run'].toLocaleString('en-US')} would be sent${s.failed ? `, ${s.failed} unsendable` : ''}${refuse}`
          : `sent ${s.delivered}/${s.contacts}${s.retry ? `, ${s.retry} retry next run` : ''}${s.failed ? `, ${s.failed} failed` : ''}`;
        const fault = s.checkpointFault ? '; checkpoint failed, commit gate retries' : '';
        showStatus(node, s.stopped ? 'failed' : s.failed || s.retry || fault || refuse ? 'warn' : 'ok', s.stopped ? `stopped: ${s.stopped}` : text + fault, { dryRun });
        send(msg);
        if (s.stopped) done(new Error(`CRM run stopped: ${s.stopped}; ${s.retry} contacts released for the next run`));
        else done();
      } catch (err) {
        if (entry) active.delete(entry);
        showStatus(node, 'failed', (err as Error).message);
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      const waits: Promise<unknown>[] = [];
      for (const a of active) {
        a.abort.abort();
        // issued synchronously, so it is queued before the ledger node closes its file
        const results = a.run.snapshot();
        if (a.ledger && results.length) {
          waits.push(a.ledger.commit(results, { runId: a.runId }).catch((err: Error) => node.warn(`could not release unsent contacts: ${err.message}`)));
        }
        waits.push(a.finished);
      }
      active.clear();
      Promise.all(waits).finally(() => done());
    });
  }
  RED.nodes.registerType('crm-webhook-out', CrmWebhookOut);
};
