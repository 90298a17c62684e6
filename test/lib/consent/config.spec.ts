import { strict as assert } from 'node:assert';
import { resolveConsent } from '../../../nodes/lib/consent/config';

describe('consent/config', () => {
  it('defaults', () => {
    assert.deepEqual(resolveConsent({}, {}, {}), { region: 'US', timeoutMs: 30_000, noVoiceMask: 1, noTextMask: 2, allowHttp: false, continueOnPullFailure: false, token: '' });
  });
  it('the token: typed in the credential, or ${VAR} read from the environment', () => {
    assert.equal(resolveConsent({}, { token: ' t0k ' }, {}).token, 't0k');
    assert.equal(resolveConsent({}, { token: '${FEED_TOKEN}' }, { FEED_TOKEN: 'env-t0k' }).token, 'env-t0k');
    assert.throws(() => resolveConsent({}, { token: '${FEED_TOKEN}' }, {}), /setting "token": environment variable FEED_TOKEN is not set/);
  });
  it('a fixed URL is checked at deploy', () => {
    assert.throws(() => resolveConsent({ url: 'http://crm.example.com/dnd' }, {}, {}), /plain http/);
    assert.equal(resolveConsent({ url: 'http://crm.example.com/dnd', allowHttp: true }, {}, {}).allowHttp, true);
    resolveConsent({ url: 'msg.feedUrl', urlType: 'msg' }, {}, {});
  });
  it('names the setting at fault', () => {
    assert.throws(() => resolveConsent({ region: 'XX' }, {}, {}), /phone region/);
    assert.throws(() => resolveConsent({ pullTimeout: '0' }, {}, {}), /pull timeout/);
  });
});
