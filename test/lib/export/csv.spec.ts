import * as assert from 'node:assert/strict';
import { CsvParser, guessDelimiter, MAX_FIELD_CHARS, parseCsv } from '../../../nodes/lib/export/csv';

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

describe('lib/export csv parser (RFC 4180)', () => {
  it('splits plain fields and strips a BOM', () => {
    assert.deepEqual(fields('\ufeffa,b,c\n1,2,3\n'), [['a', 'b', 'c'], ['1', '2', '3']]);
  });

  it('keeps commas, doubled quotes and line breaks inside quotes', () => {
    assert.deepEqual(fields('"Garcia, Maria","say ""hi""","two\r\nlines",x\r\n'), [['Garcia, Maria', 'say "hi"', 'two\r\nlines', 'x']]);
  });

  it('treats CRLF, LF and lone CR as line ends and numbers records by their first line', () => {
    const recs = parseCsv('a\r\nb\nc\rd\r\n"e\nf",g\nh');
    assert.deepEqual(recs.map((r) => [r.line, r.fields[0]]), [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd'], [5, 'e\nf'], [7, 'h']]);
  });

  it('keeps empty fields and blank lines', () => {
    assert.deepEqual(fields('a,,c\n\n,\n'), [['a', '', 'c'], [''], ['', '']]);
  });

  it('gives the same records whatever the chunking (streaming)', () => {
    const text = '\ufeffName,Note\r\n"Lee, Ann","a ""b"" c"\r\nX,"multi\r\nline"\r\nlast,row';
    const whole = parseCsv(text);
    for (const size of [1, 2, 3, 7]) {
      const p = new CsvParser();
      const got = [];
      for (let i = 0; i < text.length; i += size) got.push(...p.push(text.slice(i, i + size)));
      got.push(...p.end());
      assert.deepEqual(got, whole, `chunk size ${size}`);
    }
  });

  it('treats a stray quote inside an unquoted field as text', () => {
    assert.deepEqual(fields('5" tall,b\n'), [['5" tall', 'b']]);
  });

  it('rejects an unterminated quote and a runaway field with the line named', () => {
    assert.throws(() => parseCsv('a\n"never closed,b\n'), /line 2 is never closed/);
    const p = new CsvParser();
    assert.throws(() => p.push('"' + 'x'.repeat(MAX_FIELD_CHARS + 1)), /longer than/);
  });

  it('guesses tab-separated text from the sample', () => {
    assert.equal(guessDelimiter('Name\tChart #\tDate\n"A, B"\tX\t1'), '\t');
    assert.equal(guessDelimiter('Name,Chart #,Date'), ',');
  });
});
