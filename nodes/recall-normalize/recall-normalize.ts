// recall-normalize: raw rows -> RecallContact[] in a recall segment (output 1),
// rows left out with `invalid` or `not-due` (output 2). Logic: nodes/lib/normalize.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { atDeploy } from '../kit/config-node';
import { recallOf, sendSplit, type RunMsg } from '../kit/run';
import { readValue } from '../kit/setting';
import { showStatus } from '../kit/status';
import { machineZone } from '../lib/calendar/zone';
import { normalizeSettings, runEdges, type NormalizeConfigInput } from '../lib/normalize/config';
import { presetSource } from '../lib/normalize/mapping';
import { normalizeRows } from '../lib/normalize/normalize';
import { addCounts, countsText } from '../lib/run';

type NormalizeDef = NodeDef & NormalizeConfigInput & { asOf?: string; asOfType?: string };

export = function (RED: NodeAPI): void {
  function RecallNormalize(this: Node, config: NormalizeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const setup = atDeploy(node, () => normalizeSettings(config), (s) => `${s.preset}, ready`);

    node.on('input', async (msg: RunMsg, send, done) => {
      try {
        if (setup.problem) throw new Error(`recall-normalize is misconfigured: ${setup.problem}`);
        const settings = setup.value!;
        if (!Array.isArray(msg.payload)) throw new Error('msg.payload must be an array of rows (one message per run)');
        const office = settings.office || (typeof msg.recall?.office === 'string' ? msg.recall.office : '');
        if (!office) throw new Error('no office code: set the node\'s "office" (e.g. ${OFFICE_CODE}) or msg.recall.office');
        // the raw value (text, Date, number): the calendar module reads it, as dentrix-odbc-in's
        const edges = runEdges(settings, await readValue(RED, node, 'as of', config.asOf, config.asOfType, msg));
        const recall = recallOf(msg, { office, source: presetSource(settings.preset) });

        const result = normalizeRows(msg.payload, {
          mapping: settings.mapping,
          office,
          source: recall.source,
          region: settings.region,
          timeZone: settings.timeZone || machineZone(),
          edges,
          segments: settings.segments,
          usePreferredName: settings.usePreferredName,
        });
        recall.asOf = edges.asOf;
        addCounts(recall.counts, result.counts);
        recall['recall-normalize'] = { ...result.summary, edges };
        const left = countsText(result.counts);
        showStatus(node, 'ok', `as of ${edges.asOf}: ${result.selected.length} selected${left ? `, ${left}` : ''}`);
        sendSplit(RED, send, msg, result.selected, result.skipped);
        done();
      } catch (e) {
        showStatus(node, 'failed', (e as Error).message);
        done(e as Error);
      }
    });
  }
  RED.nodes.registerType('recall-normalize', RecallNormalize);
};
