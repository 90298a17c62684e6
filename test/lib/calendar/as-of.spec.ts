// The as-of date, read by dentrix-odbc-in and recall-normalize alike. The cases
// below once had two answers (normalize took them, the ODBC preset refused them,
// or a Date became its UTC day): pinned here to one.
import { strict as assert } from 'node:assert';
import { parseAsOf, resolveAsOf } from '../../../nodes/lib/calendar/as-of';

describe('calendar/as-of', () => {
  const instant = new Date('2026-01-01T03:30:00Z');

  it('is today in the office time zone when no date is fixed', () => {
    assert.equal(resolveAsOf('', 'America/Denver', instant), '2025-12-31');
    assert.equal(resolveAsOf(undefined, 'Asia/Tokyo', instant), '2026-01-01');
    assert.equal(resolveAsOf('  ', 'UTC', instant), '2026-01-01');
    assert.equal(resolveAsOf('', 'Pacific/Auckland', instant), '2026-01-01');
  });

  it('is the fixed date when one is set, written year first', () => {
    assert.equal(resolveAsOf(' 2025-06-15 ', 'America/Denver', instant), '2025-06-15');
    assert.equal(parseAsOf('2025-6-5', 'UTC'), '2025-06-05');
    assert.equal(parseAsOf('20250615', 'UTC'), '2025-06-15');
    assert.equal(parseAsOf(20250615, 'UTC'), '2025-06-15');
    assert.equal(parseAsOf('2024-02-29', 'UTC'), '2024-02-29');
  });

  it('refuses dates that read two ways or not at all, naming the setting', () => {
    for (const text of ['06/15/2025', '15/06/2025', '06-15-2025', '45823', '2025-02-30', '2025-13-01', 'someday', '2025-06-15T10:00']) {
      assert.throws(() => parseAsOf(text, 'UTC'), new RegExp(`setting "as of" \\(RECALL_AS_OF\\): "${text.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&')}" is not a date \\(use YYYY-MM-DD\\)`), text);
    }
  });

  it('a Date: UTC midnight is that day; any other instant is its day in the office zone (not its UTC day)', () => {
    assert.equal(parseAsOf(new Date(Date.UTC(2025, 5, 15)), 'America/Denver'), '2025-06-15');
    assert.equal(parseAsOf(new Date('2025-06-16T03:00:00Z'), 'America/Denver'), '2025-06-15');
    assert.equal(parseAsOf(new Date('2025-06-16T03:00:00Z'), 'Asia/Tokyo'), '2025-06-16');
    assert.throws(() => parseAsOf(new Date('x'), 'UTC'), /setting "as of".*invalid Date/);
  });

  it('a bad zone is refused, naming the setting', () => {
    assert.throws(() => resolveAsOf('', 'Mars/Olympus', instant), /setting "time zone": "Mars\/Olympus"/);
    assert.throws(() => resolveAsOf('2025-06-15', 'Mars/Olympus', instant), /setting "time zone"/);
  });
});
