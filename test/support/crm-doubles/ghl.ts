// A GoHighLevel v2 double, per its API documentation: contact upsert matched on the
// location's duplicate rule (e-mail first, then phone) whose `tags` OVERWRITE the
// contact's tags, the add-tags call (a union), per-channel DND (dndSettings) merged
// channel by channel, workflow enrolment, X-RateLimit-* headers (100 per 10 s per
// location, 200,000 a day) and no reset header.
import { Double, type Answer, type Limits } from './base';

export interface GhlContact {
  id: string;
  locationId: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  tags: string[];
  dndSettings: Record<string, { status: string; message?: string }>;
  customFields: Record<string, string>;
}

export const GHL_LIMITS: Limits = { max: 100, windowMs: 10_000, daily: 200_000 };

export class GhlDouble extends Double {
  readonly contacts: GhlContact[] = [];
  /** contact id -> workflow ids it was enrolled into (one entry per enrolment) */
  readonly enrolments = new Map<string, string[]>();
  readonly workflows = new Set<string>();
  private nextId = 1;

  constructor(readonly locationId: string, token: string, limits: Limits = GHL_LIMITS) {
    super(token, limits);
  }

  /** A contact the office created in GoHighLevel (its own tags, its own DND). */
  seed(c: Omit<GhlContact, 'id' | 'locationId' | 'customFields' | 'dndSettings' | 'tags'> & Partial<GhlContact>): GhlContact {
    const contact: GhlContact = { id: `ghl-${this.nextId++}`, locationId: this.locationId, tags: [], dndSettings: {}, customFields: {}, ...c };
    this.contacts.push(contact);
    return contact;
  }

  findByEmail(email: string): GhlContact | undefined {
    return this.contacts.find((c) => c.email && c.email.toLowerCase() === email.toLowerCase());
  }

  findByPhone(phone: string): GhlContact | undefined {
    return this.contacts.find((c) => c.phone === phone);
  }

  protected unauthorized(): Answer {
    return { status: 401, body: { statusCode: 401, message: 'Invalid JWT' } };
  }

  protected tooMany(daily: boolean): Answer {
    return { status: 429, body: { statusCode: 429, message: daily ? 'Daily limit exceeded' : 'Too Many Requests' } };
  }

  protected rateHeaders(remaining: number, dailyRemaining: number): Record<string, string> {
    return {
      'X-RateLimit-Max': String(this.limits.max),
      'X-RateLimit-Remaining': String(remaining),
      'X-RateLimit-Interval-Milliseconds': String(this.limits.windowMs),
      'X-RateLimit-Limit-Daily': String(this.limits.daily),
      'X-RateLimit-Daily-Remaining': String(dailyRemaining),
    };
  }

  protected route(method: string, path: string, json: unknown, headers: Record<string, string>): Answer {
    if (method !== 'POST') return { status: 404, body: { statusCode: 404, message: 'Cannot ' + method } };
    if (!headers.version) return { status: 400, body: { statusCode: 400, message: 'Version header was not found' } };
    const body = (json ?? {}) as Record<string, unknown>;
    if (path === '/contacts/upsert') return this.upsert(body);
    let m = /^\/contacts\/([^/]+)\/tags$/.exec(path);
    if (m) return this.addTags(decodeURIComponent(m[1]), body);
    m = /^\/contacts\/([^/]+)\/workflow\/([^/]+)$/.exec(path);
    if (m) return this.enrol(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
    return { status: 404, body: { statusCode: 404, message: `Cannot POST ${path}` } };
  }

  private upsert(b: Record<string, unknown>): Answer {
    if (!b.locationId) return { status: 422, body: { statusCode: 422, message: ['locationId should not be empty'], error: 'Unprocessable Entity' } };
    if (b.locationId !== this.locationId) return { status: 403, body: { statusCode: 403, message: 'The token does not have access to this location.' } };
    const email = typeof b.email === 'string' ? b.email : undefined;
    const phone = typeof b.phone === 'string' ? b.phone : undefined;
    if (email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return { status: 422, body: { statusCode: 422, message: ['email must be an email'] } };
    if (!email && !phone) return { status: 400, body: { statusCode: 400, message: 'email or phone is required' } };
    // duplicate rule: e-mail first, then phone
    let c = (email && this.findByEmail(email)) || (phone && this.findByPhone(phone)) || undefined;
    const created = !c;
    if (!c) c = this.seed({});
    if (typeof b.firstName === 'string') c.firstName = b.firstName;
    if (typeof b.lastName === 'string') c.lastName = b.lastName;
    if (email) c.email = email.toLowerCase();
    if (phone) c.phone = phone;
    // documented: "tags ... will overwrite all current tags"
    if (Array.isArray(b.tags)) c.tags = b.tags.map(String);
    if (b.dndSettings && typeof b.dndSettings === 'object') {
      for (const [ch, v] of Object.entries(b.dndSettings as Record<string, { status: string; message?: string }>)) c.dndSettings[ch] = { ...v };
    }
    if (Array.isArray(b.customFields)) for (const f of b.customFields as { key: string; field_value: string }[]) c.customFields[f.key] = f.field_value;
    return { status: created ? 201 : 200, body: { new: created, contact: { ...c }, traceId: `trace-${this.seen.length}` } };
  }

  private addTags(id: string, b: Record<string, unknown>): Answer {
    const c = this.contacts.find((x) => x.id === id);
    if (!c) return { status: 400, body: { statusCode: 400, message: 'Contact not found' } };
    if (!Array.isArray(b.tags)) return { status: 422, body: { statusCode: 422, message: ['tags must be an array'] } };
    for (const t of b.tags.map(String)) if (!c.tags.includes(t)) c.tags.push(t);
    return { status: 201, body: { tags: [...c.tags] } };
  }

  private enrol(id: string, workflowId: string): Answer {
    const c = this.contacts.find((x) => x.id === id);
    if (!c) return { status: 400, body: { statusCode: 400, message: 'Contact not found' } };
    if (!this.workflows.has(workflowId)) return { status: 400, body: { statusCode: 400, message: 'Workflow not found' } };
    this.enrolments.set(id, [...(this.enrolments.get(id) ?? []), workflowId]);
    return { status: 201, body: { succeded: true } };
  }
}
