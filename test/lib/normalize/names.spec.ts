import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { cleanText, parseName } from '../../../nodes/lib/normalize/names';

describe('normalize/names', () => {
  it('cleanText makes every run of whitespace one space and trims, and returns clean text as it is', () => {
    const reference = (v: unknown) => String(v).replace(/\s+/g, ' ').trim();
    const chars = fc.constantFrom('a', 'Z', '9', ' ', '  ', '\t', '\n', '\r', '\u00a0', '\u2003', '\ufeff', '\u2028', 'é', '-');
    fc.assert(fc.property(fc.array(chars, { maxLength: 12 }), (parts) => assert.equal(cleanText(parts.join('')), reference(parts.join('')))), { numRuns: 5000 });
    for (const v of [0, 42, true, 'Ann Lee']) assert.equal(cleanText(v), reference(v));
    assert.equal(cleanText(null), '');
    assert.equal(cleanText(undefined), '');
    const clean = 'Ann Marie Lee';
    assert.equal(cleanText(clean), clean);
  });

  describe('names', () => {
    const cases: [unknown, string, string][] = [
      ['Garcia, Maria', 'Maria', 'Garcia'],
      ["  O'Brien ,  Pat ", 'Pat', "O'Brien"],
      ['Smith Jr., John A', 'John A', 'Smith Jr.'],
      ['Maria  Garcia', 'Maria', 'Garcia'],
      ['Mary Ann Smith', 'Mary Ann', 'Smith'],
      ['Garcia,', '', 'Garcia'],
      ['Garcia', '', 'Garcia'],
      ['', '', ''],
    ];
    for (const [input, first, last] of cases) {
      it(`${JSON.stringify(input)} -> first "${first}", last "${last}"`, () => assert.deepEqual(parseName(input), { firstName: first, lastName: last }));
    }
  });
});
