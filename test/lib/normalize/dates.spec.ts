import { strict as assert } from 'node:assert';
import { addDays, addMonths, parseDate, parseWindow } from '../../../nodes/lib/normalize/dates';
import { resolveAsOf } from '../../../nodes/lib/normalize/segments';

describe('normalize/dates', () => {
  describe('parseDate', () => {
    const cases: [string, unknown, string | undefined][] = [
      ['ISO', '2025-04-15', '2025-04-15'],
      ['ISO single digits', '2025-4-5', '2025-04-05'],
      ['ISO with time (driver text)', '2025-04-15 00:00:00', '2025-04-15'],
      ['ISO with T time', '2025-04-15T13:45:00', '2025-04-15'],
      ['US MM/DD/YYYY', '04/15/2025', '2025-04-15'],
      ['US M/D/YYYY', '4/5/2025', '2025-04-05'],
      ['US with dashes', '04-15-2025', '2025-04-15'],
      ['US with a time', '06/02/2025 7:05 AM', '2025-06-02'],
      ['leap day', '02/29/2024', '2024-02-29'],
      ['Excel serial number', 45762, '2025-04-15'],
      ['Excel serial with time fraction', 45762.75, '2025-04-15'],
      ['Excel serial as text', '45762', '2025-04-15'],
      ['Excel serial of a leap day', 45351, '2024-02-29'],
      ['YYYYMMDD number', 20250415, '2025-04-15'],
      ['YYYYMMDD text', '20250415', '2025-04-15'],
      ['trimmed', '  2025-04-15 ', '2025-04-15'],
      ['empty', '', undefined],
      ['null', null, undefined],
      ['zero (Dentrix "none")', 0, undefined],
      ['zero text', '0', undefined],
      ['01/01/1900 placeholder', '01/01/1900', undefined],
      ['12/30/1899 placeholder', '12/30/1899', undefined],
      ['Open Dental 0001-01-01', '0001-01-01', undefined],
      ['1900-12-31 placeholder', '1900-12-31', undefined],
      ['first real date', '1901-01-01', '1901-01-01'],
      ['Excel serial 1 (1900-01-01)', 1, undefined],
    ];
    for (const [name, input, expected] of cases) {
      it(`${name}: ${JSON.stringify(input)} -> ${expected ?? 'no date'}`, () => {
        const p = parseDate(input);
        assert.equal(p.error, undefined);
        assert.equal(p.iso, expected);
      });
    }

    const bad: [string, unknown][] = [
      ['February 30', '2025-02-30'],
      ['29 Feb in a common year', '02/29/2025'],
      ['month 13', '13/01/2025'],
      ['words', 'next week'],
      ['two-digit year', '04/15/25'],
      ['boolean', true],
      ['too large a number', 3_000_000],
      ['NaN', Number.NaN],
    ];
    for (const [name, input] of bad) {
      it(`rejects ${name}`, () => {
        const p = parseDate(input);
        assert.equal(p.iso, undefined);
        assert.match(String(p.error), /./);
      });
    }

    it('a driver Date at UTC midnight is that calendar date, whatever the zone', () => {
      const d = new Date(Date.UTC(2025, 3, 15));
      assert.equal(parseDate(d, 'America/Denver').iso, '2025-04-15');
      assert.equal(parseDate(d, 'Asia/Tokyo').iso, '2025-04-15');
    });
    it('a driver timestamp is read in the office time zone', () => {
      const d = new Date('2025-04-15T03:30:00Z'); // evening of the 14th in Denver
      assert.equal(parseDate(d, 'America/Denver').iso, '2025-04-14');
      assert.equal(parseDate(d, 'Asia/Tokyo').iso, '2025-04-15');
      assert.equal(parseDate('2025-04-15T03:30:00Z', 'America/Denver').iso, '2025-04-14');
      assert.equal(parseDate('2025-04-15T03:30:00.000+00:00', 'America/Denver').iso, '2025-04-14');
    });
    it('an invalid Date is an error', () => {
      assert.match(String(parseDate(new Date('x')).error), /invalid/);
    });
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

  describe('parseWindow', () => {
    it('reads days and months in several spellings', () => {
      assert.deepEqual(parseWindow('w', '30 days'), { amount: 30, unit: 'days' });
      assert.deepEqual(parseWindow('w', '30d'), { amount: 30, unit: 'days' });
      assert.deepEqual(parseWindow('w', '45'), { amount: 45, unit: 'days' });
      assert.deepEqual(parseWindow('w', '18 months'), { amount: 18, unit: 'months' });
      assert.deepEqual(parseWindow('w', '1 Month'), { amount: 1, unit: 'months' });
      assert.deepEqual(parseWindow('w', '18m'), { amount: 18, unit: 'months' });
    });
    it('names the setting on a bad value', () => {
      assert.throws(() => parseWindow('due-soon window', 'soon'), /due-soon window.*"soon"/);
      assert.throws(() => parseWindow('w', '-3 days'), /w/);
      assert.throws(() => parseWindow('w', '2 years'), /w/);
    });
  });

  describe('asOf', () => {
    const instant = new Date('2026-01-01T03:00:00Z');
    it('is today in the office time zone', () => {
      assert.equal(resolveAsOf('', 'America/Denver', instant), '2025-12-31');
      assert.equal(resolveAsOf('', 'Asia/Tokyo', instant), '2026-01-01');
      assert.equal(resolveAsOf('', 'UTC', instant), '2026-01-01');
    });
    it('is the fixed date (RECALL_AS_OF) when one is set', () => {
      assert.equal(resolveAsOf('2025-06-15', 'America/Denver', instant), '2025-06-15');
      assert.equal(resolveAsOf('06/15/2025', '', instant), '2025-06-15');
    });
    it('rejects a bad zone or a bad fixed date, naming the setting', () => {
      assert.throws(() => resolveAsOf('', 'Mars/Olympus', instant), /time zone.*Mars\/Olympus/);
      assert.throws(() => resolveAsOf('someday', 'UTC', instant), /RECALL_AS_OF.*someday/);
    });
  });
});
