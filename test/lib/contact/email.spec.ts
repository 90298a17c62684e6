import { strict as assert } from 'node:assert';
import { normalizeEmail } from '../../../nodes/lib/contact/email';

describe('contact/email', () => {
  describe('e-mails', () => {
    const cases: [unknown, string | undefined, boolean | undefined][] = [
      ['maria@example.com', 'maria@example.com', true],
      ['  Maria.Garcia@Example.COM ', 'maria.garcia@example.com', true],
      ['mailto:pat@example.com', 'pat@example.com', true],
      ['a@example.com; b@example.com', 'a@example.com', true],
      ['first+tag@mail.example.co.uk', 'first+tag@mail.example.co.uk', true],
      ['not-an-address', 'not-an-address', false],
      ['pat@example', 'pat@example', false],
      ['pat@@example.com', 'pat@@example.com', false],
      ['pat@-example.com', 'pat@-example.com', false],
      ['.pat@example.com', '.pat@example.com', false],
      ['', undefined, undefined],
      [null, undefined, undefined],
    ];
    for (const [input, email, valid] of cases) {
      it(`${JSON.stringify(input)} -> ${email ?? 'none'}${valid === false ? ' (invalid)' : ''}`, () => {
        const e = normalizeEmail(input);
        assert.equal(e?.email, email);
        assert.equal(e?.valid, valid);
      });
    }
  });
});
