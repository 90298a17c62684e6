// idempotency-gate: reserve (contacts -> keys, drop already sent), commit (delivery
// results -> sent/failed/released) and observe (patients seen -> contacted keys booked)
// against the recall-ledger config node.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { atDeploy, configNode } from '../kit/config-node';
import { recallOf, sendSplit, type RunMsg } from '../kit/run';
import { readText } from '../kit/setting';
import { showStatus } from '../kit/status';
import type { LedgerProvider } from '../lib/ledger/api';
import { gateMode, gateSettings, type GateConfigInput } from '../lib/ledger/config';
import { commitResults, ledgerFigures, observeRecords, reserveContacts } from '../lib/ledger/gate';
import { DEFAULT_LEASE_MS } from '../lib/ledger/sqlite-ledger';
import { addCounts, countsText } from '../lib/run';
import type { RecallContact } from '../lib/types';

type GateDef = NodeDef & GateConfigInput & { ledger?: string };

export = function (RED: NodeAPI): void {
  function IdempotencyGate(this: Node, config: GateDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const setup = atDeploy(node, () => ({
      provider: configNode<LedgerProvider>(RED, config.ledger, 'ledger', 'recall-ledger', 'ledger'),
      settings: gateSettings(config, DEFAULT_LEASE_MS),
    }));

    node.on('input', async (msg: RunMsg, send, done) => {
      try {
        if (setup.problem) throw new Error(setup.problem);
        const { provider, settings } = setup.value!;
        const mode = settings.mode ?? gateMode(await readText(RED, node, 'mode', config.mode, config.modeType, msg), `${config.modeType} ${config.mode}`);
        const recall = recallOf(msg);
        const dryRun = recall.dryRun === true || settings.dryRun;
        const { leaseMs } = settings;
        if (mode === 'reserve') {
          if (!Array.isArray(msg.payload)) throw new Error('reserve expects msg.payload to be an array of contacts');
          showStatus(node, 'busy', `${dryRun ? 'checking' : 'reserving'} ${msg.payload.length}…`);
          const r = await reserveContacts(await provider.ledger(), msg.payload as RecallContact[], { leaseMs, dryRun, runId: recall.runId, asOf: recall.asOf });
          if (dryRun) recall.dryRun = true;
          addCounts(recall.counts, r.counts);
          recall['idempotency-gate'] = r.summary;
          recall.ledger = { node: config.ledger!, leaseMs, leaseUntil: r.summary.leaseUntil };
          const s = r.summary;
          const text = `${s.passed} ${dryRun ? 'new (dry-run)' : 'reserved'}, ${s.alreadySent} already sent` +
            (s.leasedElsewhere ? `, ${s.leasedElsewhere} leased elsewhere` : '') +
            (s.failedEarlier ? `, ${s.failedEarlier} failed earlier` : '');
          showStatus(node, 'ok', text, { dryRun });
          if (s.leasedElsewhere) node.warn(`${s.leasedElsewhere} contact(s) skipped: reserved by another run whose lease has not run out (ledger ${provider.file})`);
          sendSplit(RED, send, msg, r.pass, r.held);
        } else if (mode === 'observe') {
          const s = await observeRecords(await provider.ledger(), msg.payload, { asOf: recall.asOf, dryRun });
          showStatus(node, 'ok', dryRun ? `dry-run: ${s.sightings} seen, ledger untouched` : `${s.booked} newly booked (${s.sightings} seen)`, { dryRun });
          send([{ topic: 'outcomes', payload: s, recall: { runId: recall.runId, office: recall.office, asOf: recall.asOf } }, null]);
        } else {
          const s = await commitResults(() => provider.ledger(), msg.payload, { dryRun, runId: recall.runId });
          addCounts(recall.counts, { 'marked-sent': s.sent, 'marked-failed': s.failed, released: s.released });
          recall['idempotency-gate'] = s;
          // the figures are a report: a ledger that cannot give them never fails the run
          try {
            const figures = await ledgerFigures(await provider.ledger(), recall.asOf || new Date().toISOString().slice(0, 10));
            if (figures) recall.outcomes = figures;
          } catch (err) {
            node.warn(`bookings after contact not computed: ${(err as Error).message}`);
          }
          const counted = countsText({ sent: s.sent, failed: s.failed, released: s.released }) || 'nothing to commit';
          showStatus(node, s.failed > 0 ? 'warn' : 'ok', s.ignored === s.results ? `dry-run: ${s.results} results, ledger untouched` : counted, { dryRun });
          send([msg, null]);
        }
        done();
      } catch (err) {
        showStatus(node, 'failed', (err as Error).message);
        done(err as Error);
      }
    });
  }
  RED.nodes.registerType('idempotency-gate', IdempotencyGate);
};
