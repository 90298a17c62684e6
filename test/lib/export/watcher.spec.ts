// FolderWatcher against a real temp folder and the real chokidar watch: files whose
// event never comes must still be handed on (a skipped file is a missed recall).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { FolderWatcher } from '../../../nodes/lib/export/watcher';

const CSV = 'Name,Chart #\r\nLee,L1\r\n';

describe('lib/export FolderWatcher (lost events)', function () {
  this.timeout(20_000);
  let dir: string;
  let watcher: FolderWatcher | undefined;
  // the module object itself (an `import *` is a copy): chokidar's readdirp looks readdir up on it at each call
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const promises = require('node:fs/promises') as { readdir: typeof fsp.readdir };
  const realReaddir = promises.readdir;

  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-watcher-'))));
  afterEach(async () => {
    promises.readdir = realReaddir;
    await watcher?.close();
    watcher = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A watcher that records the files it hands on; `seen` resolves at the first one. */
  function make(extra: { sweepMs?: number } = {}) {
    const handled: string[] = [];
    let first!: (f: string) => void;
    const seen = new Promise<string>((r) => (first = r));
    const w = new FolderWatcher({
      root: dir,
      stableMs: 50,
      handle: async (file) => {
        handled.push(path.basename(file));
        first(path.basename(file));
        await fsp.rm(file); // stands in for the move to processed/
      },
      onError: (err) => assert.fail(err),
      ...extra,
    });
    watcher = w;
    return { w, handled, seen };
  }

  /** Fails with `what` unless `p` settles first (the watcher has no other way to say "never"). */
  function within<T>(p: Promise<T>, what: string, ms = 10_000): Promise<T> {
    let t: NodeJS.Timeout;
    const limit = new Promise<never>((_r, reject) => (t = setTimeout(() => reject(new Error(what)), ms)));
    return Promise.race([p, limit]).finally(() => clearTimeout(t));
  }

  it('hands on a file that arrived between chokidar listing the folder and watching it', async () => {
    // chokidar 4 lists the folder (readdirp -> fs/promises.readdir) and only then starts
    // fs.watch on it: drop the file right after that listing, i.e. inside the gap.
    let dropped = false;
    promises.readdir = (async (...args: Parameters<typeof realReaddir>) => {
      const out = await (realReaddir as (...a: unknown[]) => Promise<unknown>)(...args);
      if (!dropped && path.resolve(String(args[0])) === path.resolve(dir)) {
        dropped = true;
        fs.writeFileSync(path.join(dir, 'gap.csv'), CSV);
      }
      return out;
    }) as typeof fsp.readdir;
    const { w, seen } = make({ sweepMs: 0 });
    await w.start();
    assert.ok(dropped, 'the file was dropped during the initial listing (otherwise this test proves nothing)');
    assert.equal(await within(seen, 'gap.csv, dropped between the listing and the watch, was never handed on'), 'gap.csv');
  });

  it('the periodic sweep hands on a file whose event was lost', async () => {
    const { w, seen, handled } = make({ sweepMs: 200 });
    await w.start();
    // lose every event from now on, as an overflowing inotify queue or a network share would
    (w as unknown as { watcher: { removeAllListeners(e: string): void } }).watcher.removeAllListeners('add');
    (w as unknown as { watcher: { removeAllListeners(e: string): void } }).watcher.removeAllListeners('change');
    fs.writeFileSync(path.join(dir, 'lost.csv'), CSV);
    assert.equal(await within(seen, 'lost.csv (its event lost) was never handed on by the sweep'), 'lost.csv');
    assert.deepEqual(handled, ['lost.csv']);
  });

  it('the sweep does not read again a handled file that could not be moved and did not change', async () => {
    const handled: string[] = [];
    let sweeps = 0;
    const w = new FolderWatcher({
      root: dir,
      stableMs: 50,
      sweepMs: 0,
      handle: async (file) => void handled.push(path.basename(file)), // left in place: "could not be moved"
      onError: (err) => assert.fail(err),
    });
    watcher = w;
    fs.writeFileSync(path.join(dir, 'stuck.csv'), CSV);
    await w.start();
    while (handled.length === 0) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100)); // let the drain finish with the file
    for (; sweeps < 3; sweeps++) assert.equal(await w.sweep(), 0, `sweep ${sweeps + 1} touched nothing`);
    assert.deepEqual(handled, ['stuck.csv']);
    // once it changes, it is read again
    fs.appendFileSync(path.join(dir, 'stuck.csv'), 'Kim,K2\r\n');
    while (handled.length === 1) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(handled, ['stuck.csv', 'stuck.csv']);
  });
});
