// How one CRM wants the record: the generic webhook posts `dental-recall/v1` as is;
// GoHighLevel and HubSpot map the same record onto their contact upserts.
import { createHash } from 'node:crypto';
import type { RecallPayload } from './payload';

export const PRESETS = ['generic', 'gohighlevel', 'hubspot'] as const;
export type PresetName = (typeof PRESETS)[number];

export const GHL_BASE_URL = 'https://services.leadconnectorhq.com';
export const GHL_API_VERSION = '2021-07-28';
export const HUBSPOT_BASE_URL = 'https://api.hubapi.com';
/** HubSpot's batch endpoints take at most 100 inputs. */
export const HUBSPOT_MAX_BATCH = 100;

/** What a crm-endpoint config node resolves to (secrets included; never logged). */
export interface EndpointConfig {
  preset: PresetName;
  /** generic: the webhook URL; presets: the API base URL ('' = the vendor's) */
  url: string;
  token?: string;
  signingSecret?: string;
  /** GoHighLevel sub-account */
  locationId?: string;
  /** HubSpot: 'email' (default) or a unique custom property holding contactKey */
  idProperty?: string;
  /** when set, recall fields go to custom fields/properties named <prefix>segment etc. */
  fieldPrefix?: string;
  allowPlainHttp: boolean;
}

/** One contact ready to go: its idempotency key and payload. */
export interface Item {
  key: string;
  patientId: string;
  payload: RecallPayload;
}

/** One HTTP request of the plan, before auth and signature headers. */
export interface PlannedRequest {
  items: Item[];
  url: string;
  method: 'POST';
  /** Idempotency-Key: the contact's key, or a digest of the batch's keys */
  idempotencyKey: string;
  headers: Record<string, string>;
  body: unknown;
  /**
   * A 2xx that may cover only part of a batch (HubSpot 207 Multi-Status): the keys of
   * the items the CRM confirmed; the rest are not delivered.
   */
  confirmed?: (status: number, responseBody: string) => Set<string> | undefined;
}

export interface Plan {
  requests: PlannedRequest[];
  /** contacts the preset cannot send (e.g. HubSpot by e-mail without an e-mail) */
  rejected: { item: Item; error: string }[];
}

/** The full URL a preset posts to. */
export function presetUrl(ep: EndpointConfig): string {
  const base = (ep.url || (ep.preset === 'gohighlevel' ? GHL_BASE_URL : ep.preset === 'hubspot' ? HUBSPOT_BASE_URL : '')).replace(/\/+$/, '');
  if (ep.preset === 'gohighlevel') return `${base}/contacts/upsert`;
  if (ep.preset === 'hubspot') return `${base}/crm/v3/objects/contacts/batch/upsert`;
  return ep.url;
}

/** Contacts per request: GoHighLevel upserts one, HubSpot up to 100, generic as set (1 = one object per POST). */
export function effectiveBatchSize(ep: EndpointConfig, batchSize: number): number {
  if (ep.preset === 'gohighlevel') return 1;
  if (ep.preset === 'hubspot') return Math.min(Math.max(batchSize, 1), HUBSPOT_MAX_BATCH);
  return Math.max(batchSize, 1);
}

/**
 * A batch's Idempotency-Key: SHA-256 of its contact keys in order, so a retried
 * request repeats the key and a different set of contacts never shares it.
 */
export function batchKey(keys: readonly string[]): string {
  return 'batch-' + createHash('sha256').update(keys.join('\n')).digest('hex');
}

/** Recall fields for CRMs without the generic schema, under the office's prefix. */
function recallFields(p: RecallPayload, prefix: string): Record<string, string> {
  const fields: Record<string, string> = {
    [`${prefix}contact_key`]: p.contactKey,
    [`${prefix}segment`]: p.segment,
    [`${prefix}office`]: p.office,
  };
  if (p.recallType) fields[`${prefix}recall_type`] = p.recallType;
  if (p.dueDate) fields[`${prefix}due_date`] = p.dueDate;
  return fields;
}

/** GoHighLevel v2 POST /contacts/upsert body (matches on the location's duplicate rules). */
export function ghlBody(p: RecallPayload, ep: EndpointConfig): Record<string, unknown> {
  const body: Record<string, unknown> = {
    locationId: ep.locationId,
    firstName: p.firstName,
    lastName: p.lastName,
    tags: p.tags,
    source: p.source,
  };
  if (p.email) body.email = p.email;
  if (p.phone) body.phone = p.phone;
  if (typeof p.birthDate === 'string') body.dateOfBirth = p.birthDate;
  if (typeof p.address === 'string') body.address1 = p.address;
  if (ep.fieldPrefix) {
    body.customFields = Object.entries(recallFields(p, ep.fieldPrefix)).map(([key, value]) => ({ key, field_value: value }));
  }
  return body;
}

/** One HubSpot batch-upsert input, or the reason the contact cannot be upserted. */
export function hubspotInput(p: RecallPayload, ep: EndpointConfig): { idProperty: string; id: string; properties: Record<string, string> } | string {
  const idProperty = ep.idProperty || 'email';
  const id = idProperty === 'email' ? p.email : p.contactKey;
  if (!id) return 'no e-mail to upsert by (HubSpot idProperty "email")';
  const properties: Record<string, string> = { firstname: p.firstName, lastname: p.lastName };
  if (p.email) properties.email = p.email;
  if (p.phone) properties.phone = p.phone;
  if (typeof p.birthDate === 'string') properties.date_of_birth = p.birthDate;
  if (typeof p.address === 'string') properties.address = p.address;
  if (ep.fieldPrefix) Object.assign(properties, recallFields(p, ep.fieldPrefix));
  return { idProperty, id, properties };
}

/** Groups the items into the preset's requests (input order kept). */
export function planRequests(items: readonly Item[], ep: EndpointConfig, batchSize: number): Plan {
  const url = presetUrl(ep);
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (ep.preset === 'gohighlevel') headers.Version = GHL_API_VERSION;
  const rejected: Plan['rejected'] = [];
  const sendable: { item: Item; body: unknown }[] = [];
  for (const item of items) {
    if (ep.preset === 'hubspot') {
      const input = hubspotInput(item.payload, ep);
      if (typeof input === 'string') rejected.push({ item, error: input });
      else sendable.push({ item, body: input });
    } else if (ep.preset === 'gohighlevel') {
      sendable.push({ item, body: ghlBody(item.payload, ep) });
    } else {
      sendable.push({ item, body: item.payload });
    }
  }
  const size = effectiveBatchSize(ep, batchSize);
  const requests: PlannedRequest[] = [];
  for (let i = 0; i < sendable.length; i += size) {
    const chunk = sendable.slice(i, i + size);
    const chunkItems = chunk.map((c) => c.item);
    let body: unknown;
    if (ep.preset === 'hubspot') body = { inputs: chunk.map((c) => c.body) };
    else if (size === 1) body = chunk[0].body;
    else body = chunk.map((c) => c.body);
    const idempotencyKey = chunkItems.length === 1 && size === 1 ? chunkItems[0].key : batchKey(chunkItems.map((it) => it.key));
    const req: PlannedRequest = { items: chunkItems, url, method: 'POST', idempotencyKey, headers: { ...headers, 'Idempotency-Key': idempotencyKey }, body };
    if (ep.preset === 'hubspot') req.confirmed = hubspotConfirmed(chunk.map((c) => ({ key: c.item.key, input: c.body as { idProperty: string; id: string } })));
    requests.push(req);
  }
  return { requests, rejected };
}

/**
 * HubSpot answers 207 when some inputs of a batch failed: only inputs whose id comes
 * back in `results[].properties[idProperty]` count as delivered (never mark sent what
 * the CRM did not confirm). Any other 2xx confirms the whole batch.
 */
function hubspotConfirmed(inputs: { key: string; input: { idProperty: string; id: string } }[]): PlannedRequest['confirmed'] {
  return (status, responseBody) => {
    if (status !== 207) return undefined;
    const ok = new Set<string>();
    let results: { properties?: Record<string, unknown> }[] = [];
    try {
      const parsed = JSON.parse(responseBody) as { results?: unknown };
      if (Array.isArray(parsed.results)) results = parsed.results as typeof results;
    } catch {
      return ok;
    }
    for (const { key, input } of inputs) {
      const want = input.id.toLowerCase();
      if (results.some((r) => String(r?.properties?.[input.idProperty] ?? '').toLowerCase() === want)) ok.add(key);
    }
    return ok;
  };
}
