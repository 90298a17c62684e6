// recall-ledger: config node holding the SQLite ledger (sent keys, suppression list).
// One Ledger per config node, opened on first use and shared by every node using it.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Ledger, LedgerProvider } from '../lib/ledger/api';
import { applyLedgerDbDefault, ledgerSettings } from '../lib/ledger/config';
import { FLOW_MODULES, listFlowModules } from '../lib/install/user-modules';
import { hmacWith } from '../lib/ledger/keys';
import { openLedger } from '../lib/ledger/sqlite-ledger';
import { type EachNode, savedConfig } from '../lib/settings';

interface LedgerDef extends NodeDef {
  file?: string;
  secretEnv?: string;
  busyTimeout?: string;
}

type LedgerNode = Node<{ secret?: string }> & LedgerProvider;

export = function (RED: NodeAPI): void {
  // Once per load of the pack (Node-RED start, or a palette install), before any flow starts.
  const packUserDir = (RED.settings as unknown as { userDir?: string }).userDir;
  if (packUserDir) {
    const unset = (process.env.RECALL_LEDGER_DB ?? '').trim() === '';
    const ledgerDb = applyLedgerDbDefault(process.env, packUserDir);
    if (ledgerDb && unset) RED.log.info(`[recall-ledger] RECALL_LEDGER_DB is not set: the ledger file is ${ledgerDb}`);
    const listed = listFlowModules(packUserDir);
    if (listed.added.length) RED.log.info(`[recall-ledger] listed ${listed.added.join(', ')} in ${packUserDir}/package.json: the default flow uses their nodes, so Node-RED keeps them in the palette after a restart`);
    if (listed.problem) RED.log.warn(`[recall-ledger] ${listed.problem}: after a restart Node-RED may hide ${FLOW_MODULES.join(', ')} from the palette; install them from Manage palette to keep them`);
  }

  function RecallLedger(this: LedgerNode, config: LedgerDef): void {
    RED.nodes.createNode(this, config);
    const userDir = (RED.settings as unknown as { userDir?: string }).userDir;
    // a secret typed into "or from env" is refused on what the flow file holds
    const saved = savedConfig(RED.nodes.eachNode as unknown as EachNode, (config as { _alias?: string })._alias ?? config.id) ?? config;
    const settings = ledgerSettings(config, this.credentials?.secret, userDir, process.env, saved);
    let opening: Promise<Ledger> | undefined;
    let closed = false;
    Object.defineProperty(this, 'file', { value: settings.file, enumerable: true });
    Object.defineProperty(this, 'problem', { value: settings.problem ? `ledger ${settings.file}: ${settings.problem}` : undefined, enumerable: true });
    Object.defineProperty(this, 'hmac', { value: settings.secret ? hmacWith(settings.secret) : undefined, enumerable: false });
    if (settings.problem) this.error(this.problem);

    this.ledger = () => {
      if (closed) return Promise.reject(new Error(`ledger ${settings.file} is closed (flow stopping)`));
      if (this.problem) return Promise.reject(new Error(this.problem));
      if (!opening) {
        const p = openLedger(settings);
        opening = p;
        // a failed open (disk fault) is retried on the next use, not cached
        p.catch(() => {
          if (opening === p) opening = undefined;
        });
      }
      return opening;
    };

    this.on('close', (done: () => void) => {
      closed = true;
      const pending = opening;
      opening = undefined;
      if (!pending) return done();
      pending
        .then(
          (l) => l.close().catch((err: Error) => this.warn(`closing ${settings.file}: ${err.message}`)),
          () => undefined, // it never opened: nothing to close
        )
        .finally(done);
    });
  }
  RED.nodes.registerType('recall-ledger', RecallLedger as unknown as (this: Node, config: NodeDef) => void, {
    credentials: { secret: { type: 'password' } },
  });
};
