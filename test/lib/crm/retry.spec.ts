import { strict as assert } from 'node:assert';
import { backoffMs, classifyStatus, DEFAULT_POLICY, headerGetter, rateLimitWaitMs, retryAfterMs, retryDelayMs } from '../../../nodes/lib/crm/retry';

describe('crm retry policy', () => {
  it('classifies statuses as docs/ledger-and-delivery.md says', () => {
    for (const s of [200, 201, 202, 204]) assert.equal(classifyStatus(s), 'delivered', String(s));
    for (const s of [408, 409, 425, 429, 500, 502, 503, 504]) assert.equal(classifyStatus(s), 'retry', String(s));
    for (const s of [400, 410, 413, 415, 422]) assert.equal(classifyStatus(s), 'failed', String(s));
    // the endpoint is wrong, not the contact: stop instead of failing every contact
    for (const s of [301, 302, 401, 403, 404, 405, 407]) assert.equal(classifyStatus(s), 'halt', String(s));
  });

  it('reads Retry-After as seconds and as an HTTP-date', () => {
    const now = Date.parse('2026-11-27T10:00:00Z');
    assert.equal(retryAfterMs('7', now), 7000);
    assert.equal(retryAfterMs('Fri, 27 Nov 2026 10:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Fri, 27 Nov 2026 09:00:00 GMT', now), 0);
    assert.equal(retryAfterMs('soon', now), undefined);
    assert.equal(retryAfterMs(undefined, now), undefined);
  });

  it('waits for an exhausted X-RateLimit window (delta seconds or Unix time)', () => {
    const now = 1_800_000_000_000;
    assert.equal(rateLimitWaitMs(headerGetter({ 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '3' }), now), 3000);
    assert.equal(rateLimitWaitMs(headerGetter({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 5) }), now), 5000);
    assert.equal(rateLimitWaitMs(headerGetter({ 'X-RateLimit-Remaining': '4', 'X-RateLimit-Reset': '3' }), now), undefined);
    assert.equal(rateLimitWaitMs(headerGetter({ 'RateLimit-Remaining': '0', 'RateLimit-Reset': '2' }), now), 2000);
  });

  it('backs off exponentially with full jitter, capped', () => {
    const p = { ...DEFAULT_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(backoffMs(1, p, () => 0), 0);
    assert.equal(backoffMs(1, p, () => 0.999999), 99);
    assert.equal(backoffMs(3, p, () => 0.5), 200);
    assert.equal(backoffMs(10, p, () => 0.999999), 999);
  });

  it('never waits less than the CRM asked, and gives up beyond the limit', () => {
    const p = { ...DEFAULT_POLICY, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 };
    const now = Date.now();
    assert.equal(retryDelayMs(1, p, headerGetter({ 'retry-after': '5' }), now, () => 0.5), 5000);
    assert.equal(retryDelayMs(1, p, headerGetter({}), now, () => 0.5), 50);
    assert.equal(retryDelayMs(1, p, headerGetter({ 'retry-after': '120' }), now, () => 0.5), undefined);
  });
});
