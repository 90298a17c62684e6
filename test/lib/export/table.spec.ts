import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CellRow } from '../../../nodes/lib/export/cells';
import { parseCsv } from '../../../nodes/lib/export/csv';
import { readExport } from '../../../nodes/lib/export/read-file';
import { tabulate } from '../../../nodes/lib/export/table';
import { DENTRIX_CONTINUING_CARE, parseTemplate, resolveTemplate } from '../../../nodes/lib/export/template';
import { ROOT } from '../../support/paths';
import { CC_CSV, DRIFT_CSV, EXPECTED_CC_ROWS, EXPORTS, HEADERS } from './workbooks';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { demoExportCsv } = require(path.join(ROOT, 'flows', 'demo-export.js')) as { demoExportCsv: (d?: Date) => string };

async function* rowsOf(lines: unknown[][]): AsyncGenerator<CellRow> {
  let n = 0;
  for (const cells of lines) {
    const row = cells as CellRow;
    row.line = ++n;
    yield row;
  }
}

async function readTable(file: string, template = DENTRIX_CONTINUING_CARE) {
  const { rows } = await readExport(file);
  return tabulate(rows, template);
}

describe('lib/export table (header row, template, skip lines)', () => {
  it('reads the fixture export: header under title lines, group/footer lines skipped, dates ISO, _row set', async () => {
    const t = await readTable(CC_CSV);
    assert.deepEqual(t.rows, EXPECTED_CC_ROWS);
    assert.equal(t.headerLine, 7);
    assert.deepEqual(t.unexpected, []);
    assert.deepEqual(t.columns, DENTRIX_CONTINUING_CARE.columns.map((c) => c.key));
  });

  it('the shipped preset and every fixture export agree on the headers (fails when either drifts)', () => {
    const presetHeaders = DENTRIX_CONTINUING_CARE.columns.map((c) => c.header);
    assert.deepEqual(presetHeaders, HEADERS);
    const fixtures = fs.readdirSync(EXPORTS).filter((f) => f.endsWith('.csv') && !f.includes('drift'));
    assert.ok(fixtures.length >= 1);
    for (const f of fixtures) {
      const header = parseCsv(fs.readFileSync(path.join(EXPORTS, f), 'utf8')).find((r) => r.fields.includes('Chart #'));
      assert.ok(header, `${f} has a header row`);
      assert.deepEqual(header.fields.map((h) => h.replace(/^\ufeff/, '')), presetHeaders, f);
    }
    // the contract in docs/contracts.md
    const contract = fs.readFileSync(path.join(ROOT, 'docs', 'contracts.md'), 'utf8');
    for (const c of DENTRIX_CONTINUING_CARE.columns) assert.ok(contract.includes(`\`${c.header}\`->\`${c.key}\``), `${c.header} -> ${c.key} in contracts.md`);
  });

  it('parses the demo export generator (flows/demo-export.js) with the preset', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-demo-'));
    const file = path.join(dir, 'demo.csv');
    fs.writeFileSync(file, demoExportCsv(new Date(2025, 5, 2)));
    const t = await readTable(file);
    assert.equal(t.rows.length, 12);
    assert.deepEqual(t.unexpected, []);
    const leo = t.rows.find((r) => r.chart === 'GA0013')!;
    assert.equal(leo.name, 'Garcia, Leo');
    assert.equal(leo.due_date, '2025-06-14');
    assert.equal(leo.appt, '2025-07-02');
    assert.equal(t.rows.find((r) => r.chart === 'NG0003')!.appt, '+');
    for (const r of t.rows) assert.match(String(r.due_date), /^\d{4}-\d{2}-\d{2}$/);
    fs.rmSync(dir, { recursive: true });
  });

  it('fails the whole file on header drift, naming missing and unexpected headers', async () => {
    await assert.rejects(readTable(DRIFT_CSV), (err: Error) => {
      assert.match(err.message, /header drift/);
      assert.match(err.message, /missing "Email", "Date"/);
      assert.match(err.message, /unexpected "E-mail", "Due Date"/);
      assert.match(err.message, /line 7/);
      return true;
    });
  });

  it('ignores extra columns by default and fails on them when asked', async () => {
    const lines = [['Title'], [...HEADERS, 'Notes'], ['A, B', 'X1', '', '', '', '04/15/2025', 'PROPHY', '', '', '', 'hello']];
    const t = await tabulate(rowsOf(lines), DENTRIX_CONTINUING_CARE);
    assert.deepEqual(t.unexpected, ['Notes']);
    assert.equal(t.rows.length, 1);
    assert.ok(!('Notes' in t.rows[0]) && !('notes' in t.rows[0]));
    await assert.rejects(tabulate(rowsOf(lines), DENTRIX_CONTINUING_CARE, { failOnUnexpected: true }), /unexpected "Notes"/);
  });

  it('matches headers ignoring case, spacing and column order', async () => {
    const shuffled = [...HEADERS].reverse().map((h) => `  ${h.toUpperCase()} `);
    const cells = ['x', 'CalBK', '', 'PROPHY', '45762', 'e@example.com', '', '', 'C1', 'Lee, Ann'];
    const t = await tabulate(rowsOf([shuffled, cells]), DENTRIX_CONTINUING_CARE);
    assert.equal(t.rows[0].name, 'Lee, Ann');
    assert.equal(t.rows[0].chart, 'C1');
    assert.equal(t.rows[0].cc_status, 'CalBK');
    assert.equal(t.rows[0].due_date, '2025-04-15');
    assert.equal(t.rows[0].prior_treatment, 'x', 'an unparseable date is kept as text for normalize to reject');
  });

  it('skips a header repeated on a new page, group and footer lines, and blank lines', async () => {
    const lines = [HEADERS, ['A, B', 'X1'], [], ['Page 1 of 2'], ['Provider: DDS2 - Doe', ' Jane'], HEADERS, ['C, D', 'X2'], ['Total Patients: 2']];
    const t = await tabulate(rowsOf(lines), DENTRIX_CONTINUING_CARE);
    assert.deepEqual(t.rows.map((r) => [r.chart, r._row]), [['X1', 2], ['X2', 7]]);
    assert.equal(t.skippedLines, 5);
  });

  it('names the template when no header row is found', async () => {
    await assert.rejects(tabulate(rowsOf([['just'], ['some', 'text']]), DENTRIX_CONTINUING_CARE), /no header row found .*"Name", "Chart #"/);
  });

  it('takes header cells such as __proto__ as text only: rows keep template keys, Object.prototype untouched', async () => {
    const lines = [[...HEADERS, '__proto__', 'constructor', 'prototype'], ['A, B', 'X1', '', '', '', '', '', '', '', '', '{"polluted":1}', 'x', 'y']];
    const t = await tabulate(rowsOf(lines), DENTRIX_CONTINUING_CARE);
    assert.deepEqual(t.unexpected, ['__proto__', 'constructor', 'prototype']);
    assert.deepEqual(Object.keys(t.rows[0]), [...DENTRIX_CONTINUING_CARE.columns.map((c) => c.key), '_row']);
    assert.equal(Object.getPrototypeOf(t.rows[0]), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('lib/export templates', () => {
  it('parses a custom template (object or bare columns) with defaults', () => {
    const t = parseTemplate(JSON.stringify({ columns: [{ header: 'Patient', key: 'name' }, { header: 'Due', key: 'due_date', date: true, required: false }], skip: ['^Office:'] }));
    assert.deepEqual(t.columns, [
      { header: 'Patient', key: 'name', date: false, required: true },
      { header: 'Due', key: 'due_date', date: true, required: false },
    ]);
    assert.deepEqual(t.skip, ['^Office:']);
    assert.equal(parseTemplate('[{"header":"A","key":"a"}]').columns.length, 1);
  });

  it('rejects unsafe or broken custom templates with a clear message', () => {
    assert.throws(() => parseTemplate('{'), /not valid JSON/);
    assert.throws(() => parseTemplate('{"columns":[]}'), /non-empty "columns"/);
    assert.throws(() => parseTemplate('[{"header":"A","key":"__proto__"}]'), /key "__proto__"/);
    assert.throws(() => parseTemplate('[{"header":"A","key":"constructor"}]'), /key "constructor"/);
    assert.throws(() => parseTemplate('[{"header":"A","key":"a"},{"header":" a ","key":"b"}]'), /header "a" appears twice/);
    assert.throws(() => parseTemplate('[{"header":"A","key":"a"}],"x"'), /not valid JSON/);
    assert.throws(() => parseTemplate('{"columns":[{"header":"A","key":"a"}],"skip":["("]}'), /skip pattern/);
    assert.throws(() => resolveTemplate('nope', ''), /unknown template "nope"/);
    assert.throws(() => resolveTemplate('__proto__', ''), /unknown template/);
  });

  it('a custom template reads a report with other headers', async () => {
    const t = parseTemplate(JSON.stringify([{ header: 'Patient', key: 'name' }, { header: 'ID', key: 'chart' }, { header: 'Due', key: 'due_date', date: true }]));
    const out = await tabulate(rowsOf([['Report'], ['Patient', 'ID', 'Due'], ['Lee, Ann', 'L1', '2025-04-15'], ['Total Patients: 1']]), t);
    assert.deepEqual(out.rows, [{ name: 'Lee, Ann', chart: 'L1', due_date: '2025-04-15', _row: 3 }]);
  });
});
