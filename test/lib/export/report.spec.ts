// What the export node says about each kind of outcome.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { ExportBatch } from '../../../nodes/lib/export/process-file';
import { reportOutcome } from '../../../nodes/lib/export/report';

const root = path.join(path.sep, 'exports');

describe('lib/export outcome report', () => {
  it('rows: the count and the file; a warning only for columns the template does not know', () => {
    const batch = (unexpected: string[]) => ({ file: 'cc.csv', rows: [{}, {}], table: { unexpected } }) as unknown as ExportBatch;
    assert.deepEqual(reportOutcome({ kind: 'rows', batch: batch([]), movedTo: '' }, root, 'T01'), { status: { state: 'ok', text: '2 rows from cc.csv' } });
    assert.equal(reportOutcome({ kind: 'rows', batch: batch(['Notes', 'X']), movedTo: '' }, root, 'T01').warn, 'cc.csv: columns not in the template were ignored: Notes, X');
  });

  it('a duplicate is skipped with a warning naming the first file and where it went', () => {
    const r = reportOutcome({ kind: 'duplicate', duplicate: { file: 'b.csv', sha256: 'h', first: { file: 'a.csv', at: '2026-01-05T08:00:00Z' }, movedTo: path.join(root, 'processed', '2026-01-05', 'b.csv') } }, root, 'T01');
    assert.deepEqual(r, {
      warn: `b.csv: same content as a.csv (processed 2026-01-05T08:00:00Z); not read again, moved to ${path.join('processed', '2026-01-05', 'b.csv')}`,
      status: { state: 'pending', text: 'duplicate skipped: b.csv' },
    });
  });

  it('a failed file: the message for output 2 with a new run, and the error for Catch', () => {
    const failure = { file: 'bad.csv', error: 'missing header "Chart #"', movedTo: path.join(root, 'failed', 'bad.csv') };
    const r = reportOutcome({ kind: 'failed', failure }, root, 'T01');
    assert.deepEqual(r.status, { state: 'broken', text: 'failed: bad.csv' });
    assert.deepEqual(r.failed!.payload, failure);
    assert.notEqual(r.failed!.payload, failure);
    assert.deepEqual([r.failed!.recall.source, r.failed!.recall.office, r.failed!.recall.file], ['export', 'T01', 'bad.csv']);
    assert.equal(r.failed!.error, `bad.csv: missing header "Chart #" (moved to ${path.join('failed', 'bad.csv')})`);
  });

  it('a file changed while read waits for the next look', () => {
    assert.deepEqual(reportOutcome({ kind: 'changed', file: path.join(root, 'cc.csv') }, root, 'T01'), { status: { state: 'queued', text: 'changed while read: cc.csv' } });
  });
});
