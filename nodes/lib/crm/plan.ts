// Groups the contacts of a run into the preset's requests (input order kept).
import { ghlRequests } from './ghl';
import { hubspotInput, hubspotRequests, type HubspotInput } from './hubspot';
import { effectiveBatchSize, errorBody, presetUrl, type EndpointConfig, type Item, type Plan, type PlannedRequest } from './presets';
import { batchKey, batchRequest, keysOf } from './request';

/** Generic: the record as is, one object per POST at size 1, else an array. */
function genericRequest(items: Item[], ep: EndpointConfig, size: number): PlannedRequest {
  return batchRequest(items, (part) => ({
    items: [...part],
    url: presetUrl(ep),
    idempotencyKey: part.length === 1 && size === 1 ? part[0].key : batchKey(keysOf(part)),
    body: size === 1 ? part[0].payload : part.map((i) => i.payload),
    bodyError: errorBody,
  }));
}

export function planRequests(items: readonly Item[], ep: EndpointConfig, batchSize: number): Plan {
  const size = effectiveBatchSize(ep, batchSize);
  const unsendable: Plan['unsendable'] = [];
  if (ep.preset === 'gohighlevel') return { requests: items.map((it) => ghlRequests(it, ep)), unsendable };
  if (ep.preset === 'hubspot') {
    const sendable: { item: Item; input: HubspotInput }[] = [];
    for (const item of items) {
      const input = hubspotInput(item, ep);
      if (typeof input === 'string') unsendable.push({ item, error: input });
      else sendable.push({ item, input });
    }
    return { requests: hubspotRequests(sendable, ep, size), unsendable };
  }
  const requests: PlannedRequest[] = [];
  for (let i = 0; i < items.length; i += size) requests.push(genericRequest(items.slice(i, i + size), ep, size));
  return { requests, unsendable };
}
