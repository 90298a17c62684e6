// dentrix-connection: The ODBC connection to the Dentrix API Program views.
import type { Node, NodeAPI, NodeDef } from 'node-red';

export = function (RED: NodeAPI): void {
  function Ctor(this: Node, config: NodeDef): void {
    RED.nodes.createNode(this, config);
  }
  RED.nodes.registerType('dentrix-connection', Ctor);
};
