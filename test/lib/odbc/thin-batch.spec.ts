import { strict as assert } from 'node:assert';
import { median, ThinBatchDetector } from '../../../nodes/lib/odbc/thin-batch';

describe('odbc thin-batch detector', () => {
  it('computes medians', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 10]), 3.5);
  });

  it('judges nothing on the first run, then warns below fraction x median of the window', () => {
    const d = new ThinBatchDetector(3, 0.5);
    assert.deepEqual(d.record(100), { thin: false });
    assert.equal(d.record(90).thin, false);
    assert.equal(d.record(110).thin, false);
    const thin = d.record(40);
    assert.deepEqual(thin, { thin: true, median: 100, threshold: 50 });
    assert.deepEqual(d.recent, [90, 110, 40], 'keeps only the last 3 runs');
    assert.equal(d.record(50).thin, false, 'median of 90,110,40 is 90: 50 >= 45');
  });

  it('treats zero rows after normal runs as thin, and fraction 0 as off', () => {
    const d = new ThinBatchDetector(5, 0.5);
    d.record(8);
    assert.equal(d.record(0).thin, true);
    const off = new ThinBatchDetector(5, 0);
    off.record(8);
    assert.equal(off.record(0).thin, false);
  });

  it('refuses nonsense settings', () => {
    assert.throws(() => new ThinBatchDetector(0, 0.5), /window/);
    assert.throws(() => new ThinBatchDetector(5, 2), /fraction/);
  });
});
