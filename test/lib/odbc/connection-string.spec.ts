import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { attributeNames, buildConnectionString, connectionFromCommand, odbcValue, redact, splitArgs } from '../../../nodes/lib/odbc/connection-string';

describe('odbc connection strings', () => {
  it('turns a bare name into a DSN and adds the login', () => {
    assert.equal(buildConnectionString({ connection: 'DentrixSQL', user: 'recall', password: 'pw' }), 'DSN=DentrixSQL;UID=recall;PWD=pw');
  });

  it('keeps a full string and does not override its own UID/PWD', () => {
    const s = 'UID=a;PWD=b;Database=DentrixSQL;host=srv;DSN=c-treeACE ODBC Driver;port=6597';
    assert.equal(buildConnectionString({ connection: s, user: 'x', password: 'y' }), s);
    assert.equal(
      buildConnectionString({ connection: 'Driver={PostgreSQL Unicode};Server=h;', user: 'u' }),
      'Driver={PostgreSQL Unicode};Server=h;UID=u',
    );
  });

  it('braces values that would break the string', () => {
    assert.equal(odbcValue('p;w}d'), '{p;w}}d}');
    assert.equal(buildConnectionString({ connection: 'DSN=x', password: 'a;b' }), 'DSN=x;PWD={a;b}');
    assert.deepEqual([...attributeNames('DSN=x;PWD={a;b}};c};Uid=u')], ['dsn', 'pwd', 'uid']);
  });

  it('refuses an empty connection', () => {
    assert.throws(() => buildConnectionString({ connection: '  ' }), /empty/);
  });

  it('redacts passwords for messages', () => {
    assert.equal(redact('DSN=x;UID=u;PWD=secret;Port=1'), 'DSN=x;UID=u;PWD=***;Port=1');
    assert.equal(redact('Password={se;cret};Server=s'), 'Password=***;Server=s');
  });

  it('splits command arguments with quotes', () => {
    assert.deepEqual(splitArgs('--key "C:\\keys\\my office.dtxkey" -q'), ['--key', 'C:\\keys\\my office.dtxkey', '-q']);
    assert.deepEqual(splitArgs(''), []);
  });

  describe('from a local command', () => {
    let dir: string;
    const script = (name: string, body: string): string => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      return file;
    };
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-cmd-'))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('returns the trimmed output, passing the arguments', async () => {
      const cmd = script('ok.sh', 'printf "  Driver=SQLite3;Database=%s;PWD=s3cret \\n\\n" "$2"');
      assert.equal(await connectionFromCommand({ command: cmd, args: ['--db', '/tmp/x y.db'], timeoutMs: 5000 }), 'Driver=SQLite3;Database=/tmp/x y.db;PWD=s3cret');
    });

    it('names the command and the exit code but never echoes the output', async () => {
      const cmd = script('fail.sh', 'echo "Driver=X;PWD=s3cret"; echo "PWD=s3cret" >&2; exit 3');
      await assert.rejects(connectionFromCommand({ command: cmd, args: [], timeoutMs: 5000 }), (err: Error) => {
        assert.match(err.message, /fail\.sh" failed \(exit 3\)/);
        assert.doesNotMatch(err.message, /s3cret/);
        return true;
      });
    });

    it('stops a command that hangs', async () => {
      const cmd = script('hang.sh', 'exec sleep 30');
      await assert.rejects(connectionFromCommand({ command: cmd, args: [], timeoutMs: 300 }), /did not finish within/);
    });

    it('says when the command is missing, prints nothing, or prints no connection string', async () => {
      await assert.rejects(connectionFromCommand({ command: path.join(dir, 'nope'), args: [], timeoutMs: 1000 }), /was not found/);
      await assert.rejects(connectionFromCommand({ command: script('empty.sh', 'true'), args: [], timeoutMs: 5000 }), /printed nothing/);
      await assert.rejects(connectionFromCommand({ command: script('junk.sh', 'echo hello'), args: [], timeoutMs: 5000 }), /not an ODBC connection string/);
    });
  });
});
