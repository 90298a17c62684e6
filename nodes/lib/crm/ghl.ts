// GoHighLevel v2: one contact = an upsert WITHOUT tags (its upsert overwrites every tag
// on the contact, the office's own "do-not-text" included), then the add-tags call
// with the contact id the upsert answers, then (optional) enrolment into a workflow.
// Consent goes into the contact's per-channel do-not-disturb (dndSettings).
import type { Channel } from '../types';
import { GHL_API_VERSION, errorBody, jsonObject, presetBase, presetUrl, recallFields, type EndpointConfig, type Item, type PlannedRequest } from './presets';
import { postJson } from './request';

/** GoHighLevel's DND channels for each of ours: a text-message opt-out covers WhatsApp too. */
export const GHL_DND_CHANNELS: Readonly<Record<Channel, readonly string[]>> = {
  sms: ['SMS', 'WhatsApp'],
  voice: ['Call'],
  email: ['Email'],
};

/** dndSettings for the channels consent dropped: DND `active` on each; channels still allowed are left as the CRM has them. */
export function ghlDnd(blocked: Item['blocked']): Record<string, { status: 'active'; message: string }> | undefined {
  if (!blocked.length) return undefined;
  const dnd: Record<string, { status: 'active'; message: string }> = {};
  for (const b of blocked) for (const ch of GHL_DND_CHANNELS[b.channel]) dnd[ch] = { status: 'active', message: `dentrix-recall: ${b.reason}` };
  return dnd;
}

/** POST /contacts/upsert body (matched on the location's duplicate rules); never `tags`. */
export function ghlBody(item: Item, ep: EndpointConfig): Record<string, unknown> {
  const p = item.payload;
  const body: Record<string, unknown> = {
    locationId: ep.locationId,
    firstName: p.firstName,
    lastName: p.lastName,
    source: p.source,
  };
  if (p.email) body.email = p.email;
  if (p.phone) body.phone = p.phone;
  const dnd = ghlDnd(item.blocked);
  if (dnd) body.dndSettings = dnd;
  if (typeof p.birthDate === 'string') body.dateOfBirth = p.birthDate;
  if (typeof p.address === 'string') body.address1 = p.address;
  if (ep.fieldPrefix) {
    body.customFields = Object.entries(recallFields(p, ep.fieldPrefix)).map(([key, value]) => ({ key, field_value: value }));
  }
  return body;
}

/** The contact id an upsert answered (`{contact: {id}}`), or undefined. */
export function ghlContactId(text: string): string | undefined {
  const contact = jsonObject(text)?.contact as { id?: unknown } | undefined;
  return typeof contact?.id === 'string' && contact.id ? contact.id : undefined;
}

function upsertError(status: number, text: string): string | undefined {
  return errorBody(status, text) ?? (ghlContactId(text) ? undefined : 'the upsert answered no contact id');
}

function workflowError(status: number, text: string): string | undefined {
  // GoHighLevel spells it "succeded"
  const o = jsonObject(text);
  if (o && (o.succeded === false || o.succeeded === false)) return 'the workflow enrolment answered succeded: false';
  return errorBody(status, text);
}

/** A 400/422 naming the location: the endpoint's Location ID is wrong, not the contact. */
function locationFault(status: number, text: string): string | undefined {
  if (status !== 400 && status !== 422) return undefined;
  return /location/i.test(text) ? `GoHighLevel refused the Location ID (HTTP ${status}): check the endpoint's Location ID` : undefined;
}

/** Every GoHighLevel call names the API version it was written for. */
const VERSION = { Version: GHL_API_VERSION };

export function ghlRequests(item: Item, ep: EndpointConfig): PlannedRequest {
  const base = presetBase(ep);
  return postJson({
    items: [item],
    url: presetUrl(ep),
    idempotencyKey: item.key,
    headers: VERSION,
    body: ghlBody(item, ep),
    bodyError: upsertError,
    runFault: locationFault,
    then: (answer) => {
      const id = encodeURIComponent(ghlContactId(answer)!);
      const steps = [
        postJson({
          items: [item],
          url: `${base}/contacts/${id}/tags`,
          idempotencyKey: `${item.key}-tags`,
          headers: VERSION,
          body: { tags: item.payload.tags },
          bodyError: errorBody,
        }),
      ];
      if (ep.workflowId) {
        steps.push(
          postJson({
            items: [item],
            url: `${base}/contacts/${id}/workflow/${encodeURIComponent(ep.workflowId)}`,
            idempotencyKey: `${item.key}-workflow`,
            headers: VERSION,
            body: {},
            bodyError: workflowError,
            runFault: (status, text) => (status === 400 && /workflow/i.test(text) ? 'GoHighLevel does not know the workflow id set on the endpoint' : undefined),
          }),
        );
      }
      return steps;
    },
  });
}
