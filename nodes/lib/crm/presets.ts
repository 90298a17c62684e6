// How one CRM wants the record: the generic webhook posts `dental-recall/v1` as is;
// GoHighLevel (ghl.ts) and HubSpot (hubspot.ts) map the same record onto their contact
// APIs and carry consent in their own terms.
import type { Channel } from '../types';
import type { RecallPayload } from './payload';

export const PRESETS = ['generic', 'gohighlevel', 'hubspot'] as const;
export type PresetName = (typeof PRESETS)[number];

/** What a crm-endpoint config node resolves to (secrets included; never logged). */
export interface EndpointConfig {
  preset: PresetName;
  /** generic: the webhook URL; presets: the API base URL ('' = the vendor's) */
  url: string;
  token?: string;
  signingSecret?: string;
  /** GoHighLevel sub-account (required) */
  locationId?: string;
  /** GoHighLevel: a workflow every delivered contact is enrolled into (optional) */
  workflowId?: string;
  /** HubSpot: 'email' (default) or a unique custom property holding contactKey */
  idProperty?: string;
  /** when set, recall fields go to custom fields/properties named <prefix>segment etc. */
  fieldPrefix?: string;
  allowPlainHttp: boolean;
}

/** One contact ready to go: its idempotency key, payload and the channels consent dropped. */
export interface Item {
  key: string;
  patientId: string;
  /** the contact's position in the sink's input (results go out in input order) */
  at: number;
  payload: RecallPayload;
  /**
   * Channels the CRM must be told not to use: dropped by consent (a channel reason),
   * or off although the address exists. A channel off for want of an address is not
   * listed: the connector knows nothing about it.
   */
  blocked: { channel: Channel; reason: string }[];
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
  /** A 2xx whose body says the CRM did not take the request (`{"success":false}`): why. */
  bodyError?: (status: number, responseBody: string) => string | undefined;
  /**
   * Calls that must follow this one's 2xx, in order, before its contacts count as
   * delivered (GoHighLevel: add tags, enrol in a workflow), built from the answer.
   */
  then?: (responseBody: string) => PlannedRequest[];
  /** A refused request of several contacts splits into these to find the one at fault. */
  split?: () => PlannedRequest[];
  /** A refusal that is the run's configuration, not the contact (e.g. a missing HubSpot property): why. */
  runFault?: (status: number, responseBody: string) => string | undefined;
}

export interface Plan {
  requests: PlannedRequest[];
  /** contacts the preset cannot carry (HubSpot by e-mail, no e-mail): left unsent with the reason */
  unsendable: { item: Item; error: string }[];
}

/** Recall fields for CRMs without the generic schema, under the office's prefix. */
export function recallFields(p: RecallPayload, prefix: string): Record<string, string> {
  const fields: Record<string, string> = {
    [`${prefix}contact_key`]: p.contactKey,
    [`${prefix}segment`]: p.segment,
    [`${prefix}office`]: p.office,
  };
  if (p.recallType) fields[`${prefix}recall_type`] = p.recallType;
  if (p.dueDate) fields[`${prefix}due_date`] = p.dueDate;
  return fields;
}

/** A JSON object answer, or undefined (not JSON, not an object). */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The error shapes webhook receivers answer with a 200: `{"success":false}`,
 * `{"ok":false}`, `{"status":"error"}`. Anything else in a 2xx is success.
 */
export function errorBody(_status: number, text: string): string | undefined {
  const o = jsonObject(text);
  if (!o) return undefined;
  // the CRM's own words stay in `response` (debug output): they may echo patient data,
  // and this text reaches the ledger, the status and Catch
  if (o.success === false || o.ok === false || o.status === 'error') return 'the answer says it failed (its body is in `response`)';
  return undefined;
}

export const GHL_BASE_URL = 'https://services.leadconnectorhq.com';
export const GHL_API_VERSION = '2021-07-28';
export const HUBSPOT_BASE_URL = 'https://api.hubapi.com';
/**
 * HubSpot's date-versioned contacts API (the `/crm/v3/objects/...` path is listed as
 * legacy beside it): a pinned version keeps its request and answer shapes until the
 * office chooses to move (docs/crm.md).
 */
export const HUBSPOT_UPSERT_PATH = '/crm/objects/2026-03/contacts/batch/upsert';
/** HubSpot's batch endpoints take at most 100 inputs. */
export const HUBSPOT_MAX_BATCH = 100;

/** The URL a preset posts its first call to. */
export function presetUrl(ep: EndpointConfig): string {
  const base = (ep.url || (ep.preset === 'gohighlevel' ? GHL_BASE_URL : ep.preset === 'hubspot' ? HUBSPOT_BASE_URL : '')).replace(/\/+$/, '');
  if (ep.preset === 'gohighlevel') return `${base}/contacts/upsert`;
  if (ep.preset === 'hubspot') return `${base}${HUBSPOT_UPSERT_PATH}`;
  return ep.url;
}

/** The API base of a preset (follow-up calls), '' for generic. */
export function presetBase(ep: EndpointConfig): string {
  if (ep.preset === 'generic') return '';
  return (ep.url || (ep.preset === 'gohighlevel' ? GHL_BASE_URL : HUBSPOT_BASE_URL)).replace(/\/+$/, '');
}

/**
 * Contacts per request: GoHighLevel upserts one; HubSpot up to 100 (the sink's
 * default of 1 means HubSpot's own maximum); generic as set (1 = one object per POST).
 */
export function effectiveBatchSize(ep: EndpointConfig, batchSize: number): number {
  if (ep.preset === 'gohighlevel') return 1;
  if (ep.preset === 'hubspot') return batchSize > 1 ? Math.min(batchSize, HUBSPOT_MAX_BATCH) : HUBSPOT_MAX_BATCH;
  return Math.max(batchSize, 1);
}

/** Requests per interval when the endpoint leaves the rate empty: just under the CRM's published limit. */
export function defaultRate(preset: PresetName): { perInterval: number; intervalMs: number } {
  // GoHighLevel: 100 per 10 s per location; HubSpot: 100 per 10 s (Free/Starter; 190 on Professional/Enterprise)
  if (preset === 'gohighlevel' || preset === 'hubspot') return { perInterval: 95, intervalMs: 10_000 };
  return { perInterval: 0, intervalMs: 1000 };
}
