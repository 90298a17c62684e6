// idempotency-gate: reserve (contacts -> keys, drop already sent), commit (delivery
// results -> sent/failed/released) and observe (patients seen -> contacted keys booked)
// against the recall-ledger config node.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { LedgerProvider } from '../lib/ledger/api';
import { commitResults, ledgerFigures, observeRecords, reserveContacts } from '../lib/ledger/gate';
import { DEFAULT_LEASE_MS } from '../lib/ledger/sqlite-ledger';
import { addCounts, countsText, newRunMeta } from '../lib/run';
import { boolSetting, envSetting, intSetting } from '../lib/settings';
import type { RecallContact, RecallMeta } from '../lib/types';

interface GateDef extends NodeDef {
  ledger?: string;
  mode?: string;
  modeType?: string;
  leaseMinutes?: string;
  dryRun?: string;
}

type Msg = NodeMessage & { payload?: unknown; recall?: RecallMeta };

export = function (RED: NodeAPI): void {
  function IdempotencyGate(this: Node, config: GateDef): void {
    RED.nodes.createNode(this, config);
    const provider = config.ledger ? (RED.nodes.getNode(config.ledger) as unknown as LedgerProvider | null) : null;
    let setupError: string | undefined;
    let leaseMs = DEFAULT_LEASE_MS;
    try {
      leaseMs = intSetting('lease (minutes)', config.leaseMinutes, DEFAULT_LEASE_MS / 60_000, 1, 24 * 60) * 60_000;
    } catch (err) {
      setupError = (err as Error).message;
    }
    if (!provider) setupError = 'no recall-ledger configured';
    else if (provider.problem) setupError = provider.problem;
    if (setupError) this.status({ fill: 'red', shape: 'ring', text: setupError.slice(0, 60) });
    else this.status({ fill: 'grey', shape: 'ring', text: 'ready' });

    const dryRunSetting = (): boolean => {
      try {
        return boolSetting(config.dryRun, true);
      } catch (err) {
        throw new Error(`dry-run setting: ${(err as Error).message}`);
      }
    };

    const modeOf = (msg: Msg): string => {
      const type = config.modeType || 'mode';
      const value = config.mode || 'reserve';
      const mode = type === 'msg' ? String(RED.util.getMessageProperty(msg, value) ?? '') : type === 'env' ? envSetting(`\${${value}}`) : envSetting(value);
      if (mode !== 'reserve' && mode !== 'commit' && mode !== 'observe') throw new Error(`mode must be reserve, commit or observe, got "${mode}" (from ${type} ${value})`);
      return mode;
    };

    this.on('input', async (msg: Msg, send, done) => {
      try {
        if (setupError) throw new Error(setupError);
        const mode = modeOf(msg);
        const recall: RecallMeta = msg.recall ?? newRunMeta('export', '');
        msg.recall = recall;
        // like the sink: an empty setting (RECALL_DRY_RUN unset) means dry-run
        const dryRun = recall.dryRun === true || dryRunSetting();
        if (mode === 'reserve') {
          if (!Array.isArray(msg.payload)) throw new Error('reserve expects msg.payload to be an array of contacts');
          this.status({ fill: 'blue', shape: 'dot', text: `${dryRun ? 'checking' : 'reserving'} ${msg.payload.length}…` });
          const ledger = await provider!.ledger();
          const r = await reserveContacts(ledger, msg.payload as RecallContact[], { leaseMs, dryRun, runId: recall.runId, asOf: recall.asOf });
          if (dryRun) recall.dryRun = true;
          addCounts(recall.counts, r.counts);
          recall['idempotency-gate'] = r.summary;
          recall.ledger = { node: config.ledger, leaseMs, leaseUntil: r.summary.leaseUntil };
          const held = r.held.length > 0 ? { ...RED.util.cloneMessage({ ...msg, payload: [] }), payload: r.held } : null;
          msg.payload = r.pass;
          const text = `${r.summary.passed} ${dryRun ? 'new (dry-run)' : 'reserved'}, ${r.summary.alreadySent} already sent` +
            (r.summary.leasedElsewhere ? `, ${r.summary.leasedElsewhere} leased elsewhere` : '') +
            (r.summary.failedEarlier ? `, ${r.summary.failedEarlier} failed earlier` : '');
          this.status({ fill: 'green', shape: dryRun ? 'ring' : 'dot', text });
          if (r.summary.leasedElsewhere) {
            this.warn(`${r.summary.leasedElsewhere} contact(s) skipped: reserved by another run whose lease has not run out (ledger ${provider!.file})`);
          }
          send([msg, held]);
        } else if (mode === 'observe') {
          const ledger = await provider!.ledger();
          const s = await observeRecords(ledger, msg.payload, { asOf: recall.asOf, dryRun });
          this.status({ fill: 'green', shape: dryRun ? 'ring' : 'dot', text: dryRun ? `dry-run: ${s.sightings} seen, ledger untouched` : `${s.booked} newly booked (${s.sightings} seen)` });
          send([{ topic: 'outcomes', payload: s, recall: { runId: recall.runId, office: recall.office, asOf: recall.asOf } }, null]);
        } else {
          const s = await commitResults(() => provider!.ledger(), msg.payload, { dryRun, runId: recall.runId });
          addCounts(recall.counts, { 'marked-sent': s.sent, 'marked-failed': s.failed, released: s.released });
          recall['idempotency-gate'] = s;
          // the figures are a report: a ledger that cannot give them never fails the run
          try {
            const figures = await ledgerFigures(await provider!.ledger(), recall.asOf || new Date().toISOString().slice(0, 10));
            if (figures) recall.outcomes = figures;
          } catch (err) {
            this.warn(`bookings after contact not computed: ${(err as Error).message}`);
          }
          this.status({
            fill: s.failed > 0 ? 'yellow' : 'green',
            shape: dryRun ? 'ring' : 'dot',
            text: s.ignored === s.results ? `dry-run: ${s.results} results, ledger untouched` : countsText({ sent: s.sent, failed: s.failed, released: s.released }) || 'nothing to commit',
          });
          send([msg, null]);
        }
        done();
      } catch (err) {
        this.status({ fill: 'red', shape: 'dot', text: (err as Error).message.slice(0, 60) });
        done(err as Error);
      }
    });
  }
  RED.nodes.registerType('idempotency-gate', IdempotencyGate);
};
