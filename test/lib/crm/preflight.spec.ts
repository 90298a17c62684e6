// What a live run checks before it sends anything.
import { strict as assert } from 'node:assert';
import { toItems } from '../../../nodes/lib/crm/items';
import { batchProblem, checkLiveEndpoint } from '../../../nodes/lib/crm/preflight';
import { contact, hmac } from '../../support/contacts';

describe('crm pre-flight', () => {
  it('refuses a batch with an entry that is not a contact, or contacts without an idempotency key', () => {
    const ok = toItems([contact(1), contact(2)], [], hmac, false);
    assert.equal(batchProblem(ok.items, ok.bad), undefined);
    const bad = toItems([contact(1), { office: 'OFF1' }], [], hmac, false);
    assert.equal(batchProblem(bad.items, bad.bad), 'msg.payload[1] is not a recall contact (no office or patientId); nothing was sent');
    const keyless = toItems([contact(1, { key: '' }), contact(2, { key: '' }), contact(3)], [], hmac, false);
    assert.equal(batchProblem(keyless.items, keyless.bad), '2 contacts have no idempotency key: put idempotency-gate (reserve) before the CRM sink; nothing was sent');
  });

  it('refuses an endpoint without a URL, a GoHighLevel one without its location, plain http abroad and a bad signing secret', () => {
    assert.doesNotThrow(() => checkLiveEndpoint({ preset: 'generic', url: 'https://crm.example.com/hook', allowPlainHttp: false }));
    assert.throws(() => checkLiveEndpoint({ preset: 'generic', url: '', allowPlainHttp: false }), /^Error: CRM endpoint: no URL set \(CRM_WEBHOOK_URL\)$/);
    assert.throws(() => checkLiveEndpoint({ preset: 'gohighlevel', url: '', allowPlainHttp: false }), /GoHighLevel needs its Location ID/);
    assert.throws(() => checkLiveEndpoint({ preset: 'generic', url: 'http://192.0.2.10/hook', allowPlainHttp: false }), /plain http:\/\/ to 192\.0\.2\.10/);
    assert.throws(() => checkLiveEndpoint({ preset: 'generic', url: 'https://crm.example.com/hook', signingSecret: 'whsec_', allowPlainHttp: false }));
  });
});
