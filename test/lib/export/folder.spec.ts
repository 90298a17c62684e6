import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeName, isIgnoredName, isReportName, moveWithNote, officeFor } from '../../../nodes/lib/export/folder';
import { SeenStore, sha256File } from '../../../nodes/lib/export/seen';
import { exportSettings, officePattern } from '../../../nodes/lib/export/settings';

describe('lib/export folder, office, settings, seen store', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-folder-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('ignores lock, temp, partial and hidden names; takes report extensions in any case', () => {
    for (const n of ['~$recall.xlsx', 'recall.csv.tmp', 'recall.PART', 'x.crdownload', '.recall.csv', '.seen.json']) assert.ok(isIgnoredName(n), n);
    for (const n of ['recall.csv', 'RECALL.XLSX', 'recall.xls', 'recall.pdf', 'recall.txt']) assert.ok(isReportName(n), n);
    for (const n of ['notes.docx', 'Thumbs.db', 'desktop.ini', '~$recall.csv']) assert.ok(!isReportName(n), n);
  });

  it('never overwrites: name, name-2, name-3 …, and writes the note beside the moved file', async () => {
    const target = path.join(dir, 'failed');
    for (let i = 0; i < 3; i++) {
      const f = path.join(dir, 'r.csv');
      fs.writeFileSync(f, String(i));
      await moveWithNote(f, target, { suffix: '.error.txt', text: `why ${i}` });
    }
    assert.deepEqual(fs.readdirSync(target).sort(), ['r-2.csv', 'r-2.csv.error.txt', 'r-3.csv', 'r-3.csv.error.txt', 'r.csv', 'r.csv.error.txt']);
    assert.equal(fs.readFileSync(path.join(target, 'r-3.csv.error.txt'), 'utf8'), 'why 2');
    assert.equal(await freeName(target, 'new.csv'), path.join(target, 'new.csv'));
  });

  it('takes the office from a capture group (or the group named office), else the configured code', () => {
    assert.equal(officeFor('SLC1_recall.csv', 'X', /^([A-Z0-9]+)_/i), 'SLC1');
    assert.equal(officeFor('recall-OGD.csv', 'X', /-(?<office>[A-Z]+)\.csv$/), 'OGD');
    assert.equal(officeFor('other.csv', 'X', /^([A-Z0-9]+)_/), 'X');
    assert.throws(() => officeFor('other.csv', '', /^([A-Z0-9]+)_/), /does not match the pattern/);
    assert.throws(() => officeFor('other.csv', ''), /no office code/);
  });

  it('checks settings and names the one that is wrong', () => {
    assert.throws(() => officePattern('^[A-Z]+_'), /needs a capture group/);
    assert.throws(() => officePattern('(['), /not a valid regular expression/);
    assert.equal(officePattern(''), undefined);
    const base = { folder: 'inbox', office: 'A', baseDir: dir };
    const s = exportSettings(base);
    assert.equal(s.folder, path.join(dir, 'inbox'));
    assert.equal(s.stableMs, 2000);
    assert.equal(s.template.name, 'dentrix-continuing-care');
    assert.throws(() => exportSettings({ ...base, folder: '' }), /setting "Folder" is empty/);
    assert.throws(() => exportSettings({ ...base, stableMs: 'soon' }), /setting "Stable for \(ms\)"/);
    assert.throws(() => exportSettings({ ...base, template: 'custom', customTemplate: '[]' }), /setting "Template"/);
  });

  it('remembers content hashes across instances; a damaged state file reads as empty', async () => {
    const f = path.join(dir, 'a.csv');
    fs.writeFileSync(f, 'Name\r\nx\r\n');
    const sha = await sha256File(f);
    assert.match(sha, /^[0-9a-f]{64}$/);
    const store = new SeenStore(path.join(dir, 'processed', '.seen.json'));
    await store.load();
    assert.equal(store.get(sha), undefined);
    await store.add(sha, { file: 'a.csv', at: '2025-06-02T07:05:00.000Z' });
    const again = new SeenStore(path.join(dir, 'processed', '.seen.json'));
    await again.load();
    assert.deepEqual(again.get(sha), { file: 'a.csv', at: '2025-06-02T07:05:00.000Z' });
    fs.writeFileSync(path.join(dir, 'processed', '.seen.json'), '{broken');
    const damaged = new SeenStore(path.join(dir, 'processed', '.seen.json'));
    await damaged.load();
    assert.equal(damaged.get(sha), undefined, 'a damaged state file reads as empty');
  });
});
