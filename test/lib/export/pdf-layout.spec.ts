// Table reconstruction from positioned text, on hand-placed coordinates.
import * as assert from 'node:assert/strict';
import {
  type TextItem,
  TableAssembler,
  chunks,
  columnOf,
  groupLines,
  joinWrapped,
  looksLikeHeader,
} from '../../../nodes/lib/export/pdf-layout';

const SIZE = 8;
/** An item whose width is 4 points per character (close enough to Helvetica 8pt). */
const t = (str: string, x: number, y: number): TextItem => ({ str, x, y, w: str.length * 4, size: SIZE });
const XS = [40, 150, 210, 290, 400];
const HEAD = ['Name', 'Chart #', 'Home Phone', 'Email', 'Date'];
const row = (y: number, cells: string[]): TextItem[] => cells.flatMap((c, i) => (c ? [t(c, XS[i], y)] : []));

describe('pdf-layout: lines, chunks, columns', () => {
  it('groups items by baseline within 40% of the font size, top to bottom, and drops blanks', () => {
    const lines = groupLines([t('b', 100, 500.5), t('a', 40, 499), t(' ', 60, 500), t('below', 40, 490)]);
    assert.deepEqual(
      lines.map((l) => l.items.map((i) => i.str)),
      [['a', 'b'], ['below']],
    );
  });

  it('merges items closer than half the font size into one phrase, with a space only at word gaps', () => {
    const [line] = groupLines([t('Chart', 150, 500), t('#', 150 + 20 + 2.2, 500), t('Home', 210, 500), t('Ph', 230, 500), t('one', 238, 500)]);
    assert.deepEqual(
      chunks(line).map((c) => c.text),
      ['Chart #', 'Home Phone'],
    );
  });

  it('splits one text run padded with spaces (a line drawn as a single string) into cells', () => {
    const [line] = groupLines([{ str: 'Name      Chart #      Email', x: 40, y: 500, w: 28 * 4, size: SIZE }]);
    assert.deepEqual(
      chunks(line).map((c) => c.text),
      ['Name', 'Chart #', 'Email'],
    );
  });

  it('assigns left-, centre- and right-aligned cells by overlap with the header labels', () => {
    const cols = [
      { label: 'Date', x0: 100, x1: 140 },
      { label: 'Appt?', x0: 160, x1: 180 }, // centred label over a wider column
      { label: 'Prior Treat.', x0: 200, x1: 244 },
    ];
    assert.equal(columnOf(cols, 100, 140), 0);
    assert.equal(columnOf(cols, 150, 190), 1); // a centred date wider than "Appt?"
    assert.equal(columnOf(cols, 168, 172), 1); // a centred "+"
    assert.equal(columnOf(cols, 204, 244), 2); // right-aligned under its label
    assert.equal(columnOf(cols, 245, 250), 2); // no overlap: the last column starting left of it
  });

  it('joins wrapped fragments with a space, but not inside an e-mail address or after a hyphen', () => {
    assert.equal(joinWrapped(['Vandenberghe-Okonkwo,', 'Maximiliana']), 'Vandenberghe-Okonkwo, Maximiliana');
    assert.equal(joinWrapped(['maximiliana.vandenberghe@', 'example.com']), 'maximiliana.vandenberghe@example.com');
    assert.equal(joinWrapped(['thi.', 'vandenbergheokonkw', 'o2@example.com']), 'thi.vandenbergheokonkwo2@example.com');
    assert.equal(joinWrapped(['Fontaine-', 'Delacroix, Bo']), 'Fontaine-Delacroix, Bo');
    assert.equal(joinWrapped(['Garcia, M.', 'Elena']), 'Garcia, M. Elena');
    assert.equal(joinWrapped(['Lee,', 'Ann']), 'Lee, Ann');
    assert.equal(joinWrapped(['Call back,', 'after 5']), 'Call back, after 5');
    assert.equal(joinWrapped(['x', '']), 'x');
  });

  it('takes a line of three or more word labels as the header, not title, date or data lines', () => {
    assert.equal(looksLikeHeader(HEAD), true);
    assert.equal(looksLikeHeader(['Smile Dental Group']), false);
    assert.equal(looksLikeHeader(['Garcia, Maria', 'GA0012', '(801)555-0101', 'm@example.com']), false);
    assert.equal(looksLikeHeader(['Due Date Span:', '04/10/2025', 'to']), false);
  });
});

describe('pdf-layout: TableAssembler', () => {
  const title = (y: number, s: string): TextItem => t(s, 40, y);
  const page1 = [
    title(580, 'Smile Dental Group'),
    title(568, 'Continuing Care List'),
    t('Page 1 of 2', 300, 20),
    ...row(540, HEAD),
    ...row(528, ['Garcia, Maria', 'GA0012', '(801)555-0101', 'maria@example.com', '04/15/2025']),
    t('Provider: HYG1 - Lee, Ann', 40, 516),
    // a row whose Name and Email wrap: the next line has no Chart #
    ...row(504, ['Vandenberghe-Okonkwo,', 'VA0003', '', 'maximiliana.vdb@', '05/02/2025']),
    ...row(495, ['Maximiliana', '', '', 'example.com', '']),
    title(480, 'Total Patients: 2'),
  ];
  const page2 = [
    title(580, 'Smile Dental Group'),
    title(568, 'Continuing Care List'),
    ...row(540, HEAD),
    ...row(528, ['Nguyen, Thi', 'NG0003', '', '', '05/02/2025']),
    t('Page 2 of 2', 300, 20),
  ];

  it('rebuilds rows: titles and header pass, wraps join, group lines are one cell, page furniture is dropped', () => {
    const table = new TableAssembler();
    assert.deepEqual(table.page(page1), [
      ['Smile Dental Group'],
      ['Continuing Care List'],
      HEAD,
      ['Garcia, Maria', 'GA0012', '(801)555-0101', 'maria@example.com', '04/15/2025'],
      ['Provider: HYG1 - Lee, Ann'],
      ['Vandenberghe-Okonkwo, Maximiliana', 'VA0003', '', 'maximiliana.vdb@example.com', '05/02/2025'],
      ['Total Patients: 2'],
    ]);
    assert.deepEqual(table.page(page2), [['Nguyen, Thi', 'NG0003', '', '', '05/02/2025']]);
  });

  it('drops `Page n of m` printed beside a title line, and that title on a page without a repeated header', () => {
    const table = new TableAssembler();
    const first = table.page([title(580, 'Smile Dental Group'), t('Page 1 of 2', 500, 580), ...row(540, HEAD), ...row(528, ['A, B', 'AB0001', '', '', ''])]);
    assert.deepEqual(first.slice(0, 2), [['Smile Dental Group'], HEAD]);
    const next = table.page([title(580, 'Smile Dental Group'), t('Page 2 of 2', 500, 580), ...row(528, ['C, D', 'CD0002', '', '', ''])]);
    assert.deepEqual(next, [['C, D', 'CD0002', '', '', '']]);
  });

  it('drops a later page heading above the repeated header, even when it differs from page 1', () => {
    const table = new TableAssembler();
    table.page([title(580, 'Continuing Care List'), ...row(540, HEAD), ...row(528, ['A, B', 'AB0001', '', '', ''])]);
    const next = table.page([
      title(590, 'Continuing Care List (continued)'),
      title(580, 'Printed: 06/02/2025 7:06 AM'),
      ...row(540, HEAD),
      ...row(528, ['C, D', 'CD0002', '', '', '']),
    ]);
    assert.deepEqual(next, [['C, D', 'CD0002', '', '', '']]);
  });

  it('keeps a line with its own key cell as a new row, and a far-away keyless line out of the row above', () => {
    const table = new TableAssembler();
    const rows = table.page([
      ...row(540, HEAD),
      ...row(528, ['Garcia, Maria', 'GA0012', '', '', '']),
      ...row(516, ['Garcia, Leo', 'GA0013', '', '', '']),
      ...row(400, ['Orphan', '', '', '', '']), // far below: not a continuation
    ]);
    assert.deepEqual(
      rows.slice(1).map((r) => r[0]),
      ['Garcia, Maria', 'Garcia, Leo', 'Orphan'],
    );
  });

  it('uses the configured key column; with the first column as key a Name-only line starts a row', () => {
    const items = [...row(540, HEAD), ...row(528, ['Garcia,', 'GA0012', '', '', '']), ...row(519, ['Maria', '', '', '', ''])];
    assert.equal(new TableAssembler().page(items).length, 2); // Chart # is the key: wrapped
    assert.equal(new TableAssembler({ keyColumn: 'Name' }).page(items).length, 3);
    assert.equal(new TableAssembler({ keyColumn: 0 }).page(items).length, 3);
  });

  it('accepts a custom header test (e.g. from the mapping template)', () => {
    const items = [...row(560, ['Report', 'for', 'office']), ...row(540, HEAD), ...row(528, ['A, B', 'AB0001', '', '', ''])];
    const table = new TableAssembler({ isHeader: (labels) => labels.includes('Chart #') });
    const rows = table.page(items);
    assert.deepEqual(rows[0], ['Report', 'for', 'office']);
    assert.deepEqual(rows[1], HEAD);
    assert.deepEqual(rows[2], ['A, B', 'AB0001', '', '', '']);
  });

  it('does not let a wrapped row continue onto the next page', () => {
    const table = new TableAssembler();
    table.page([...row(540, HEAD), ...row(40, ['Garcia, Maria', 'GA0012', '', '', ''])]);
    const next = table.page([...row(540, HEAD), ...row(528, ['Maria', '', '', '', ''])]);
    assert.deepEqual(next, [['Maria', '', '', '', '']]);
  });
});
