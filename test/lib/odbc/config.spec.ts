// lib/odbc/config: dentrix-odbc-in's settings, parsed once at deploy.
import { strict as assert } from 'node:assert';
import { odbcInSettings, shortFault } from '../../../nodes/lib/odbc/config';

describe('lib/odbc/config', () => {
  afterEach(() => {
    delete process.env.RECALL_AS_OF;
  });

  it('an empty SQL is the preset, its one "?" the as-of date (fixed by RECALL_AS_OF, read at each run)', () => {
    process.env.RECALL_AS_OF = '2027-03-01';
    const s = odbcInSettings({ sql: '', timeZone: 'America/Chicago' });
    assert.equal(s.preset, 'dentrix-g-recall');
    assert.equal(s.autoAsOf, true);
    assert.equal(s.asOf(), '2027-03-01');
    process.env.RECALL_AS_OF = '2027-03-02';
    assert.equal(s.asOf(), '2027-03-02');
    assert.deepEqual([s.retries, s.retryDelayMs, s.thinWindow, s.thinFraction, s.busy], [3, 2000, 5, 0.5, 'queue']);
  });

  it('own SQL: no preset, no as-of, the markers must match the listed parameters', () => {
    const s = odbcInSettings({ sql: 'SELECT * FROM v WHERE a = ?', params: 'msg.a', busy: 'drop', thinFraction: '0' });
    assert.deepEqual([s.preset, s.asOf(), s.busy, s.thinFraction], [undefined, undefined, 'drop', 0]);
    assert.throws(() => odbcInSettings({ sql: 'SELECT * FROM v WHERE a = ?' }), /has 1 "\?" parameter marker\(s\) but 0 parameter\(s\) are listed/);
  });

  it('names the setting that is wrong', () => {
    assert.throws(() => odbcInSettings({ sql: 'SELECT 1', thinFraction: '1.5' }), /setting "thin-batch fraction" must be a number from 0 to 1, got "1.5"/);
    assert.throws(() => odbcInSettings({ sql: 'SELECT 1', retries: '11' }), /setting "retries" must be a whole number from 0 to 10/);
    assert.throws(() => odbcInSettings({ sql: '', asOf: '06/05/2027', timeZone: 'UTC' }), /setting "as of".*use YYYY-MM-DD/);
  });

  it('says a fault in a few words', () => {
    assert.equal(shortFault('unreachable'), 'server unreachable');
    assert.equal(shortFault(undefined), 'failed');
  });
});
