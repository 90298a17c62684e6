import { strict as assert } from 'node:assert';
import { getCountries, getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { cachedPatternCount, cachePhonePatterns, withoutPatternCache } from '../../../nodes/lib/contact/pattern-cache';
import { checkE164, normalizePhone } from '../../../nodes/lib/contact/phone';

/** Each region's example number, and variants of it with one digit changed (many invalid). */
function samples(): { region: CountryCode; text: string }[] {
  const out: { region: CountryCode; text: string }[] = [];
  for (const region of getCountries()) {
    const example = getExampleNumber(region, examples);
    if (!example) continue;
    const national = example.nationalNumber as string;
    out.push({ region, text: example.number as string }, { region, text: national });
    for (const at of [0, 1, national.length - 1]) {
      for (const digit of ['0', '1', '5', '9']) out.push({ region, text: national.slice(0, at) + digit + national.slice(at + 1) });
    }
    out.push({ region, text: `${national}1` }, { region, text: national.slice(1) });
  }
  return out;
}

describe('contact/pattern-cache', () => {
  it('is in use with the installed libphonenumber-js (the speed it exists for)', () => {
    assert.equal(cachePhonePatterns(), true);
    normalizePhone('(801) 555-0101', 'US');
    assert.ok(cachedPatternCount() > 0, 'no pattern went through the cache');
  });

  it('answers as libphonenumber-js alone does, for every region, valid and invalid numbers', () => {
    const all = samples();
    const answer = () => all.map(({ region, text }) => {
      const p = normalizePhone(text, region);
      return `${region} ${text} -> ${p ? `${p.phone} ${p.valid}` : '-'} ${p ? checkE164(p.phone) : ''}`;
    });
    const fresh = withoutPatternCache(answer);
    const cached = answer();
    assert.ok(all.length > 2000, `only ${all.length} samples`);
    const valid = cached.filter((a) => / true /.test(a)).length;
    assert.ok(valid > 200 && valid < all.length - 200, `samples should mix valid and invalid numbers (${valid} valid of ${all.length})`);
    assert.deepEqual(cached, fresh);
  });
});
