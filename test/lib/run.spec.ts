// lib/run: run metadata made whole one way for every stage.
import { strict as assert } from 'node:assert';
import { runMetaOf } from '../../nodes/lib/run';

describe('lib/run runMetaOf', () => {
  it('keeps the metadata of the run and fills only what is missing', () => {
    const recall = { runId: 'r1', office: 'NORTH', source: 'odbc', counts: { 'not-due': 2 }, asOf: '2027-01-04' };
    const meta = runMetaOf(recall, [{ source: 'export' }]);
    assert.equal(meta, recall);
    assert.deepEqual(meta, { runId: 'r1', office: 'NORTH', source: 'odbc', counts: { 'not-due': 2 }, asOf: '2027-01-04' });
  });

  it('without msg.recall, takes the source from the contacts: an ODBC run stays an ODBC run', () => {
    const meta = runMetaOf(undefined, [{ patientId: 'P1', source: 'odbc' }], { office: 'SOUTH', source: 'export' });
    assert.equal(meta.source, 'odbc');
    assert.equal(meta.office, 'SOUTH');
    assert.match(meta.runId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(meta.counts, {});
    assert.equal(runMetaOf(undefined, []).source, 'export');
    assert.equal(runMetaOf(undefined, [{ 'Patient ID': 'P1' }], { source: 'odbc' }).source, 'odbc', 'raw rows: the caller\'s source');
  });

  it('a partial msg.recall (e.g. {}) gets a run id, counts and a source instead of staying bare', () => {
    const meta = runMetaOf({}, [{ source: 'odbc' }]);
    assert.match(meta.runId, /^[0-9a-f-]{36}$/);
    assert.deepEqual([meta.source, meta.counts, meta.office], ['odbc', {}, '']);
    assert.notEqual(runMetaOf({}, []).runId, runMetaOf({}, []).runId);
  });
});
