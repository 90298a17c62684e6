import { strict as assert } from 'node:assert';
import { parseWindow } from '../../../nodes/lib/normalize/segments';

describe('normalize/segments windows', () => {
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

});
