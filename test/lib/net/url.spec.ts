import { strict as assert } from 'node:assert';
import { checkCrmUrl, isLoopbackHost, redactUrl, safeUrl } from '../../../nodes/lib/net/url';

describe('net/url', () => {
  it('plain http only to loopback unless allowed', () => {
    for (const h of ['localhost', '127.0.0.1', '127.8.9.10', '[::1]', '::1', 'api.localhost']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['10.0.0.5', '192.168.1.2', 'crm.example.com', '128.0.0.1', '127.0.0.1.example.com']) assert.ok(!isLoopbackHost(h), h);
    assert.doesNotThrow(() => checkCrmUrl('http://127.0.0.1:8080/x', false));
    assert.doesNotThrow(() => checkCrmUrl('http://[::1]/x', false));
    assert.doesNotThrow(() => checkCrmUrl('https://crm.example.com/x', false));
    assert.throws(() => checkCrmUrl('http://10.0.0.5/x', false), /plain http:\/\/ to 10\.0\.0\.5/);
    assert.doesNotThrow(() => checkCrmUrl('http://10.0.0.5/x', true));
    assert.throws(() => checkCrmUrl('ftp://crm.example.com', true), /only https/);
    assert.throws(() => checkCrmUrl('not a url', false), /not a valid URL/);
    assert.equal(safeUrl('https://user:pw@crm.example.com/hook?token=abc'), 'https://crm.example.com/hook');
  });

  it('redacts query values and user info for people to read', () => {
    assert.equal(redactUrl('https://user:pw@crm.example.com/hook?api_key=abc&x=1'), 'https://crm.example.com/hook?api_key=[redacted]&x=[redacted]');
  });
});
