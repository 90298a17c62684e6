import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { contactKey, hmacWith, recallKey, suppressionHash, suppressionValue } from '../../../nodes/lib/ledger/keys';

describe('ledger keys', () => {
  const hmac = hmacWith('test-secret');
  const base = { office: 'NORTH', patientId: '1042', segment: 'due-now' as const, dueDate: '2026-11-02', lastVisit: '2026-05-02' };

  it('is HMAC-SHA256 hex (RFC 4231 test case 2)', () => {
    assert.equal(hmacWith('Jefe')('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('equals a Hmac object for every secret and text: short and long, ASCII and not, lone surrogates', () => {
    const reference = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');
    // ASCII secrets up to 64 bytes take the two one-shot hashes, the others the Hmac object
    const secrets = fc.oneof(
      fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 64 }),
      fc.string({ unit: 'binary-ascii', minLength: 60, maxLength: 130 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }),
    );
    const text = fc.string({ unit: 'binary', maxLength: 200 });
    fc.assert(
      fc.property(secrets, fc.array(text, { minLength: 1, maxLength: 4 }), (secret, parts) => {
        assert.equal(hmacWith(secret)(...parts), reference(secret, parts.join('|')));
      }),
      { numRuns: 3000 },
    );
    // the edges of the fast form: exactly one block, one byte over, a lone surrogate, a NUL
    for (const secret of ['k'.repeat(64), 'k'.repeat(65), 'é'.repeat(32), '\u007f'.repeat(64)]) {
      for (const t of ['', 'a|b', '\ud800', '\u0000x', 'ü'.repeat(100)]) assert.equal(hmacWith(secret)(t), reference(secret, t), `${secret.length} chars`);
    }
    // and the answer does not depend on the answer before it (one buffer serves every call)
    const h = hmacWith('test-secret');
    const first = h('one');
    h('two');
    assert.equal(h('one'), first);
  });

  it('joins office | patientId | segment | dueDate', () => {
    assert.equal(recallKey(hmac, base), hmac('NORTH', '1042', 'due-now', '2026-11-02'));
    assert.equal(recallKey(hmac, base), hmacWith('test-secret')('NORTH|1042|due-now|2026-11-02'));
    assert.match(recallKey(hmac, base), /^[0-9a-f]{64}$/);
  });

  it('uses lastVisit when there is no due date', () => {
    assert.equal(recallKey(hmac, { ...base, segment: 'lapsed', dueDate: undefined }), hmac('NORTH', '1042', 'lapsed', '2026-05-02'));
  });

  it('gives a new key for a new segment, due date, office or secret, and the same key otherwise', () => {
    const k = recallKey(hmac, base);
    assert.equal(recallKey(hmacWith('test-secret'), { ...base }), k);
    assert.notEqual(recallKey(hmac, { ...base, segment: 'overdue' }), k);
    assert.notEqual(recallKey(hmac, { ...base, dueDate: '2027-05-02' }), k);
    assert.notEqual(recallKey(hmac, { ...base, office: 'SOUTH' }), k);
    assert.notEqual(recallKey(hmacWith('other'), base), k);
  });

  it('answers again for the same contact object from what it computed, and hashes afresh when a key part or the secret changed', () => {
    let calls = 0;
    const counting = (...parts: string[]) => {
      calls++;
      return hmac(...parts);
    };
    const c = { ...base };
    const k = recallKey(counting, c);
    assert.equal(recallKey(counting, c), k);
    assert.equal(calls, 1, 'the second question is answered without a hash');
    for (const change of [{ dueDate: '2027-05-02' }, { segment: 'overdue' as const }, { patientId: '1043' }, { office: 'SOUTH' }]) {
      Object.assign(c, change);
      assert.equal(recallKey(counting, c), hmac(c.office, c.patientId, c.segment, c.dueDate), `after ${JSON.stringify(change)}`);
    }
    assert.equal(calls, 5);
    const other = hmacWith('other-secret');
    assert.equal(recallKey(other, c), other(c.office, c.patientId, c.segment, c.dueDate), 'another secret is never answered from the first');
    // a copy is a new object: hashed, with the same result
    assert.equal(recallKey(counting, { ...c }), recallKey(hmac, c));
  });

  it('contactKey is HMAC(office | patientId), the same across segments', () => {
    assert.equal(contactKey(hmac, base), hmac('NORTH', '1042'));
    assert.notEqual(contactKey(hmac, base), recallKey(hmac, base));
  });

  it('hashes suppression values as HMAC(secret, suppress | value), e-mail case and spaces ignored', () => {
    assert.equal(suppressionValue(' Ann.Smith@Example.COM '), 'ann.smith@example.com');
    assert.equal(suppressionValue(' +15550100123 '), '+15550100123');
    assert.equal(suppressionHash(hmac, 'Ann.Smith@Example.com'), hmac('suppress', 'ann.smith@example.com'));
    assert.notEqual(suppressionHash(hmac, '+15550100123'), hmac('+15550100123'));
  });

  it('refuses an empty secret', () => {
    assert.throws(() => hmacWith(''), /secret is empty/);
  });
});
