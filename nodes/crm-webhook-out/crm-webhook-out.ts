// crm-webhook-out: posts the reserved contacts to the CRM (nodes/lib/crm/sink.ts does
// the work, lib/crm/runs.ts keeps the node's runs). This adapter finds the endpoint and
// the ledger node, shows progress, and on a redeploy or stop lets the runs hand their
// outcome to the ledger at once.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { atDeploy, configNode } from '../kit/config-node';
import { recallOf, type RunMsg } from '../kit/run';
import { envTyped } from '../kit/setting';
import { progressStatus, showStatus } from '../kit/status';
import { resolveSink, type CrmEndpointProvider, type SinkInput } from '../lib/crm/config';
import { endStatus, progressDone, progressText, recordRun, startText, stoppedError } from '../lib/crm/run-report';
import { SinkRuns } from '../lib/crm/runs';
import type { LedgerProvider } from '../lib/ledger/api';
import type { RecallMeta } from '../lib/types';

interface SinkDef extends NodeDef, SinkInput {
  endpoint?: string;
  ledger?: string;
  /** typed inputs: 'bool' / 'num' (the value), 'env' (a variable's name); absent in older flows (text, `${VAR}` allowed) */
  dryRunType?: string;
  maxPerRunType?: string;
}

export = function (RED: NodeAPI): void {
  function CrmWebhookOut(this: Node, config: SinkDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const ownLedger = config.ledger ? (RED.nodes.getNode(config.ledger) as unknown as LedgerProvider | null) : null;
    const setup = atDeploy(node, () => {
      const settings = resolveSink({ ...config, dryRun: envTyped(RED, node, config.dryRun, config.dryRunType), maxPerRun: envTyped(RED, node, config.maxPerRun, config.maxPerRunType) });
      const endpoint = configNode<CrmEndpointProvider>(RED, config.endpoint, 'endpoint', 'crm-endpoint', 'resolved');
      if (endpoint.resolved.problem) throw new Error(endpoint.resolved.problem);
      return { settings, endpoint };
    }, ({ settings }) => (settings.dryRun ? 'ready (dry-run)' : 'ready'));
    const runs = new SinkRuns();

    /** The ledger node that reserved these keys (the gate's handshake, msg.recall.ledger), else the node's own. */
    function ledgerNode(recall: RecallMeta): LedgerProvider | undefined {
      const ref = recall.ledger;
      const provider = ref ? (RED.nodes.getNode(ref.node) as unknown as LedgerProvider | null) : ownLedger;
      if (ref && !provider) throw new Error(`msg.recall.ledger names ledger node ${ref.node}, which is not deployed`);
      return provider ?? undefined;
    }

    node.on('input', async (msg: RunMsg, send, done) => {
      try {
        if (setup.problem) throw new Error(setup.problem);
        if (runs.closing) throw new Error('the flow is stopping: run not started');
        const { settings, endpoint } = setup.value!;
        const recall = recallOf(msg);
        const dryRun = settings.dryRun || recall.dryRun === true;
        const provider = ledgerNode(recall);
        let checkpointFailed = false;
        const progress = progressStatus(node);
        showStatus(node, 'busy', startText(dryRun, Array.isArray(msg.payload) ? msg.payload.length : 0));
        const out = await runs.run(msg.payload, { ...settings, dryRun }, {
          endpoint: endpoint.resolved.endpoint,
          limiter: endpoint.limiter,
          client: endpoint.client,
          provider,
          handshake: recall.ledger,
          runId: recall.runId,
          onProgress: (s) => progress(progressText(s, checkpointFailed), progressDone(s)),
          onWarning: (m) => node.warn(m),
          onCheckpointFault: (m) => {
            node.warn(m);
            checkpointFailed = true;
          },
        });
        // stopped by close: the runs have given the outcome to the ledger
        if (!out) return done();
        const s = out.summary;
        recordRun(recall, s, dryRun);
        msg.payload = out.results;
        const end = endStatus(s, dryRun);
        showStatus(node, end.state, end.text, { dryRun });
        send(msg);
        done(stoppedError(s));
      } catch (err) {
        showStatus(node, 'failed', (err as Error).message);
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      void runs.close((m) => node.warn(m)).finally(() => done());
    });
  }
  RED.nodes.registerType('crm-webhook-out', CrmWebhookOut);
};
