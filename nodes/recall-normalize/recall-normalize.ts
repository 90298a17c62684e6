// recall-normalize: raw rows -> RecallContact[] in a recall segment (output 1),
// rows left out with `invalid` or `not-due` (output 2). Logic: nodes/lib/normalize.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { normalizeSettings, runEdges, type NormalizeConfigInput, type NormalizeSettings } from '../lib/normalize/config';
import { presetSource } from '../lib/normalize/mapping';
import { normalizeRows } from '../lib/normalize/normalize';
import { machineZone } from '../lib/calendar/zone';
import { addCounts, countsText, newRunMeta } from '../lib/run';
import { typedSetting } from '../lib/settings';
import type { RecallMeta, SourceKind } from '../lib/types';

interface NormalizeDef extends NodeDef, NormalizeConfigInput {
  asOf?: string;
  asOfType?: string;
}

type Msg = NodeMessage & { recall?: RecallMeta };

export = function (RED: NodeAPI): void {
  function RecallNormalize(this: Node, config: NormalizeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    let settings: NormalizeSettings | undefined;
    let problem: string | undefined;
    try {
      settings = normalizeSettings(config);
      node.status({ fill: 'grey', shape: 'ring', text: `${settings.preset}, ready` });
    } catch (e) {
      problem = (e as Error).message;
      node.status({ fill: 'red', shape: 'ring', text: 'configuration error' });
      node.error(problem);
    }

    // the raw value (text, Date, number): the calendar module reads it, as dentrix-odbc-in's
    const fixedAsOf = (msg: Msg): Promise<unknown> =>
      new Promise((resolve, reject) => {
        RED.util.evaluateNodeProperty(config.asOf ?? '', config.asOfType || 'str', node, msg, (err: Error | null, value: unknown) => {
          if (err) reject(new Error(`setting "as of": ${err.message}`));
          // a Date or a number goes to the calendar module as it is; text from a message is not env-expanded
          else resolve(value instanceof Date || typeof value === 'number' ? value : typedSetting(value, config.asOfType));
        });
      });

    node.on('input', async (msg: Msg, send, done) => {
      try {
        if (!settings) throw new Error(`recall-normalize is misconfigured: ${problem}`);
        if (!Array.isArray(msg.payload)) throw new Error('msg.payload must be an array of rows (one message per run)');
        const office = settings.office || (typeof msg.recall?.office === 'string' ? msg.recall.office : '');
        if (!office) throw new Error('no office code: set the node\'s "office" (e.g. ${OFFICE_CODE}) or msg.recall.office');
        const edges = runEdges(settings, await fixedAsOf(msg));
        const source: SourceKind = msg.recall?.source === 'export' || msg.recall?.source === 'odbc' ? msg.recall.source : presetSource(settings.preset);
        const recall: RecallMeta = msg.recall && typeof msg.recall === 'object' ? msg.recall : newRunMeta(source, office);
        if (!recall.counts || typeof recall.counts !== 'object') recall.counts = {};
        if (!recall.office) recall.office = office;

        const result = normalizeRows(msg.payload, {
          mapping: settings.mapping,
          office,
          source,
          region: settings.region,
          timeZone: settings.timeZone || machineZone(),
          edges,
          segments: settings.segments,
          usePreferredName: settings.usePreferredName,
        });
        recall.asOf = edges.asOf;
        addCounts(recall.counts, result.counts);
        recall['recall-normalize'] = { ...result.summary, edges };
        msg.recall = recall;

        let skippedMsg: Msg | null = null;
        if (result.skipped.length > 0) {
          // deep-copy everything but the input rows (replaced anyway; cloning 100k rows cost ~0.3 s)
          skippedMsg = RED.util.cloneMessage({ ...msg, payload: null });
          skippedMsg.payload = result.skipped;
        }
        msg.payload = result.selected;
        const left = countsText(result.counts);
        node.status({ fill: 'green', shape: 'dot', text: `as of ${edges.asOf}: ${result.selected.length} selected${left ? `, ${left}` : ''}` });
        send([msg, skippedMsg]);
        done();
      } catch (e) {
        node.status({ fill: 'red', shape: 'dot', text: (e as Error).message.slice(0, 60) });
        done(e as Error);
      }
    });
  }
  RED.nodes.registerType('recall-normalize', RecallNormalize);
};
