import { strict as assert } from 'node:assert';
import { signatureHeaders, signingKey } from '../../../nodes/lib/crm/signing';
import { verifyStandardWebhook } from '../../support/crm-server';

describe('crm Standard Webhooks signing', () => {
  it('matches the Standard Webhooks reference vector', () => {
    // from the Standard Webhooks / Svix documentation
    const h = signatureHeaders(signingKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    assert.equal(h['webhook-signature'], 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is accepted by an independent verifier, for whsec_ and raw secrets', () => {
    const body = JSON.stringify({ schema: 'dental-recall/v1', firstName: 'A' });
    const now = Math.floor(Date.now() / 1000);
    for (const secret of ['whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64'), 'plain-shared-secret']) {
      const h = signatureHeaders(signingKey(secret), 'msg_1', now, body);
      assert.ok(verifyStandardWebhook(secret, { ...h }, body), secret);
      assert.ok(!verifyStandardWebhook(secret, { ...h }, body + ' '), 'tampered body must fail');
      assert.ok(!verifyStandardWebhook('other-secret', { ...h }, body), 'wrong secret must fail');
    }
  });

  it('refuses a whsec_ secret that is not base64', () => {
    assert.throws(() => signingKey('whsec_not base64!'), /base64/);
    assert.throws(() => signingKey(''), /empty/);
  });
});
