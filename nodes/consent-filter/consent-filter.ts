// consent-filter: drops every patient and channel that must not be contacted
// (docs/recall-rules.md). Output 1 contactable contacts (channels trimmed), output 2 the rest,
// each with one reason. Logic: nodes/lib/consent.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { atDeploy, configNode } from '../kit/config-node';
import { recallOf, sendSplit, type RunMsg } from '../kit/run';
import { readText } from '../kit/setting';
import { showStatus } from '../kit/status';
import { resolveConsent, type ConsentConfig } from '../lib/consent/config';
import { checkPullUrl } from '../lib/consent/pull';
import { runConsent } from '../lib/consent/run';
import type { LedgerProvider } from '../lib/ledger/api';
import { addCounts, countsText } from '../lib/run';

type ConsentDef = NodeDef & ConsentConfig & { ledger?: string; url?: string; urlType?: string };

export = function (RED: NodeAPI): void {
  function ConsentFilter(this: Node<{ token?: string }>, config: ConsentDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const setup = atDeploy(node, () => ({
      // the suppression list lives in the ledger
      provider: configNode<LedgerProvider>(RED, config.ledger, 'ledger', 'recall-ledger', 'ledger'),
      settings: resolveConsent(config, node.credentials ?? {}),
    }));

    node.on('input', async (msg: RunMsg & { suppress?: unknown }, send, done) => {
      try {
        if (setup.problem) throw new Error(`consent-filter is misconfigured: ${setup.problem}`);
        const { provider, settings } = setup.value!;
        if (!Array.isArray(msg.payload)) throw new Error('msg.payload must be an array of RecallContact (one message per run)');
        const url = await readText(RED, node, 'suppression URL', config.url, config.urlType, msg);
        if (url) checkPullUrl(url, settings.allowHttp);
        showStatus(node, 'busy', url ? 'pulling suppressions…' : 'reading suppressions…');
        const result = await runConsent({
          contacts: msg.payload,
          suppress: msg.suppress,
          ledger: await provider.ledger(),
          region: settings.region,
          pullUrl: url,
          pullTimeoutMs: settings.timeoutMs,
          pullToken: settings.token || undefined,
          allowHttp: settings.allowHttp,
          continueOnPullFailure: settings.continueOnPullFailure,
          rules: { noVoiceMask: settings.noVoiceMask, noTextMask: settings.noTextMask },
          warn: (text) => node.warn(text),
        });
        const recall = recallOf(msg); // dryRun, when set upstream, passes through unchanged
        addCounts(recall.counts, result.counts);
        recall['consent-filter'] = result.summary;
        delete msg.suppress; // stored in the ledger now; later nodes must not add it again

        const { pullFailed, badEntries } = result.summary;
        const left = countsText(result.counts); // after the warning: a long status is cut at its end
        const warnText = `${pullFailed ? ' (pull FAILED, stored list used)' : ''}${badEntries > 0 ? ` (${badEntries} suppression entries unusable)` : ''}`;
        showStatus(node, pullFailed || badEntries > 0 ? 'warn' : 'ok', `${result.contactable.length} contactable${warnText}${left ? `, ${left}` : ''}`);
        sendSplit(RED, send, msg, result.contactable, result.suppressed);
        done();
      } catch (e) {
        showStatus(node, 'failed', (e as Error).message);
        done(e as Error);
      }
    });
  }
  RED.nodes.registerType('consent-filter', ConsentFilter as unknown as (this: Node, config: NodeDef) => void, {
    credentials: { token: { type: 'password' } },
  });
};
