// idempotency-gate: Reserves contacts not yet sent and commits delivery results in the ledger.
// Skeleton adapter: passes the batch through per the message contract (SPEC §3).
import type { Node, NodeAPI, NodeDef } from 'node-red';

export = function (RED: NodeAPI): void {
  function Ctor(this: Node, config: NodeDef): void {
    RED.nodes.createNode(this, config);
    this.status({ fill: 'grey', shape: 'ring', text: 'ready' });
    this.on('input', (msg: any, send, done) => {
      const rows = Array.isArray(msg.payload) ? msg.payload : [];
      this.status({ fill: 'green', shape: 'dot', text: `${rows.length} passed` });
      send([msg, null]);
      done();
    });
  }
  RED.nodes.registerType('idempotency-gate', Ctor);
};
