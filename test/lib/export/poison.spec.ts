// Poison files in the watch folder, read by a real process under a small heap
// (poison-child.ts): each must end in failed/ with a reason, the process alive, no
// spooled temp file left, and a file that killed the reader must not be read again.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { READING_FILE } from '../../../nodes/lib/export/reading-marker';
import { emptyRows, rowsXml, writeXlsx } from './poison';
import { HEADERS } from './workbooks';

const CHILD = path.join(__dirname, 'poison-child.js');

interface ChildResult {
  code: number | null;
  stderr: string;
  report?: { outcomes: { kind: string; file: string; error?: string; rows?: number; ms: number }[]; tempLeft: string[]; maxRssMb: number; ms: number };
}

/** The child reading `root` with `heapMb` of heap and its own temp folder. */
function runChild(root: string, heapMb: number, tmp: string, limits?: object): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, CHILD], {
      env: { ...process.env, POISON_ROOT: root, TMPDIR: tmp, TMP: tmp, TEMP: tmp, POISON_LIMITS: limits ? JSON.stringify(limits) : '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop();
      resolve({ code, stderr: stderr.slice(-2000), report: line?.startsWith('{') ? JSON.parse(line) : undefined });
    });
  });
}

function folder(): { root: string; tmp: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-poison-'));
  fs.mkdirSync(path.join(base, 'inbox'));
  fs.mkdirSync(path.join(base, 'tmp'));
  return { root: path.join(base, 'inbox'), tmp: path.join(base, 'tmp') };
}

const failedNote = (root: string, name: string) => fs.readFileSync(path.join(root, 'failed', `${name}.error.txt`), 'utf8');
const mb = (file: string) => (fs.statSync(file).size / 1048576).toFixed(1);

function* patients(n: number): Generator<string[]> {
  yield ['Continuing Care List'];
  yield HEADERS;
  for (let i = 0; i < n; i++) yield [`Patient${i}, Test`, `BG${i}`, '(801)555-0100', '', `p${i}@example.com`, '04/15/2025', 'PROPHY', '', 'NotHom', '10/14/2024'];
}

describe('poison files in the watch folder (a real process, small heap)', function () {
  this.timeout(300_000);
  const made: string[] = [];
  after(() => made.forEach((d) => fs.rmSync(path.dirname(d), { recursive: true, force: true })));

  async function expectFailed(name: string, write: (file: string) => Promise<void> | void, heapMb: number, reason: RegExp): Promise<void> {
    const { root, tmp } = folder();
    made.push(root);
    const file = path.join(root, name);
    await write(file);
    const size = mb(file);
    const r = await runChild(root, heapMb, tmp);
    assert.equal(r.code, 0, `the reader died (exit ${r.code}): ${r.stderr}`);
    const o = r.report!.outcomes.find((x) => x.file === name)!;
    console.log(`      ${name} (${size} MB, heap ${heapMb} MB): failed/ after ${o.ms} ms, peak RSS ${r.report!.maxRssMb} MB: ${o.error}`);
    assert.equal(o.kind, 'failed');
    assert.match(o.error!, reason);
    assert.ok(fs.existsSync(path.join(root, 'failed', name)));
    assert.match(failedNote(root, name), reason);
    assert.deepEqual(r.report!.tempLeft, [], 'no spooled temp file left');
    assert.ok(!fs.existsSync(path.join(root, name)), 'not left in the inbox');
  }

  it('an .xlsx of empty rows (~2 MB, unpacks to ~460 MB) fails before exceljs spools it', async () => {
    await expectFailed('empty-rows.xlsx', (f) => writeXlsx(f, emptyRows(460), [], 1), 128, /unpacks to more than 256\.0 MB|more than 100000 rows/);
  });

  it('an .xlsx of 1,000,000 patient rows fails on its size, and with the size limit raised, on its rows, before parsing', async () => {
    await expectFailed('million.xlsx', (f) => writeXlsx(f, rowsXml(patients(1_000_000)), [], 6), 128, /too large|more than 100000 rows|unpacks to more than/);
    // the same workbook under a 64 MB size limit: the zip check counts its rows, exceljs never sees it
    const root = made[made.length - 1];
    fs.renameSync(path.join(root, 'failed', 'million.xlsx'), path.join(root, 'million.xlsx'));
    const r = await runChild(root, 128, path.join(path.dirname(root), 'tmp'), { maxBytes: 64 * 1048576 });
    assert.equal(r.code, 0, r.stderr);
    const o = r.report!.outcomes.find((x) => x.file === 'million.xlsx')!;
    console.log(`      million.xlsx with a 64 MB size limit: failed/ after ${o.ms} ms, peak RSS ${r.report!.maxRssMb} MB: ${o.error}`);
    assert.match(o.error!, /more than 100000 rows/);
    assert.deepEqual(r.report!.tempLeft, []);
  });

  it('a 20 MB CSV under a 64 MB heap fails on its size (the process stays up)', async () => {
    await expectFailed('big.csv', (f) => {
      const lines = [...patients(200_000)].map((r) => r.join(','));
      fs.writeFileSync(f, lines.join('\r\n'));
      assert.ok(fs.statSync(f).size > 20_000_000, `${fs.statSync(f).size} bytes`);
    }, 64, /too large to be a recall report/);
  });

  it('a CSV over the row limit (under the size limit) fails while streaming, before its rows pile up', async () => {
    const { root, tmp } = folder();
    made.push(root);
    fs.writeFileSync(path.join(root, 'rows.csv'), [...patients(5_000)].map((r) => r.join(',')).join('\n'));
    const r = await runChild(root, 64, tmp, { maxRows: 1000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.report!.outcomes[0].error!, /more than 1000 rows/);
  });

  it('an .xlsx with too many zip entries fails before parsing', async () => {
    const { root, tmp } = folder();
    made.push(root);
    await writeXlsx(path.join(root, 'entries.xlsx'), rowsXml(patients(3)));
    const r = await runChild(root, 64, tmp, { maxZipEntries: 4 });
    assert.match(r.report!.outcomes[0].error!, /6 zip entries, more than 4/);
  });

  it('a workbook that fails after exceljs spooled its sheet (wrong headers) leaves no temp file', async () => {
    const { root, tmp } = folder();
    made.push(root);
    // the sheet is stored before the shared strings: exceljs spools it to the temp folder
    // a renamed header fails the file at its header line, long before the sheet's end
    const drift = [['Continuing Care List'], ['Name', 'Chart Number', 'Home Phone'], ...Array.from({ length: 2000 }, (_, i) => [`P${i}, T`, `C${i}`, '(801)555-0100'])];
    await writeXlsx(path.join(root, 'drift.xlsx'), rowsXml(drift));
    const r = await runChild(root, 128, tmp);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.report!.outcomes[0].kind, 'failed');
    assert.deepEqual(r.report!.tempLeft, [], `spooled patient data left in the temp folder: ${r.report!.tempLeft}`);
  });

  it('a file that killed the reader (out of memory) goes to failed/ at the next start instead of being read again', async () => {
    const { root, tmp } = folder();
    made.push(root);
    // within every limit, but more rows than a 24 MB heap holds: the first run dies reading it
    fs.writeFileSync(path.join(root, 'heavy.csv'), [...patients(95_000)].map((r) => r.join(',')).join('\n'));
    const first = await runChild(root, 24, tmp);
    assert.notEqual(first.code, 0, 'the first run must die reading the file (else this test proves nothing)');
    assert.ok(fs.existsSync(path.join(root, READING_FILE)), 'the file was marked as being read');
    const t = Date.now();
    const second = await runChild(root, 24, tmp);
    console.log(`      first run died (exit ${first.code}); second run: exit ${second.code}, heavy.csv in failed/ after ${Date.now() - t} ms (process start included), peak RSS ${second.report?.maxRssMb} MB`);
    assert.equal(second.code, 0, `the second run died too (crash loop): ${second.stderr}`);
    assert.deepEqual(second.report!.outcomes.map((o) => o.kind), ['interrupted'], 'not read again');
    assert.match(failedNote(root, 'heavy.csv'), /the service stopped while reading this file/);
    assert.ok(!fs.existsSync(path.join(root, READING_FILE)));
    // and the folder goes on: a good file after it is read
    fs.writeFileSync(path.join(root, 'good.csv'), [...patients(3)].map((r) => r.join(',')).join('\n'));
    const third = await runChild(root, 24, tmp);
    assert.deepEqual(third.report!.outcomes.map((o) => [o.kind, o.rows]), [['rows', 3]]);
  });
});
