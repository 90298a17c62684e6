import { strict as assert } from 'node:assert';
import { resolveEndpoint, resolveSink } from '../../../nodes/lib/crm/config';
import { presetUrl } from '../../../nodes/lib/crm/presets';

describe('crm settings', () => {
  it('endpoint: secrets from credentials first, else from the named ${VAR}', () => {
    const env = { CRM_API_TOKEN: 'env-token', CRM_SIGNING_SECRET: 'env-secret', CRM_WEBHOOK_URL: 'https://crm.example.com/h' };
    const cfg = { url: '${CRM_WEBHOOK_URL}', tokenEnv: '${CRM_API_TOKEN}', secretEnv: '${CRM_SIGNING_SECRET}' };
    const a = resolveEndpoint(cfg, {}, env);
    assert.equal(a.problem, undefined);
    assert.deepEqual([a.endpoint.url, a.endpoint.token, a.endpoint.signingSecret], ['https://crm.example.com/h', 'env-token', 'env-secret']);
    const b = resolveEndpoint(cfg, { token: 'cred-token', signingSecret: 'cred-secret' }, env);
    assert.deepEqual([b.endpoint.token, b.endpoint.signingSecret], ['cred-token', 'cred-secret']);
    const c = resolveEndpoint(cfg, {}, {});
    assert.deepEqual([c.endpoint.url, c.endpoint.token, c.endpoint.signingSecret, c.problem], ['', undefined, undefined, undefined]);
  });

  it('endpoint: a misconfiguration is a problem naming the setting', () => {
    assert.match(resolveEndpoint({ url: 'http://192.0.2.1/h' }).problem!, /plain http/);
    assert.equal(resolveEndpoint({ url: 'http://192.0.2.1/h', allowPlainHttp: true }).problem, undefined);
    assert.match(resolveEndpoint({ preset: 'salesforce' }).problem!, /preset must be one of generic, gohighlevel, hubspot/);
    assert.match(resolveEndpoint({ concurrency: '0' }).problem!, /concurrency/);
    assert.match(resolveEndpoint({ url: 'https://x.example.com' }, { signingSecret: 'whsec_%%%' }).problem!, /base64/);
    const r = resolveEndpoint({ rateLimit: '100', rateInterval: '10', concurrency: '3' });
    assert.deepEqual(r.limits, { concurrency: 3, perInterval: 100, intervalMs: 10_000 });
  });

  it('presets post to the vendor URL unless overridden', () => {
    const ghl = resolveEndpoint({ preset: 'gohighlevel', locationId: 'loc' }).endpoint;
    assert.equal(presetUrl(ghl), 'https://services.leadconnectorhq.com/contacts/upsert');
    const hs = resolveEndpoint({ preset: 'hubspot', url: 'http://127.0.0.1:9999/' }).endpoint;
    assert.equal(presetUrl(hs), 'http://127.0.0.1:9999/crm/objects/2026-03/contacts/batch/upsert');
    assert.equal(presetUrl(resolveEndpoint({ preset: 'hubspot' }).endpoint), 'https://api.hubapi.com/crm/objects/2026-03/contacts/batch/upsert');
  });

  it('sink: dry-run on unless set false; max per run from RECALL_MAX_PER_RUN, else 500', () => {
    assert.equal(resolveSink({ dryRun: '${RECALL_DRY_RUN}' }, {}).dryRun, true);
    assert.equal(resolveSink({ dryRun: '${RECALL_DRY_RUN}' }, { RECALL_DRY_RUN: 'false' }).dryRun, false);
    assert.equal(resolveSink({ maxPerRun: '${RECALL_MAX_PER_RUN}' }, {}).maxPerRun, 500);
    assert.equal(resolveSink({ maxPerRun: '${RECALL_MAX_PER_RUN}' }, { RECALL_MAX_PER_RUN: '40' }).maxPerRun, 40);
    assert.throws(() => resolveSink({ dryRun: 'maybe' }, {}), /setting "dry-run"/);
    assert.throws(() => resolveSink({ maxPerRun: '0' }, {}), /max per run/);
    assert.throws(() => resolveSink({ allowList: 'ssn' }, {}), /PHI allow-list/);
    const s = resolveSink({ timeout: '7', maxAttempts: '2', maxRetryAfter: '30' }, {});
    assert.deepEqual([s.timeoutMs, s.policy.maxAttempts, s.policy.maxRetryAfterMs], [7000, 2, 30_000]);
  });
});
