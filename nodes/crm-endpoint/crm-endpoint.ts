// crm-endpoint: The CRM URL, token and signing secret.
import type { Node, NodeAPI, NodeDef } from 'node-red';

export = function (RED: NodeAPI): void {
  function Ctor(this: Node, config: NodeDef): void {
    RED.nodes.createNode(this, config);
  }
  RED.nodes.registerType('crm-endpoint', Ctor);
};
