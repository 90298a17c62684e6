// A HubSpot double, per its CRM API documentation: contacts batch upsert (1-100 inputs)
// matched on a unique property (email, or a custom unique one), properties that must
// exist in the portal, a batch refused whole (400) for duplicate ids or one invalid
// value, 207 Multi-Status with per-input errors, objectWriteTraceId echoed, results
// that carry only a few properties (never a custom id property), X-HubSpot-RateLimit-*
// headers and 429 bodies naming the policy (TEN_SECONDLY_ROLLING or DAILY).
import { Double, type Answer, type Limits } from './base';

export interface HubspotContact {
  id: string;
  properties: Record<string, string>;
}

export const HUBSPOT_LIMITS: Limits = { max: 100, windowMs: 10_000, daily: 250_000 };
export const HUBSPOT_PATHS = ['/crm/objects/2026-03/contacts/batch/upsert', '/crm/v3/objects/contacts/batch/upsert'];

interface Input {
  idProperty?: string;
  id?: string;
  objectWriteTraceId?: string;
  properties?: Record<string, unknown>;
}

export class HubspotDouble extends Double {
  readonly contacts: HubspotContact[] = [];
  /** properties defined in the portal */
  readonly defined = new Set(['firstname', 'lastname', 'email', 'phone', 'recall_sms_ok', 'recall_email_ok', 'recall_voice_ok']);
  /** unique properties an upsert may match on */
  readonly unique = new Set(['email']);
  /** addresses HubSpot's own validation refuses (INVALID_EMAIL) */
  invalid = new Set<string>();
  private nextId = 101;

  constructor(token: string, limits: Limits = HUBSPOT_LIMITS) {
    super(token, limits);
  }

  defineUnique(name: string): this {
    this.defined.add(name);
    this.unique.add(name);
    return this;
  }

  seed(properties: Record<string, string>): HubspotContact {
    const c = { id: String(this.nextId++), properties: { ...properties } };
    if (c.properties.email) c.properties.email = c.properties.email.toLowerCase();
    this.contacts.push(c);
    return c;
  }

  find(prop: string, value: string): HubspotContact | undefined {
    const v = prop === 'email' ? value.toLowerCase() : value;
    return this.contacts.find((c) => c.properties[prop] === v);
  }

  protected unauthorized(): Answer {
    return { status: 401, body: { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION' } };
  }

  protected tooMany(daily: boolean): Answer {
    const policyName = daily ? 'DAILY' : 'TEN_SECONDLY_ROLLING';
    return {
      status: 429,
      body: { status: 'error', message: `You have reached your ${policyName.toLowerCase()} limit.`, errorType: 'RATE_LIMIT', correlationId: 'c0ffee', policyName, groupName: 'publicapi:app-api-calls' },
    };
  }

  protected rateHeaders(remaining: number, dailyRemaining: number): Record<string, string> {
    return {
      'X-HubSpot-RateLimit-Daily': String(this.limits.daily),
      'X-HubSpot-RateLimit-Daily-Remaining': String(dailyRemaining),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.limits.windowMs),
      'X-HubSpot-RateLimit-Max': String(this.limits.max),
      'X-HubSpot-RateLimit-Remaining': String(remaining),
    };
  }

  protected route(method: string, path: string, json: unknown): Answer {
    if (method !== 'POST' || !HUBSPOT_PATHS.includes(path)) return { status: 404, body: { status: 'error', message: 'Not found', category: 'OBJECT_NOT_FOUND' } };
    const inputs = (json as { inputs?: Input[] } | undefined)?.inputs;
    const bad = (message: string): Answer => ({ status: 400, body: { status: 'error', message, correlationId: 'c0ffee', category: 'VALIDATION_ERROR' } });
    if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > 100) return bad('inputs must hold 1 to 100 items');
    const ids = inputs.map((i) => `${i.idProperty}:${i.idProperty === 'email' ? String(i.id).toLowerCase() : i.id}`);
    const dup = ids.find((id, n) => ids.indexOf(id) !== n);
    if (dup) return bad(`Duplicate IDs found in batch input: [${dup.split(':')[1]}]. IDs must be unique`);
    for (const i of inputs) {
      if (!i.idProperty || !this.unique.has(i.idProperty)) return bad(`${String(i.idProperty)} is not a unique property (idProperty)`);
      for (const name of Object.keys(i.properties ?? {})) {
        if (!this.defined.has(name)) return bad(`Property values were not valid: [{"isValid":false,"message":"Property \\"${name}\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"${name}"}]`);
      }
      const email = i.properties?.email ?? (i.idProperty === 'email' ? i.id : undefined);
      if (email !== undefined && (!/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(String(email)) || this.invalid.has(String(email).toLowerCase()))) {
        return bad(`Property values were not valid: [{"isValid":false,"message":"Email address ${String(email)} is invalid","error":"INVALID_EMAIL","name":"email"}]`);
      }
    }
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const i of inputs) {
      const props = Object.fromEntries(Object.entries(i.properties ?? {}).map(([k, v]) => [k, String(v)]));
      if (props.email) props.email = props.email.toLowerCase();
      if (i.idProperty === 'email') props.email = String(i.id).toLowerCase();
      else props[i.idProperty!] = String(i.id);
      let c = this.find(i.idProperty!, String(i.id));
      const owner = props.email ? this.find('email', props.email) : undefined;
      if (owner && owner !== c) {
        // e-mail is unique in HubSpot: this input would make a second contact with it
        errors.push({ status: 'error', category: 'CONFLICT', message: `Contact already exists. Existing ID: ${owner.id}`, context: { objectWriteTraceId: [i.objectWriteTraceId] } });
        continue;
      }
      const created = !c;
      if (!c) c = this.seed({});
      Object.assign(c.properties, props);
      const shown: Record<string, string> = { hs_object_id: c.id, createdate: '2026-12-01T00:00:00Z', lastmodifieddate: '2026-12-01T00:00:00Z' };
      if (c.properties.email) shown.email = c.properties.email;
      const r: Record<string, unknown> = { id: c.id, properties: shown, new: created, archived: false };
      if (i.objectWriteTraceId) r.objectWriteTraceId = i.objectWriteTraceId;
      results.push(r);
    }
    const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt: '2026-12-01T00:00:00Z', completedAt: '2026-12-01T00:00:01Z' };
    if (errors.length) Object.assign(body, { numErrors: errors.length, errors });
    return { status: errors.length ? 207 : 200, body };
  }
}
