import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { nanpDigits, nanpInUse, nanpPhone } from '../../../nodes/lib/contact/nanp';

const NANP = getCountries().filter((c) => getCountryCallingCode(c) === '1');
// regions outside +1 never take the national shapes; "+1" cells are the same for them
const OTHERS: CountryCode[] = ['GB', 'MX', 'DE', 'AU', 'IN', 'BR'];

/** What the full parse says of the cell: the fast path must say the same, or nothing. */
function full(text: string, region: CountryCode | undefined): { phone: string; valid: boolean } | undefined {
  const p = parsePhoneNumberFromString(text, region);
  return p ? { phone: p.number, valid: p.isValid() } : undefined;
}

const SHAPES: ((a: string, e: string, l: string) => string)[] = [
  (a, e, l) => `${a}${e}${l}`,
  (a, e, l) => `(${a}) ${e}-${l}`,
  (a, e, l) => `(${a})${e}-${l}`,
  (a, e, l) => `${a}-${e}-${l}`,
  (a, e, l) => `${a}.${e}.${l}`,
  (a, e, l) => `${a} ${e} ${l}`,
  (a, e, l) => `+1${a}${e}${l}`,
  (a, e, l) => `+1 ${a} ${e} ${l}`,
  (a, e, l) => `+1 (${a}) ${e}-${l}`,
  (a, e, l) => `+1-${a}-${e}-${l}`,
];

describe('contact/nanp', () => {
  it('is in use with the installed libphonenumber-js (the speed it exists for)', () => {
    assert.equal(nanpInUse(), true);
    assert.deepEqual(nanpPhone('(801) 555-0101', 'US'), { phone: '+18015550101', valid: true });
    assert.deepEqual(nanpPhone('(801) 155-0101', 'US'), { phone: '+18011550101', valid: false });
  });

  it('answers as the full parse for every area code, several exchanges, every +1 region and others', () => {
    let answered = 0;
    let valid = 0;
    let compared = 0;
    for (let area = 200; area <= 999; area++) {
      for (const exchange of ['011', '155', '200', '311', '555', '876', '911']) {
        const line = String((area * 37 + Number(exchange)) % 10000).padStart(4, '0');
        const shape = SHAPES[(area + Number(exchange)) % SHAPES.length];
        const text = shape(String(area), exchange, line);
        for (const region of [...NANP, ...OTHERS]) {
          const fast = nanpPhone(text, region);
          compared++;
          if (!fast) continue;
          answered++;
          if (fast.valid) valid++;
          assert.deepEqual(fast, full(text, region), `${text} in ${region}`);
        }
      }
    }
    // most cells take the fast path, valid and invalid alike: otherwise the speed is gone unseen
    assert.ok(answered > compared * 0.6, `only ${answered} of ${compared} cells answered`);
    assert.ok(valid > 1000 && answered - valid > 1000, `${valid} valid of ${answered}`);
  });

  it('answers as the full parse for random numbers in every shape (property)', () => {
    const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
    const region = fc.constantFrom<CountryCode | undefined>(...NANP, ...OTHERS, undefined);
    fc.assert(
      fc.property(digits(3), digits(3), digits(4), fc.nat(SHAPES.length - 1), region, (a, e, l, s, r) => {
        const text = SHAPES[s](a, e, l);
        const fast = nanpPhone(text, r);
        if (fast) assert.deepEqual(fast, full(text, r), `${text} in ${r}`);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads exactly the cells of its shape, as this pattern does (property)', () => {
    const SHAPE = /^(\+1[ .-]?)?(?:\(([2-9]\d\d)\)|([2-9]\d\d))[ .-]?(\d\d\d)[ .-]?(\d\d\d\d)$/;
    const expected = (t: string) => {
      const m = SHAPE.exec(t);
      return m ? (m[2] ?? m[3]) + m[4] + m[5] : undefined;
    };
    const cell = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'0123456789 .-+()x1'), maxLength: 18 }),
      fc.tuple(fc.nat(SHAPES.length - 1), fc.integer({ min: 0, max: 9_999_999_999 })).map(([s, n]) => {
        const d = String(n).padStart(10, '0');
        return SHAPES[s](d.slice(0, 3), d.slice(3, 6), d.slice(6));
      }),
    );
    fc.assert(fc.property(cell, (t) => assert.equal(nanpDigits(t), expected(t), JSON.stringify(t))), { numRuns: 50_000 });
  });

  it('leaves every other cell to the full parse', () => {
    for (const text of ['1-801-555-0101', '18015550101', '801-555-0101 x12', '801 555 0101 ext. 3', '+44 20 7946 0958', '011 44 20 7946 0958', '555-0101', '(801 555-0101', '801--555-0101', ' 801-555-0101', '+1 801 555 01012', 'tel:+18015550101']) {
      assert.equal(nanpPhone(text, 'US'), undefined, text);
    }
    // a national cell needs a region; a "+1" cell does not
    assert.equal(nanpPhone('801-555-0101'), undefined);
    assert.deepEqual(nanpPhone('+18015550101'), full('+18015550101', undefined));
    // outside +1 a national cell is not this shape's to read
    assert.equal(nanpPhone('201 555 0101', 'GB'), undefined);
  });
});
