// Each preset reads its own CRM's rate-limit signals (headers as the vendors document them).
import { strict as assert } from 'node:assert';
import { headerGetter } from '../../../nodes/lib/crm/retry';
import { ghlSignal, hubspotSignal, signalReader, genericSignal } from '../../../nodes/lib/crm/signals';

const answer = (status: number, headers: Record<string, string>, body = '') => ({ status, header: headerGetter(headers), body });
const open = { windowFull: false };
const full = { windowFull: true };

describe('crm rate-limit signals per preset', () => {
  it('GoHighLevel: an empty window waits one X-RateLimit-Interval-Milliseconds (no reset header), unless our own window is full', () => {
    const spent = { 'X-RateLimit-Max': '100', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Interval-Milliseconds': '10000', 'X-RateLimit-Daily-Remaining': '150000' };
    assert.deepEqual(ghlSignal(answer(200, spent), open, 0), { pauseMs: 10_000 });
    assert.deepEqual(ghlSignal(answer(200, spent), full, 0), { pauseMs: 0 });
    assert.deepEqual(ghlSignal(answer(429, spent), full, 0), { pauseMs: 10_000 });
    assert.deepEqual(ghlSignal(answer(200, { ...spent, 'X-RateLimit-Remaining': '7' }), open, 0), { pauseMs: 0 });
  });

  it('GoHighLevel: X-RateLimit-Daily-Remaining 0 means the daily quota is spent', () => {
    const s = ghlSignal(answer(429, { 'X-RateLimit-Remaining': '40', 'X-RateLimit-Daily-Remaining': '0' }), open, 0);
    assert.match(s.dailySpent!, /GoHighLevel daily API limit spent/);
  });

  it('HubSpot: a 429 naming DAILY stops; any other policy is the short window', () => {
    const daily = hubspotSignal(answer(429, {}, JSON.stringify({ status: 'error', errorType: 'RATE_LIMIT', policyName: 'DAILY' })), open, 0);
    assert.match(daily.dailySpent!, /HubSpot daily API limit spent/);
    const rolling = hubspotSignal(answer(429, { 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000' }, JSON.stringify({ policyName: 'TEN_SECONDLY_ROLLING' })), open, 0);
    assert.deepEqual(rolling, { pauseMs: 10_000 });
    const secondly = hubspotSignal(answer(429, {}, JSON.stringify({ policyName: 'SECONDLY' })), open, 0);
    assert.deepEqual(secondly, { pauseMs: 1000 });
    assert.match(hubspotSignal(answer(200, { 'X-HubSpot-RateLimit-Daily-Remaining': '0' }), open, 0).dailySpent!, /daily/);
  });

  it('HubSpot: X-HubSpot-RateLimit-Remaining 0 pauses only when our own window is not full', () => {
    const h = { 'X-HubSpot-RateLimit-Remaining': '0', 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000', 'X-HubSpot-RateLimit-Daily-Remaining': '9000' };
    assert.deepEqual(hubspotSignal(answer(200, h), open, 0), { pauseMs: 10_000 });
    assert.deepEqual(hubspotSignal(answer(200, h), full, 0), { pauseMs: 0 });
  });

  it('each preset ignores the other CRMs\' headers', () => {
    const ghlHeaders = { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Daily-Remaining': '0' };
    assert.deepEqual(hubspotSignal(answer(200, ghlHeaders), open, 0), { pauseMs: 0 });
    assert.equal(signalReader('generic'), genericSignal);
    assert.equal(genericSignal(answer(200, ghlHeaders), open, 0).dailySpent, undefined);
  });
});
