// SQL guard: the source node runs exactly one read statement. The Dentrix login is
// read-only anyway; this refuses at deploy what is plainly not a read (a second
// statement, DML/DDL, SELECT ... INTO) so a pasted script never reaches the server.
// (REPLACE is left out of the write words: it is also a common string function.)

export type StatementKind = 'select' | 'with' | 'call' | 'exec';

export interface CheckedSql {
  kind: StatementKind;
  /** the statement without a trailing ';' */
  sql: string;
  /** number of `?` parameter markers outside strings, identifiers and comments */
  placeholders: number;
}

export class SqlGuardError extends Error {}

const WRITE_WORDS = new Set([
  'insert', 'update', 'delete', 'merge', 'upsert', 'drop', 'alter', 'create', 'truncate',
  'grant', 'revoke', 'into', 'attach', 'detach', 'vacuum', 'reindex', 'pragma', 'copy', 'lock',
]);

interface Token {
  kind: 'word' | 'punct' | 'param';
  text: string;
  at: number;
}

/** Splits SQL into words, punctuation and `?` markers; strings, quoted names and comments are skipped. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const skipQuoted = (close: string, from: number, what: string): number => {
    let j = from + 1;
    for (;;) {
      const k = sql.indexOf(close, j);
      if (k < 0) throw new SqlGuardError(`the SQL has an unterminated ${what} starting at character ${from + 1}`);
      if (close !== ']' && sql[k + 1] === close) {
        j = k + 2; // doubled quote inside the literal
        continue;
      }
      return k + 1;
    }
  };
  while (i < n) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const k = sql.indexOf('\n', i);
      i = k < 0 ? n : k + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const k = sql.indexOf('*/', i + 2);
      if (k < 0) throw new SqlGuardError(`the SQL has an unterminated /* comment starting at character ${i + 1}`);
      i = k + 2;
    } else if (c === "'") {
      i = skipQuoted("'", i, 'string');
    } else if (c === '"') {
      i = skipQuoted('"', i, 'quoted name');
    } else if (c === '`') {
      i = skipQuoted('`', i, 'quoted name');
    } else if (c === '[') {
      i = skipQuoted(']', i, 'bracketed name');
    } else if (c === '?') {
      tokens.push({ kind: 'param', text: c, at: i });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$#]/.test(sql[j])) j++;
      tokens.push({ kind: 'word', text: sql.slice(i, j).toLowerCase(), at: i });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: c, at: i });
      i++;
    }
  }
  return tokens;
}

/**
 * Accepts one SELECT, WITH, CALL, EXEC(UTE) or ODBC `{call ...}` / `{? = call ...}`
 * statement, optionally ending with ';'. Throws SqlGuardError saying why otherwise.
 */
export function checkSql(input: string): CheckedSql {
  const sql = (input ?? '').trim();
  if (sql === '') throw new SqlGuardError('the SQL is empty');
  const tokens = tokenize(sql);
  if (tokens.length === 0) throw new SqlGuardError('the SQL holds only comments');

  // At most one ';', and only as the last token.
  const semis = tokens.filter((t) => t.kind === 'punct' && t.text === ';');
  if (semis.length > 1 || (semis.length === 1 && semis[0] !== tokens[tokens.length - 1])) {
    throw new SqlGuardError('the SQL holds more than one statement (a ";" followed by more SQL); give a single SELECT, WITH, CALL or EXEC');
  }
  const body = semis.length === 1 ? tokens.slice(0, -1) : tokens;
  if (body.length === 0) throw new SqlGuardError('the SQL is empty');
  const text = semis.length === 1 ? sql.slice(0, semis[0].at).trimEnd() : sql;

  let kind: StatementKind;
  let k = 0;
  while (body[k]?.kind === 'punct' && body[k].text === '(') k++; // (SELECT ...) UNION (...)
  const first = body[k];
  if (first?.kind === 'punct' && first.text === '{' && k === 0) {
    // ODBC escape: {call p(?)} or {? = call p(?)}
    let j = 1;
    if (body[j]?.kind === 'param' && body[j + 1]?.text === '=') j += 2;
    if (body[j]?.kind !== 'word' || body[j].text !== 'call' || body[body.length - 1].text !== '}') {
      throw new SqlGuardError('an ODBC escape must be {call procedure(...)} or {? = call procedure(...)}');
    }
    kind = 'call';
  } else if (first?.kind === 'word' && (first.text === 'select' || first.text === 'with')) {
    kind = first.text;
  } else if (first?.kind === 'word' && k === 0 && first.text === 'call') {
    kind = 'call';
  } else if (first?.kind === 'word' && k === 0 && (first.text === 'exec' || first.text === 'execute')) {
    kind = 'exec';
  } else {
    const word = first ? first.text.toUpperCase() : '';
    throw new SqlGuardError(`only a single SELECT, WITH, CALL or EXEC statement may run, not ${word || 'this SQL'}`);
  }

  const writes = body.find((t) => t.kind === 'word' && WRITE_WORDS.has(t.text));
  if (writes && kind !== 'call' && kind !== 'exec') {
    throw new SqlGuardError(`the SQL contains ${writes.text.toUpperCase()}: this node only reads (SELECT/WITH without writing)`);
  }
  return { kind, sql: text, placeholders: body.filter((t) => t.kind === 'param').length };
}
