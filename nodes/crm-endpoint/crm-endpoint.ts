// crm-endpoint: the CRM URL, preset, limits, token and signing secret (credential
// store or ${ENV}). Holds the keep-alive HTTP client and the rate limiter that every
// sink posting to this CRM shares.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { resolveEndpoint, type CrmEndpointProvider, type EndpointInput } from '../lib/crm/config';
import { createHttpClient } from '../lib/crm/http';
import { Limiter } from '../lib/crm/limiter';
import { type EachNode, savedConfig } from '../lib/settings';

type EndpointNode = Node<{ token?: string; signingSecret?: string }> & CrmEndpointProvider;

const USER_AGENT = 'node-red-contrib-dentrix-recall';

export = function (RED: NodeAPI): void {
  function CrmEndpoint(this: EndpointNode, config: NodeDef & EndpointInput): void {
    RED.nodes.createNode(this, config);
    // a secret typed into an "or from" field is refused on what the flow file holds
    const saved = savedConfig(RED.nodes.eachNode as unknown as EachNode, (config as { _alias?: string })._alias ?? config.id) ?? config;
    const resolved = resolveEndpoint(config, this.credentials ?? {}, process.env, saved);
    const limiter = new Limiter({ ...resolved.limits, concurrency: resolved.limits.concurrency });
    const client = createHttpClient({ maxSockets: resolved.limits.concurrency, userAgent: USER_AGENT });
    Object.defineProperty(this, 'resolved', { value: resolved, enumerable: false });
    Object.defineProperty(this, 'limiter', { value: limiter, enumerable: false });
    Object.defineProperty(this, 'client', { value: client, enumerable: false });
    if (resolved.problem) this.error(`CRM endpoint "${config.name || config.id}": ${resolved.problem}`);
    this.on('close', (done: () => void) => {
      limiter.dispose();
      client.destroy();
      done();
    });
  }
  RED.nodes.registerType('crm-endpoint', CrmEndpoint as unknown as (this: Node, config: NodeDef) => void, {
    credentials: { token: { type: 'password' }, signingSecret: { type: 'password' } },
  });
};
