// The watched export folder as a service, against a real temp folder and the real
// watcher: a missing folder refuses the start and is tried again, a backlog file's rows
// are delivered and the file filed, close stops the watch.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { localDate } from '../../../nodes/lib/export/folder';
import type { ExportBatch, Outcome } from '../../../nodes/lib/export/process-file';
import { ExportService } from '../../../nodes/lib/export/service';
import { exportSettings } from '../../../nodes/lib/export/settings';
import { CC_CSV, EXPECTED_CC_ROWS } from './workbooks';

describe('lib/export ExportService', function () {
  this.timeout(20_000);
  let root: string;
  let service: ExportService | undefined;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'export-service-'))));
  afterEach(async () => {
    await service?.close();
    service = undefined;
    fs.rmSync(root, { recursive: true, force: true });
  });

  function make(folder: string) {
    const seen = { batches: [] as ExportBatch[], outcomes: [] as Outcome[], watching: 0, logs: [] as string[] };
    let delivered: () => void = () => undefined;
    const outcome = new Promise<void>((resolve) => (delivered = resolve));
    const settings = exportSettings({ folder, office: 'T01', template: 'dentrix-continuing-care', stableMs: 50, baseDir: root });
    service = new ExportService(settings, {
      deliver: (batch) => void seen.batches.push(batch),
      outcome: (o) => {
        seen.outcomes.push(o);
        delivered();
      },
      error: (err) => assert.fail(err),
      activity: () => undefined,
      pages: () => () => undefined,
      watching: () => void seen.watching++,
      log: (m) => seen.logs.push(m),
      warn: (m) => assert.fail(m),
    });
    return { seen, outcome };
  }

  it('refuses to start on a missing folder, and starts once it exists', async () => {
    const folder = path.join(root, 'exports');
    const { seen } = make(folder);
    await assert.rejects(service!.start(), new RegExp(`^Error: folder "${folder.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}" does not exist or is not a folder \\(setting "Folder"\\)$`));
    assert.equal(seen.watching, 0);
    fs.mkdirSync(folder);
    await service!.start();
    assert.equal(seen.watching, 1);
    assert.equal(await service!.rescan(), 0);
  });

  it("delivers a backlog file's rows, then files it under processed/<date>/", async () => {
    fs.copyFileSync(CC_CSV, path.join(root, 'cc.csv'));
    const { seen, outcome } = make(root);
    await service!.start();
    await outcome;
    assert.deepEqual(seen.batches.map((b) => b.rows), [EXPECTED_CC_ROWS]);
    assert.deepEqual(seen.outcomes.map((o) => o.kind), ['rows']);
    assert.ok(fs.existsSync(path.join(root, 'processed', localDate(new Date()), 'cc.csv')));
  });
});
