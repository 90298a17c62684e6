import { strict as assert } from 'node:assert';
import { asOfDate, isIsoDate, todayIn } from '../../../nodes/lib/odbc/as-of';

describe('odbc preset as-of date', () => {
  const instant = new Date('2026-01-01T03:30:00Z');

  it('is today in the office time zone', () => {
    assert.equal(todayIn('America/Denver', instant), '2025-12-31');
    assert.equal(todayIn('UTC', instant), '2026-01-01');
    assert.equal(asOfDate('', 'Pacific/Auckland', instant), '2026-01-01');
  });

  it('is the fixed date when one is set', () => {
    assert.equal(asOfDate(' 2025-06-15 ', 'America/Denver', instant), '2025-06-15');
  });

  it('refuses a bad date or zone, naming the setting', () => {
    assert.throws(() => asOfDate('06/15/2025', ''), /setting "as of" \(RECALL_AS_OF\): "06\/15\/2025" is not a date/);
    assert.throws(() => asOfDate('2025-02-30', ''), /is not a date/);
    assert.throws(() => asOfDate('', 'Mars/Olympus'), /setting "time zone": "Mars\/Olympus"/);
    assert.deepEqual([isIsoDate('2024-02-29'), isIsoDate('2025-02-29')], [true, false]);
  });
});
