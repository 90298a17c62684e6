// HubSpot: contacts batch upsert (up to 100 inputs per request). Consent travels as
// three contact properties a workflow filters on; each input carries its key as
// objectWriteTraceId so a 207 is matched whatever the id property; no two inputs of a
// batch share an id; a batch HubSpot refuses whole (one bad input) is split to find it.
import type { Channel } from '../types';
import { jsonObject, presetUrl, recallFields, type EndpointConfig, type Item, type PlannedRequest } from './presets';
import { batchKey, batchRequest, keysOf } from './request';

/** The contact properties that carry consent ("true"/"false"); the office creates them once (docs/crm.md). */
export const HUBSPOT_CONSENT_PROPERTIES: Readonly<Record<Channel, string>> = {
  sms: 'recall_sms_ok',
  email: 'recall_email_ok',
  voice: 'recall_voice_ok',
};

export interface HubspotInput {
  idProperty: string;
  id: string;
  objectWriteTraceId: string;
  properties: Record<string, string>;
}

/** One batch-upsert input, or why the contact cannot be upserted. */
export function hubspotInput(item: Item, ep: EndpointConfig): HubspotInput | string {
  const p = item.payload;
  const idProperty = ep.idProperty || 'email';
  const id = idProperty === 'email' ? p.email : p.contactKey;
  if (!id) return 'not sent: HubSpot upserts by e-mail ("Upsert by" email) and this patient has no e-mail it may use';
  const properties: Record<string, string> = { firstname: p.firstName, lastname: p.lastName };
  if (p.email) properties.email = p.email;
  if (p.phone) properties.phone = p.phone;
  if (idProperty !== 'email') properties[idProperty] = p.contactKey;
  for (const ch of ['sms', 'email', 'voice'] as const) properties[HUBSPOT_CONSENT_PROPERTIES[ch]] = p.channels.includes(ch) ? 'true' : 'false';
  if (typeof p.birthDate === 'string') properties.date_of_birth = p.birthDate;
  if (typeof p.address === 'string') properties.address = p.address;
  if (ep.fieldPrefix) Object.assign(properties, recallFields(p, ep.fieldPrefix));
  return { idProperty, id, objectWriteTraceId: item.key, properties };
}

/**
 * HubSpot answers 207 when some inputs failed: an input counts as delivered only when a
 * result carries its objectWriteTraceId (or, for e-mail, its e-mail); the rest go next run.
 */
function confirmedBy(inputs: { key: string; input: HubspotInput }[]): PlannedRequest['confirmed'] {
  return (status, text) => {
    if (status !== 207) return undefined;
    const ok = new Set<string>();
    const results = jsonObject(text)?.results;
    if (!Array.isArray(results)) return ok;
    const traces = new Set<string>();
    const emails = new Set<string>();
    for (const r of results as { objectWriteTraceId?: unknown; properties?: Record<string, unknown> }[]) {
      if (typeof r?.objectWriteTraceId === 'string') traces.add(r.objectWriteTraceId);
      const email = r?.properties?.email;
      if (typeof email === 'string') emails.add(email.toLowerCase());
    }
    for (const { key, input } of inputs) {
      if (traces.has(input.objectWriteTraceId) || (input.idProperty === 'email' && emails.has(input.id.toLowerCase()))) ok.add(key);
    }
    return ok;
  };
}

/** A 2xx whose body is an error or a canceled batch. */
function batchError(_status: number, text: string): string | undefined {
  const o = jsonObject(text);
  if (!o) return undefined;
  if (o.status === 'error' || o.status === 'CANCELED') return `HubSpot answered status ${String(o.status)} (its body is in \`response\`)`;
  return undefined;
}

/** A refusal about the portal's setup (a property or the id property missing), not about a contact. */
function setupFault(status: number, text: string): string | undefined {
  if (status !== 400) return undefined;
  const m = /PROPERTY_DOESNT_EXIST|Property "?([\w-]+)"? does not exist|unique property|idProperty/i.exec(text);
  if (!m) return undefined;
  return `HubSpot refused the contact properties (HTTP 400: ${m[0]}): create ${Object.values(HUBSPOT_CONSENT_PROPERTIES).join(', ')} and the "Upsert by" property as documented`;
}

function request(chunk: readonly { item: Item; input: HubspotInput }[], ep: EndpointConfig): PlannedRequest {
  return batchRequest(chunk, (part) => {
    const items = part.map((c) => c.item);
    return {
      items,
      url: presetUrl(ep),
      idempotencyKey: batchKey(keysOf(items)),
      body: { inputs: part.map((c) => c.input) },
      confirmed: confirmedBy(part.map((c) => ({ key: c.item.key, input: c.input }))),
      bodyError: batchError,
      runFault: setupFault,
    };
  });
}

/**
 * Batches of at most `size` inputs in which no id appears twice (HubSpot refuses such a
 * batch whole): a repeated id waits for the next batch that lacks it.
 */
export function hubspotRequests(sendable: { item: Item; input: HubspotInput }[], ep: EndpointConfig, size: number): PlannedRequest[] {
  const batches: { chunk: typeof sendable; ids: Set<string> }[] = [];
  let open = 0; // batches before this one are full
  for (const s of sendable) {
    const id = s.input.id.toLowerCase();
    let b = open;
    while (b < batches.length && (batches[b].chunk.length >= size || batches[b].ids.has(id))) b++;
    if (b === batches.length) batches.push({ chunk: [], ids: new Set() });
    batches[b].chunk.push(s);
    batches[b].ids.add(id);
    while (open < batches.length && batches[open].chunk.length >= size) open++;
  }
  return batches.map((b) => request(b.chunk, ep));
}
