import { strict as assert } from 'node:assert';
import { getCountries, getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { checkE164, checkRegion, isValidE164, normalizePhone, pickPhone } from '../../../nodes/lib/contact/phone';

const US = checkRegion('US');

describe('contact/phone', () => {
  describe('phones to E.164 (libphonenumber-js, max metadata)', () => {
    const valid: [string, unknown, string][] = [
      ['Dentrix report format', '(801)555-0101', '+18015550101'],
      ['dashes', '801-555-0199', '+18015550199'],
      ['plain digits', '3855550142', '+13855550142'],
      ['number cell', 8015550177, '+18015550177'],
      ['with country code', '+1 801 555 0101', '+18015550101'],
      ['leading 1', '1-801-555-0101', '+18015550101'],
      ['extension dropped', '(801) 555-0101 ext 4', '+18015550101'],
      ['international', '+44 7911 123456', '+447911123456'],
    ];
    for (const [name, input, e164] of valid) {
      it(`${name}: ${JSON.stringify(input)} -> ${e164}, valid`, () => {
        assert.deepEqual(normalizePhone(input, US), { phone: e164, valid: true });
        assert.equal(isValidE164(e164), true);
      });
    }
    const invalid: [string, unknown][] = [
      ['exchange starting with 1', '(801)155-0101'],
      ['area code starting with 1', '(101)555-0101'],
      ['too short', '(801)555-010'],
      ['seven digits without area code', '555-0101'],
      ['digits that are no number', '12'],
    ];
    for (const [name, input] of invalid) {
      it(`${name}: ${JSON.stringify(input)} is kept but invalid`, () => {
        const p = normalizePhone(input, US);
        assert.ok(p);
        assert.equal(p.valid, false);
        assert.equal(isValidE164(p.phone), false);
      });
    }
    for (const empty of ['', '   ', null, undefined, 'n/a', 'none', '0', '000-000-0000', true]) {
      it(`${JSON.stringify(empty)} is no phone`, () => assert.equal(normalizePhone(empty, US), undefined));
    }
    it('the region is configurable', () => {
      assert.deepEqual(normalizePhone('07911 123456', checkRegion('gb')), { phone: '+447911123456', valid: true });
      assert.throws(() => checkRegion('XX'), /phone region.*XX/);
    });
    it('a number normalize found valid is valid as E.164 too, in every region (what lets consent trust the memo)', () => {
      let checked = 0;
      for (const country of getCountries()) {
        const example = getExampleNumber(country as CountryCode, examples);
        if (!example) continue;
        // written as an office types it (national format), read with that region
        for (const text of [example.formatNational(), example.nationalNumber, example.formatInternational()]) {
          const p = normalizePhone(text, country as CountryCode);
          if (!p?.valid) continue;
          checked++;
          // after normalize saw it valid, the memo answers; it must answer as a fresh check
          assert.equal(isValidE164(p.phone), checkE164(p.phone), `${country} ${text} -> ${p.phone}`);
          // and that check agrees, except for numbers shorter than E.164's 8 digits (TA, TK), never memoized
          if (/^\+\d{8,15}$/.test(p.phone)) assert.equal(checkE164(p.phone), true, `${country} ${text} -> ${p.phone}`);
        }
      }
      assert.ok(checked > 200, `only ${checked} example numbers checked`);
    });
    it('the memo answers as a fresh check for invalid numbers too', () => {
      for (const p of ['+18011550101', '+1801555010', '+999123456789', '+18015550101x']) {
        assert.equal(isValidE164(p), checkE164(p), p);
        assert.equal(isValidE164(p), false, p);
      }
    });
    it('isValidE164 wants the canonical E.164 text', () => {
      assert.equal(isValidE164('+18015550101'), true);
      assert.equal(isValidE164('8015550101'), false);
      assert.equal(isValidE164('+1 801 555 0101'), false);
    });
  });

  describe('pickPhone: first valid of mobile, home, work', () => {
    const M = '(801)555-0199';
    const H = '(801)555-0101';
    const W = '(801)555-0150';
    const BAD = '(801)155-0101';
    const cases: [string, Record<string, unknown>, string | undefined, string | undefined, boolean | undefined][] = [
      ['all three', { mobile: M, home: H, work: W }, '+18015550199', 'mobile', true],
      ['home and work', { home: H, work: W }, '+18015550101', 'home', true],
      ['work only', { work: W }, '+18015550150', 'work', true],
      ['invalid mobile falls back to a valid home', { mobile: BAD, home: H }, '+18015550101', 'home', true],
      ['only invalid numbers: the first is kept for bad-number', { mobile: BAD, home: '12' }, '+18011550101', 'mobile', false],
      ['none', { mobile: '', home: null }, undefined, undefined, undefined],
    ];
    for (const [name, c, phone, type, valid] of cases) {
      it(name, () => {
        const p = pickPhone(c, US);
        assert.equal(p?.phone, phone);
        assert.equal(p?.phoneType, type);
        assert.equal(p?.valid, valid);
      });
    }
  });
});
