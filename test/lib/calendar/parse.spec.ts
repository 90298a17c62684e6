import { strict as assert } from 'node:assert';
import { parseDate, zoneFreeDate } from '../../../nodes/lib/calendar/parse';

describe('calendar/parse', () => {
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
      ['long text', '1'.repeat(100_000) + '/1/2025'],
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

  // cells the export reader and recall-normalize used to read apart (two parsers):
  // one parser now, one answer on every path
  describe('cases the two former parsers disagreed on', () => {
    const pinned: [string, unknown, string, string | undefined][] = [
      ['two-digit year (export took it, normalize refused)', '04/15/25', 'UTC', '2025-04-15'],
      ['two-digit year before 1970', '12/31/99', 'UTC', '1999-12-31'],
      ['dots (export took them, normalize refused)', '04.15.2025', 'UTC', '2025-04-15'],
      ['YYYYMMDD text (normalize took it, the export reader did not)', '20250415', 'UTC', '2025-04-15'],
      ['12/30/1899 placeholder (export passed 1899-12-30 on)', '12/30/1899', 'UTC', undefined],
      ['a Date before 1901 (export: that date; normalize: none)', new Date(Date.UTC(1899, 11, 30)), 'UTC', undefined],
    ];
    for (const [name, input, zone, expected] of pinned) {
      it(`${name}: ${input instanceof Date ? input.toISOString() : JSON.stringify(input)} -> ${expected ?? 'no date'}`, () => {
        const p = parseDate(input, zone);
        assert.equal(p.error, undefined);
        assert.equal(p.iso, expected);
      });
    }
    it('a timestamp naming its zone is the office day on every path (the export reader took its UTC date)', () => {
      const cell = '2025-04-15T03:30:00Z'; // evening of the 14th in Denver
      assert.equal(zoneFreeDate(cell), undefined, 'the export reader leaves it to recall-normalize');
      assert.equal(parseDate(cell, 'America/Denver').iso, '2025-04-14');
    });
    it('an exceljs date-time (wall clock encoded as UTC) keeps its wall-clock day', () => {
      assert.equal(zoneFreeDate(new Date(Date.UTC(2025, 3, 15, 23, 30))), '2025-04-15');
      assert.equal(zoneFreeDate(45762.75), '2025-04-15');
      assert.equal(zoneFreeDate('04/15/2025'), '2025-04-15');
    });
    it('US text with anything after the date but a time is no date (the export took "04/15/2025xyz")', () => {
      assert.match(String(parseDate('04/15/2025 next week').error), /not a date/);
    });
  });
});
