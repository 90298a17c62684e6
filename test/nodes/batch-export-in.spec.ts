// batch-export-in in a real Node-RED runtime (test helper), watching a real temp
// folder through the real watcher (chokidar): files are written, copied slowly,
// renamed, and the test waits for the node's own output (no sleeps as assertions).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { localDate } from '../../nodes/lib/export/folder';
import { helper, useHelper } from '../support/helper';
import { nodeModule, ROOT } from '../support/paths';
import { MULTI_PAGE, reportPdf, syntheticReportCsv } from '../support/pdf-fixtures';
import { CC_CSV, DRIFT_CSV, EXPORTS, EXPECTED_CC_ROWS, HEADERS, writeWorkbook, xlsxFromCsv } from '../lib/export/workbooks';

const exportNode = nodeModule('batch-export-in');
const STABLE_MS = 150;

function flow(dir: string, extra: Record<string, unknown> = {}): any[] {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'in1', type: 'batch-export-in', z: 'f1', folder: dir, folderType: 'str', office: 'T01', officeType: 'str', stableMs: String(STABLE_MS), template: 'dentrix-continuing-care', wires: [['out1'], ['out2']], ...extra },
    { id: 'out1', type: 'helper', z: 'f1' },
    { id: 'out2', type: 'helper', z: 'f1' },
    { id: 'c1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ];
}

/** The next `event` of a node (helper nodes emit `input`; spied methods emit `call:<name>`). */
function next(node: any, event = 'input', match: (v: any) => boolean = () => true): Promise<any> {
  return new Promise((resolve) => {
    const on = (v: any) => {
      if (!match(v)) return;
      node.removeListener(event, on);
      resolve(v);
    };
    node.on(event, on);
  });
}

const TEST_TIMEOUT_MS = 60_000;

/**
 * Waits for `p`; if it has not settled shortly before the test's timeout, fails naming
 * what was awaited, the node's last status and the watched folder (a bare mocha timeout
 * does not say which file never came).
 */
function awaiting<T>(what: string, dir: string, p: Promise<T>, ms = TEST_TIMEOUT_MS - 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const never = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const status = (helper.getNode('in1') as any)?.status?.lastCall?.args[0]?.text;
      reject(new Error(`no ${what} after ${ms / 1000} s; last node status: ${JSON.stringify(status)}; watched folder: ${JSON.stringify(list(dir))}`));
    }, ms);
  });
  return Promise.race([p, never]).finally(() => clearTimeout(timer));
}

const statusText = (re: RegExp) => (call: any) => re.test(String(call.args[0]?.text ?? ''));

/** Every message a helper node receives, in order. */
function collect(node: any): any[] {
  const got: any[] = [];
  node.on('input', (m: any) => got.push(m));
  return got;
}

function list(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map((f) => String(f).split(path.sep).join('/')).sort();
}

describe('batch-export-in node', function () {
  this.timeout(TEST_TIMEOUT_MS);
  let dir: string;
  let work: string;

  useHelper();
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-watch-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'export-work-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function load(extra: Record<string, unknown> = {}) {
    await helper.load(exportNode, flow(dir, extra));
    return { node: helper.getNode('in1'), out1: helper.getNode('out1'), out2: helper.getNode('out2'), caught: helper.getNode('caught') };
  }

  /** Drops a file the way a copy does: written elsewhere, then renamed into the folder. */
  function drop(name: string, bytes: Buffer | string): string {
    const tmp = path.join(work, name);
    fs.writeFileSync(tmp, bytes);
    const target = path.join(dir, name);
    fs.renameSync(tmp, target);
    return target;
  }

  it('shows the pages read while a long PDF report is read, ending on the last page', async () => {
    const { node, out1 } = await load();
    const pdf = await reportPdf(syntheticReportCsv(300), MULTI_PAGE);
    assert.ok(pdf.pages >= 20, `a long report: ${pdf.pages} pages`);
    const last = next(node, 'call:status', statusText(new RegExp(`^reading page ${pdf.pages} of ${pdf.pages}: long\\.pdf$`)));
    const got = next(out1);
    drop('long.pdf', Buffer.from(pdf.bytes));
    await awaiting('the last page in the status', dir, last);
    const msg = await awaiting('the rows of long.pdf', dir, got);
    assert.equal(msg.recall.rowCount, 300);
    const shown = node.status.getCalls().map((c: any) => String(c.args[0]?.text ?? '')).filter((t: string) => t.startsWith('reading page'));
    const numbers = shown.map((t: string) => Number(/^reading page (\d+) of/.exec(t)![1]));
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), `pages in order: ${numbers}`);
    assert.ok(shown.every((t: string) => t.endsWith(` of ${pdf.pages}: long.pdf`)), shown.join(' | '));
  });

  it('emits the rows of a CSV export as one message, then moves it to processed/<date>/', async () => {
    const { out1 } = await load();
    const got = next(out1);
    drop('cc.csv', fs.readFileSync(CC_CSV));
    const msg = await got;
    assert.deepEqual(msg.payload, EXPECTED_CC_ROWS);
    assert.equal(msg.recall.source, 'export');
    assert.equal(msg.recall.office, 'T01');
    assert.equal(msg.recall.file, 'cc.csv');
    assert.equal(msg.recall.rowCount, 5);
    assert.deepEqual(msg.recall.columns, ['name', 'chart', 'home_phone', 'mobile_phone', 'email', 'due_date', 'recall_type', 'appt', 'cc_status', 'prior_treatment']);
    assert.match(msg.recall.runId, /^[0-9a-f-]{36}$/);
    await next(helper.getNode('in1'), 'call:status', statusText(/5 rows from cc\.csv/));
    assert.deepEqual(list(dir), ['processed', 'processed/.seen.json', `processed/${localDate(new Date())}`, `processed/${localDate(new Date())}/cc.csv`].sort());
  });

  it('gives identical rows for the CSV and XLSX versions of one report (text dates, real dates, serials)', async () => {
    const { out1 } = await load();
    const files = ['cc.xlsx', 'cc-dates.xlsx', 'cc-serials.xlsx'];
    await xlsxFromCsv(CC_CSV, path.join(work, 'x1'), 'text');
    await xlsxFromCsv(CC_CSV, path.join(work, 'x2'), 'dates');
    await xlsxFromCsv(CC_CSV, path.join(work, 'x3'), 'serials');
    for (const [i, name] of files.entries()) {
      const got = next(out1);
      drop(name, fs.readFileSync(path.join(work, `x${i + 1}`)));
      const msg = await awaiting(`rows of ${name}`, dir, got);
      assert.equal(msg.recall.file, name);
      assert.equal(msg.recall.format, 'xlsx');
      assert.deepEqual(msg.payload, EXPECTED_CC_ROWS, name);
    }
  });

  it('reads a file copied in slowly, in chunks, once and whole', async () => {
    // chunks every 50 ms against a 1 s stability wait: a wide margin on a busy machine
    const { out1, out2 } = await load({ stableMs: '1000' });
    const outs = collect(out1);
    const errs = collect(out2);
    const bytes = fs.readFileSync(CC_CSV);
    const file = path.join(dir, 'slow.csv');
    const chunk = Math.ceil(bytes.length / 8);
    const got = next(out1);
    for (let at = 0; at < bytes.length; at += chunk) {
      fs.appendFileSync(file, bytes.subarray(at, at + chunk)); // each chunk lands well inside the stability wait
      await new Promise((r) => setTimeout(r, 50));
    }
    const msg = await got;
    assert.deepEqual(msg.payload, EXPECTED_CC_ROWS);
    // one more file afterwards: the slow one produced exactly one message and no error
    const sentinel = next(out1);
    drop('after.csv', fs.readFileSync(CC_CSV).toString('utf8').replace('GA0012', 'GA9999'));
    await sentinel;
    assert.deepEqual(outs.map((m) => m.recall.file), ['slow.csv', 'after.csv']);
    assert.equal(errs.length, 0);
  });

  it('waits on a 0-byte file and reads it once it has content', async () => {
    const { node, out1, out2 } = await load();
    const errs = collect(out2);
    const waiting = next(node, 'call:status', statusText(/waiting empty\.csv/));
    fs.writeFileSync(path.join(dir, 'empty.csv'), '');
    await waiting;
    assert.ok(fs.existsSync(path.join(dir, 'empty.csv')), 'still in the folder');
    const got = next(out1);
    fs.writeFileSync(path.join(dir, 'empty.csv'), fs.readFileSync(CC_CSV));
    assert.deepEqual((await got).payload, EXPECTED_CC_ROWS);
    assert.equal(errs.length, 0);
  });

  it('ignores lock, temp, partial and hidden files', async () => {
    const { node, out1 } = await load();
    const outs = collect(out1);
    const ignored = ['~$cc.xlsx', 'cc.csv.tmp', 'cc.csv.part', '.cc.csv'];
    for (const name of ignored) fs.writeFileSync(path.join(dir, name), fs.readFileSync(CC_CSV));
    const got = next(out1);
    const moved = next(node, 'call:status', statusText(/5 rows from real\.csv/));
    drop('real.csv', fs.readFileSync(CC_CSV));
    await got;
    await moved;
    const none = next(node, 'call:status', statusText(/no files/));
    node.receive({ payload: 'rescan' });
    await none;
    assert.deepEqual(outs.map((m) => m.recall.file), ['real.csv']);
    for (const name of ignored) assert.ok(fs.existsSync(path.join(dir, name)), `${name} left alone`);
  });

  it('fails a drifted file whole: output 2, Catch, failed/ with <name>.error.txt naming missing and unexpected headers', async () => {
    const { out1, out2, caught } = await load();
    const outs = collect(out1);
    const [fileErr, caughtMsg] = await Promise.all([next(out2), next(caught), Promise.resolve(drop('drift.csv', fs.readFileSync(DRIFT_CSV)))]);
    assert.equal(fileErr.payload.file, 'drift.csv');
    assert.match(fileErr.payload.error, /header drift .*missing "Email", "Date"; unexpected "E-mail", "Due Date"/);
    assert.equal(fileErr.payload.movedTo, path.join(dir, 'failed', 'drift.csv'));
    assert.match(caughtMsg.error.message, /drift\.csv: header drift/);
    assert.equal(caughtMsg.error.source.id, 'in1');
    const note = fs.readFileSync(path.join(dir, 'failed', 'drift.csv.error.txt'), 'utf8');
    assert.match(note, /drift\.csv was not processed: header drift/);
    assert.ok(!fs.existsSync(path.join(dir, 'drift.csv')));
    assert.equal(outs.length, 0);
  });

  it('fails a truncated workbook, a corrupt workbook, binary garbage named .csv and a legacy .xls', async () => {
    const { out2 } = await load();
    await xlsxFromCsv(CC_CSV, path.join(work, 'good'), 'dates');
    const good = fs.readFileSync(path.join(work, 'good'));
    const corrupt = Buffer.from(good);
    for (let i = 200; i < corrupt.length - 200; i += 97) corrupt[i] ^= 0xff;
    const cases: [string, Buffer, RegExp][] = [
      ['truncated.xlsx', good.subarray(0, Math.floor(good.length / 2)), /workbook|header row/],
      ['corrupt.xlsx', corrupt, /workbook|header row/],
      ['damaged.xlsx', fs.readFileSync(path.join(EXPORTS, 'damaged-stalls-reader.xlsx')), /not a readable \.xlsx workbook: .*damaged/],
      ['garbage.csv', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), /binary data, not a CSV/],
      ['old.xls', Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(1024)]), /legacy \.xls is not supported; save the report as \.xlsx or \.csv/],
    ];
    for (const [name, bytes, reason] of cases) {
      const got = next(out2);
      drop(name, bytes);
      const err = await awaiting(`output-2 (failed file) message for ${name}`, dir, got);
      assert.equal(err.payload.file, name);
      assert.match(err.payload.error, reason, name);
      assert.ok(fs.existsSync(path.join(dir, 'failed', name)));
      assert.match(fs.readFileSync(path.join(dir, 'failed', `${name}.error.txt`), 'utf8'), reason);
    }
  });

  it('skips a file whose content was already processed, says so, and files it with a note', async () => {
    const { node, out1 } = await load();
    const outs = collect(out1);
    const first = next(out1);
    drop('monday.csv', fs.readFileSync(CC_CSV));
    await first;
    const warned = next(node, 'call:warn');
    const status = next(node, 'call:status', statusText(/duplicate skipped: again\.csv/));
    drop('again.csv', fs.readFileSync(CC_CSV));
    const warning = await warned;
    await status;
    assert.match(String(warning.args[0]), /again\.csv: same content as monday\.csv/);
    const day = path.join(dir, 'processed', localDate(new Date()));
    assert.ok(fs.existsSync(path.join(day, 'again.csv')));
    assert.match(fs.readFileSync(path.join(day, 'again.csv.duplicate.txt'), 'utf8'), /same as monday\.csv/);
    assert.equal(outs.length, 1);
  });

  it('a file the process died reading goes to failed/ at the next start (note, output 2, Catch), not read again', async () => {
    // what a process killed mid-read leaves: the file, and the mark naming it
    const file = path.join(dir, 'poison.csv');
    fs.writeFileSync(file, fs.readFileSync(CC_CSV));
    const st = fs.statSync(file);
    fs.writeFileSync(path.join(dir, '.reading.json'), JSON.stringify({ file: 'poison.csv', size: st.size, mtimeMs: st.mtimeMs, since: '2026-01-01T00:00:00.000Z' }));
    const outs: any[] = [];
    const [fileErr, caughtMsg] = await new Promise<any[]>((resolve) => {
      void load().then(({ out1, out2, caught }) => {
        out1.on('input', (m: any) => outs.push(m));
        void Promise.all([next(out2), next(caught)]).then(resolve);
      });
    });
    assert.equal(fileErr.payload.file, 'poison.csv');
    assert.match(fileErr.payload.error, /the service stopped while reading this file .*not read again/);
    assert.match(caughtMsg.error.message, /poison\.csv: the service stopped while reading/);
    assert.match(fs.readFileSync(path.join(dir, 'failed', 'poison.csv.error.txt'), 'utf8'), /move it back into the folder/);
    assert.ok(!fs.existsSync(path.join(dir, '.reading.json')));
    // moved back by hand, it is read again like any new file
    const got = next(helper.getNode('out1'));
    fs.renameSync(path.join(dir, 'failed', 'poison.csv'), path.join(dir, 'poison.csv'));
    assert.deepEqual((await got).payload, EXPECTED_CC_ROWS);
    assert.equal(outs.length, 1);
  });

  it('removes files older than "Keep files (days)" (${ENV}) from processed/ and failed/, keeps the rest', async () => {
    process.env.TEST_KEEP_DAYS = '30';
    const old = new Date(Date.now() - 40 * 86_400_000);
    const today = localDate(new Date());
    for (const f of ['processed/2020-01-01/a.csv', 'processed/2020-01-01/b.csv.duplicate.txt', `processed/${today}/new.csv`, 'failed/old.csv', 'failed/old.csv.error.txt', 'failed/recent.csv', 'failed/recent.csv.error.txt']) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), 'x');
    }
    fs.writeFileSync(path.join(dir, 'processed', '.seen.json'), '{"seen":[]}');
    fs.utimesSync(path.join(dir, 'failed/old.csv.error.txt'), old, old);
    fs.utimesSync(path.join(dir, 'failed/old.csv'), old, old);
    await helper.load(exportNode, flow(dir, { keepDays: '${TEST_KEEP_DAYS}' }));
    const logged = await next(helper.getNode('in1'), 'call:log', (c: any) => /removed/.test(String(c.args[0])));
    assert.match(String(logged.args[0]), /removed 4 files older than 30 days/);
    assert.deepEqual(list(dir), ['failed', 'failed/recent.csv', 'failed/recent.csv.error.txt', 'processed', 'processed/.seen.json', `processed/${today}`, `processed/${today}/new.csv`]);
    delete process.env.TEST_KEEP_DAYS;
  });

  it('processed/ and failed/ are owner-only (folders 0700, files and notes 0600)', async function () {
    if (process.platform === 'win32') this.skip(); // the folder's ACL decides there
    const { out1, out2 } = await load();
    const got = next(out1);
    drop('cc.csv', fs.readFileSync(CC_CSV));
    await got;
    await next(helper.getNode('in1'), 'call:status', statusText(/5 rows from cc\.csv/));
    const failed = next(out2);
    drop('drift.csv', fs.readFileSync(DRIFT_CSV));
    await failed;
    const mode = (p: string) => (fs.statSync(path.join(dir, p)).mode & 0o777).toString(8);
    const day = `processed/${localDate(new Date())}`;
    assert.deepEqual(
      ['processed', day, `${day}/cc.csv`, 'processed/.seen.json', 'failed', 'failed/drift.csv', 'failed/drift.csv.error.txt'].map((p) => `${p} ${mode(p)}`),
      ['processed 700', `${day} 700`, `${day}/cc.csv 600`, 'processed/.seen.json 600', 'failed 700', 'failed/drift.csv 600', 'failed/drift.csv.error.txt 600'],
    );
  });

  it('remembers processed content across restarts (state in processed/.seen.json)', async () => {
    let { out1 } = await load();
    const got = next(out1);
    drop('cc.csv', fs.readFileSync(CC_CSV));
    await got;
    await helper.unload();
    drop('cc-copy.csv', fs.readFileSync(CC_CSV));
    ({ out1 } = await load());
    const outs = collect(out1);
    await next(helper.getNode('in1'), 'call:warn');
    assert.equal(outs.length, 0);
  });

  it('processes the backlog of files that arrived while stopped', async () => {
    fs.writeFileSync(path.join(dir, 'a.csv'), fs.readFileSync(CC_CSV));
    await xlsxFromCsv(CC_CSV, path.join(dir, 'b.xlsx'), 'serials');
    const seen: any[] = [];
    const both = new Promise<void>((resolve) => {
      const check = () => seen.length === 2 && resolve();
      // the helper node exists only after load: subscribe right after it
      void load().then(({ out1: o }) => o.on('input', (m: any) => (seen.push(m), check())));
    });
    await both;
    assert.deepEqual(seen.map((m) => m.recall.file).sort(), ['a.csv', 'b.xlsx']);
    for (const m of seen) assert.deepEqual(m.payload, EXPECTED_CC_ROWS);
  });

  it('reads the prototype-pollution workbook safely', async () => {
    const { out1 } = await load();
    const got = next(out1);
    await writeWorkbook(path.join(work, 'proto.xlsx'), [
      ['__proto__', 'constructor', 'prototype'],
      [...HEADERS, '__proto__', 'constructor', 'prototype'],
      ['Lee, Ann', 'L1', '', '(801)555-0150', '', '04/15/2025', 'PROPHY', '', '', '', '{"polluted":"yes"}', 'polluted', 'polluted'],
    ]);
    drop('proto.xlsx', fs.readFileSync(path.join(work, 'proto.xlsx')));
    const msg = await awaiting('rows of proto.xlsx', dir, got);
    assert.equal(msg.payload.length, 1);
    assert.equal(msg.payload[0].chart, 'L1');
    assert.deepEqual(msg.recall.unexpectedColumns, ['__proto__', 'constructor', 'prototype']);
    assert.equal(({} as any).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });

  it('takes the office code from the file name when a pattern is set', async () => {
    const { out1 } = await load({ officePattern: '^([A-Z0-9]+)_' });
    const got = next(out1);
    drop('SLC1_recall.csv', fs.readFileSync(CC_CSV));
    assert.equal((await got).recall.office, 'SLC1');
    const fallback = next(out1);
    drop('no-prefix.csv', fs.readFileSync(CC_CSV).toString('utf8').replace('GA0012', 'GA0777'));
    assert.equal((await fallback).recall.office, 'T01');
  });

  it('reads the office code from ${OFFICE_CODE} by default', async () => {
    process.env.OFFICE_CODE = 'ENV9';
    try {
      const { out1 } = await load({ office: undefined, officeType: undefined });
      const got = next(out1);
      drop('cc.csv', fs.readFileSync(CC_CSV));
      assert.equal((await got).recall.office, 'ENV9');
    } finally {
      delete process.env.OFFICE_CODE;
    }
  });

  it('starts on an input message once a missing folder exists, and rescans it', async () => {
    const missing = path.join(dir, 'later');
    const { node, out1 } = await load({ folder: missing });
    await next(node, 'call:status', statusText(/folder not found/));
    fs.mkdirSync(missing);
    fs.writeFileSync(path.join(missing, 'cc.csv'), fs.readFileSync(CC_CSV));
    const got = next(out1);
    node.receive({ payload: 'rescan' });
    assert.deepEqual((await got).payload, EXPECTED_CC_ROWS);
  });

  it('with RECALL_WATCH_DIR unset: a yellow "set RECALL_WATCH_DIR" status and no error on deploy; an input fails saying what to set', async () => {
    const saved = process.env.RECALL_WATCH_DIR;
    delete process.env.RECALL_WATCH_DIR;
    try {
      const { node, caught } = await load({ folder: '${RECALL_WATCH_DIR}' });
      assert.deepEqual(node.status.lastCall.args[0], { fill: 'yellow', shape: 'ring', text: 'not configured: set RECALL_WATCH_DIR' });
      assert.equal(node.error.callCount, 0, 'no error logged on deploy');
      const got = next(caught);
      node.receive({ payload: 1 });
      assert.match((await got).error.message, /setting "Folder" is empty: set RECALL_WATCH_DIR/);
    } finally {
      if (saved !== undefined) process.env.RECALL_WATCH_DIR = saved;
    }
  });

  it('shows a configuration error in red and passes it to Catch on input', async () => {
    const { node, caught } = await load({ template: 'custom', customTemplate: '[{"header":"A","key":"__proto__"}]' });
    const got = next(caught);
    node.receive({ payload: 1 });
    const msg = await got;
    assert.match(msg.error.message, /setting "Template": template "custom": key "__proto__"/);
  });

  it('the example flow (examples/nodes/batch-export-in.json) watches ${RECALL_WATCH_DIR} and emits rows', async () => {
    const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'nodes', 'batch-export-in.json'), 'utf8')) as any[];
    // debug and inject nodes become helper nodes (the helper loads no core nodes but catch); the wiring is the example's
    const nodes = example.map((n) => (n.type === 'debug' || n.type === 'inject' ? { id: n.id, type: 'helper', z: n.z, wires: n.wires ?? [] } : n));
    process.env.RECALL_WATCH_DIR = dir;
    process.env.OFFICE_CODE = 'EX1';
    try {
      await helper.load(exportNode, nodes);
      const [rows, err, alert] = ['bxi-rows', 'bxi-errors', 'bxi-alert'].map((id) => helper.getNode(id));
      const got = next(rows);
      drop('cc.csv', fs.readFileSync(CC_CSV));
      const msg = await got;
      assert.deepEqual(msg.payload, EXPECTED_CC_ROWS);
      assert.equal(msg.recall.office, 'EX1');
      const [e, a] = await Promise.all([next(err), next(alert), Promise.resolve(drop('drift.csv', fs.readFileSync(DRIFT_CSV)))]);
      assert.equal(e.payload.file, 'drift.csv');
      assert.match(a.error.message, /drift\.csv: header drift/);
    } finally {
      delete process.env.RECALL_WATCH_DIR;
      delete process.env.OFFICE_CODE;
    }
  });
});
