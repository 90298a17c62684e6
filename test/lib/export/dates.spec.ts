import * as assert from 'node:assert/strict';
import { excelSerialToIso, toIsoDate } from '../../../nodes/lib/export/dates';

describe('lib/export dates', () => {
  it('reads US text dates, with or without leading zeros, time or two-digit years', () => {
    assert.equal(toIsoDate('04/15/2025'), '2025-04-15');
    assert.equal(toIsoDate(' 5/2/2025 '), '2025-05-02');
    assert.equal(toIsoDate('06/02/2025 7:05 AM'), '2025-06-02');
    assert.equal(toIsoDate('12/31/99'), '1999-12-31');
    assert.equal(toIsoDate('01/01/25'), '2025-01-01');
  });

  it('reads ISO text and Excel serials (number or text)', () => {
    assert.equal(toIsoDate('2025-04-15'), '2025-04-15');
    assert.equal(toIsoDate('2025-04-15T10:00:00Z'), '2025-04-15');
    assert.equal(toIsoDate(45762), '2025-04-15');
    assert.equal(toIsoDate(45762.75), '2025-04-15');
    assert.equal(toIsoDate('45762'), '2025-04-15');
    assert.equal(excelSerialToIso(61), '1900-03-01');
  });

  it('reads a Date by its UTC calendar day (exceljs gives UTC midnight)', () => {
    assert.equal(toIsoDate(new Date(Date.UTC(2024, 1, 29))), '2024-02-29');
  });

  it('returns undefined for non-dates, impossible dates and long text', () => {
    for (const v of ['', '+', 'n/a', '02/30/2025', '13/01/2025', '2025-02-29', 12, null, new Date(NaN), '1'.repeat(100_000) + '/1/2025']) {
      assert.equal(toIsoDate(v as never), undefined, String(v).slice(0, 20));
    }
  });
});
