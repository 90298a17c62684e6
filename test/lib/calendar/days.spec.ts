import { strict as assert } from 'node:assert';
import { addDays, addMonths, dayNumber, daysInMonth, isIsoDate } from '../../../nodes/lib/calendar/days';

describe('calendar/days', () => {
  it('daysInMonth agrees with the Date calendar for every month of years 100-9999 (leap years at 4, not 100, yes 400)', () => {
    const wrong: string[] = [];
    for (let year = 100; year <= 9999; year++) {
      for (let month = 1; month <= 12; month++) {
        const expected = new Date(Date.UTC(year, month, 0)).getUTCDate();
        if (daysInMonth(year, month) !== expected) wrong.push(`${year}-${month}: ${daysInMonth(year, month)} not ${expected}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.deepEqual([daysInMonth(1900, 2), daysInMonth(2000, 2), daysInMonth(2024, 2), daysInMonth(2025, 2), daysInMonth(4, 2)], [28, 29, 29, 28, 29]);
  });

  describe('month arithmetic clamps to the end of a shorter month', () => {
    const cases: [string, number, string][] = [
      ['2025-08-31', -6, '2025-02-28'],
      ['2024-08-31', -6, '2024-02-29'],
      ['2025-08-31', -18, '2024-02-29'],
      ['2024-08-31', -18, '2023-02-28'],
      ['2024-02-29', 12, '2025-02-28'],
      ['2024-02-29', -12, '2023-02-28'],
      ['2024-02-29', 48, '2028-02-29'],
      ['2025-03-31', -1, '2025-02-28'],
      ['2025-01-31', 1, '2025-02-28'],
      ['2025-05-31', -1, '2025-04-30'],
      ['2025-12-15', 1, '2026-01-15'],
      ['2026-01-15', -1, '2025-12-15'],
      ['2025-06-15', -18, '2023-12-15'],
    ];
    for (const [from, n, to] of cases) it(`${from} ${n >= 0 ? '+' : ''}${n} months = ${to}`, () => assert.equal(addMonths(from, n), to));
  });

  describe('day arithmetic', () => {
    const cases: [string, number, string][] = [
      ['2024-02-28', 1, '2024-02-29'],
      ['2024-02-29', 1, '2024-03-01'],
      ['2025-02-28', 1, '2025-03-01'],
      ['2025-03-01', -30, '2025-01-30'],
      ['2024-03-01', -30, '2024-01-31'],
      ['2025-12-15', 30, '2026-01-14'],
    ];
    for (const [from, n, to] of cases) it(`${from} ${n >= 0 ? '+' : ''}${n} days = ${to}`, () => assert.equal(addDays(from, n), to));
  });

  it('dayNumber: differences are whole days, across month ends, leap days and DST', () => {
    assert.equal(dayNumber('1970-01-02'), 1);
    assert.equal(dayNumber('2024-03-01') - dayNumber('2024-02-28'), 2);
    assert.equal(dayNumber('2025-03-10') - dayNumber('2025-03-08'), 2);
    assert.equal(dayNumber('2025-06-15T23:59:59Z'), dayNumber('2025-06-15'));
  });
  it('isIsoDate wants a real date written YYYY-MM-DD', () => {
    assert.deepEqual(['2024-02-29', '2025-02-29', '2025-6-15', '20250615'].map(isIsoDate), [true, false, false, false]);
  });
});
