// consent-filter: drops every patient and channel that must not be contacted
// (docs/recall-rules.md). Output 1 contactable contacts (channels trimmed), output 2 the rest,
// each with one reason. Logic: nodes/lib/consent.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { resolveConsent, type ConsentConfig, type ConsentSettings } from '../lib/consent/config';
import { checkPullUrl } from '../lib/consent/pull';
import { runConsent } from '../lib/consent/run';
import type { LedgerProvider } from '../lib/ledger/api';
import { addCounts, countsText } from '../lib/run';
import { typedSetting } from '../lib/settings';
import type { RecallMeta } from '../lib/types';

type ConsentDef = NodeDef & ConsentConfig & { ledger?: string; url?: string; urlType?: string };

type Msg = NodeMessage & { recall?: RecallMeta; suppress?: unknown };

export = function (RED: NodeAPI): void {
  function ConsentFilter(this: Node<{ token?: string }>, config: ConsentDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let problem: string | undefined;
    let settings: ConsentSettings | undefined;
    const provider = config.ledger ? (RED.nodes.getNode(config.ledger) as unknown as LedgerProvider | null) : null;
    try {
      if (!provider || typeof provider.ledger !== 'function') throw new Error('setting "ledger": choose a recall-ledger (the suppression list lives in it)');
      if (provider.problem) throw new Error(provider.problem);
      settings = resolveConsent(config, node.credentials ?? {});
      node.status({ fill: 'grey', shape: 'ring', text: 'ready' });
    } catch (e) {
      problem = (e as Error).message;
      settings = undefined;
      node.status({ fill: 'red', shape: 'ring', text: 'configuration error' });
      node.error(problem);
    }

    const pullUrl = (msg: Msg): Promise<string> =>
      new Promise((resolve, reject) => {
        RED.util.evaluateNodeProperty(config.url ?? '', config.urlType || 'str', node, msg, (err: Error | null, value: unknown) => {
          if (err) reject(new Error(`setting "suppression URL": ${err.message}`));
          else resolve(typedSetting(value, config.urlType));
        });
      });

    node.on('input', async (msg: Msg, send, done) => {
      try {
        if (!settings || !provider) throw new Error(`consent-filter is misconfigured: ${problem}`);
        if (!Array.isArray(msg.payload)) throw new Error('msg.payload must be an array of RecallContact (one message per run)');
        const url = await pullUrl(msg);
        if (url) checkPullUrl(url, settings.allowHttp);
        node.status({ fill: 'blue', shape: 'dot', text: url ? 'pulling suppressions…' : 'reading suppressions…' });
        const ledger = await provider.ledger();
        const result = await runConsent({
          contacts: msg.payload,
          suppress: msg.suppress,
          ledger,
          region: settings.region,
          pullUrl: url,
          pullTimeoutMs: settings.timeoutMs,
          pullToken: settings.token || undefined,
          allowHttp: settings.allowHttp,
          continueOnPullFailure: settings.continueOnPullFailure,
          rules: { noVoiceMask: settings.noVoiceMask, noTextMask: settings.noTextMask },
          warn: (text) => node.warn(text),
        });
        const recall = (msg.recall && typeof msg.recall === 'object' ? msg.recall : {}) as RecallMeta;
        if (!recall.counts || typeof recall.counts !== 'object') recall.counts = {};
        addCounts(recall.counts, result.counts);
        recall['consent-filter'] = result.summary;
        msg.recall = recall; // dryRun, when set upstream, passes through unchanged
        delete msg.suppress; // stored in the ledger now; later nodes must not add it again

        let suppressedMsg: Msg | null = null;
        if (result.suppressed.length > 0) {
          // deep-copy everything but the input contacts (replaced anyway; cloning them cost ~0.3 s)
          suppressedMsg = RED.util.cloneMessage({ ...msg, payload: null });
          suppressedMsg.payload = result.suppressed;
        }
        msg.payload = result.contactable;
        const left = countsText(result.counts);
        const bad = result.summary.badEntries;
        const warnText = `${result.summary.pullFailed ? ' (pull FAILED, stored list used)' : ''}${bad > 0 ? ` (${bad} suppression entries unusable)` : ''}`;
        node.status({
          fill: result.summary.pullFailed || result.summary.badEntries > 0 ? 'yellow' : 'green',
          shape: 'dot',
          text: `${result.contactable.length} contactable${left ? `, ${left}` : ''}${warnText}`,
        });
        send([msg, suppressedMsg]);
        done();
      } catch (e) {
        node.status({ fill: 'red', shape: 'dot', text: (e as Error).message.slice(0, 60) });
        done(e as Error);
      }
    });
  }
  RED.nodes.registerType('consent-filter', ConsentFilter as unknown as (this: Node, config: NodeDef) => void, {
    credentials: { token: { type: 'password' } },
  });
};
