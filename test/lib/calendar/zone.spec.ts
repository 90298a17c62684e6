import { strict as assert } from 'node:assert';
import { checkTimeZone, dateInZone, isValidTimeZone } from '../../../nodes/lib/calendar/zone';

describe('calendar/zone', () => {
  const late = new Date('2026-11-28T03:00:00Z');
  it('the calendar day of an instant in the office zone', () => {
    assert.equal(dateInZone(late, 'America/Denver'), '2026-11-27');
    assert.equal(dateInZone(late, 'Asia/Tokyo'), '2026-11-28');
    assert.equal(dateInZone(late, 'UTC'), '2026-11-28');
  });
  it("'' is the machine's zone", () => {
    const machine = Intl.DateTimeFormat().resolvedOptions().timeZone;
    assert.equal(dateInZone(late, ''), dateInZone(late, machine));
  });
  it('an unknown zone is an error naming the setting (no silent fallback)', () => {
    assert.equal(isValidTimeZone('Not/AZone'), false);
    assert.throws(() => checkTimeZone('Not/AZone'), /setting "time zone": "Not\/AZone" is not an IANA time zone/);
    assert.throws(() => dateInZone(late, 'Not/AZone'), /setting "time zone"/);
    assert.equal(checkTimeZone(' America/Denver '), 'America/Denver');
  });
});
