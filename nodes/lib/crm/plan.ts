// Groups the contacts of a run into the preset's requests (input order kept).
import { ghlRequests } from './ghl';
import { hubspotInput, hubspotRequests, type HubspotInput } from './hubspot';
import { JSON_HEADERS, batchKey, effectiveBatchSize, errorBody, presetUrl, type EndpointConfig, type Item, type Plan, type PlannedRequest } from './presets';

function genericRequest(items: Item[], ep: EndpointConfig, size: number): PlannedRequest {
  const idempotencyKey = items.length === 1 && size === 1 ? items[0].key : batchKey(items.map((it) => it.key));
  const req: PlannedRequest = {
    items,
    url: presetUrl(ep),
    method: 'POST',
    idempotencyKey,
    headers: { ...JSON_HEADERS, 'Idempotency-Key': idempotencyKey },
    body: size === 1 ? items[0].payload : items.map((i) => i.payload),
    bodyError: errorBody,
  };
  if (items.length > 1) {
    const mid = Math.ceil(items.length / 2);
    req.split = () => [genericRequest(items.slice(0, mid), ep, size), genericRequest(items.slice(mid), ep, size)];
  }
  return req;
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
