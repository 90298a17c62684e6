// recall-ledger: The SQLite ledger of sent keys and the suppression list.
import type { Node, NodeAPI, NodeDef } from 'node-red';

export = function (RED: NodeAPI): void {
  function Ctor(this: Node, config: NodeDef): void {
    RED.nodes.createNode(this, config);
  }
  RED.nodes.registerType('recall-ledger', Ctor);
};
