// One run through the real SQLite ODBC driver: connect, query with parameters,
// close; and what a missing odbc package looks like.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadOdbc, queryOnce, runQuery, type OdbcModule } from '../../../nodes/lib/odbc/client';
import { OdbcRunError } from '../../../nodes/lib/odbc/errors';
import { buildSqliteFixture } from '../../fixtures/odbc/fixture';

describe('odbc client on the SQLite ODBC driver', () => {
  let odbc: OdbcModule;
  let dir: string;
  let cs: string;
  before(async () => {
    const load = loadOdbc();
    if (!load.ok) throw new Error(load.error);
    odbc = load.odbc;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-sqlite-'));
    const fx = await buildSqliteFixture(odbc, dir);
    cs = `Driver=SQLite3;Database=${fx.adminDb}`;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('binds ? parameters and returns JSON-safe rows and column names', async () => {
    const out = await queryOnce(odbc, {
      connectionString: cs,
      sql: 'SELECT patient_id, first_name, birth_date, COUNT(*) OVER () AS n FROM v_patient WHERE status = ? AND last_name = ? ORDER BY patient_id',
      params: [1, 'Garcia'],
      loginTimeoutS: 5,
      queryTimeoutS: 5,
    });
    assert.deepEqual(out.columns, ['patient_id', 'first_name', 'birth_date', 'n']);
    assert.deepEqual(out.rows, [
      { patient_id: 1, first_name: 'Maria', birth_date: '1961-03-14', n: 2 },
      { patient_id: 2, first_name: 'Leo', birth_date: '1992-07-01', n: 2 },
    ]);
    assert.doesNotThrow(() => JSON.stringify(out.rows));
  });

  it('does not retry an SQL error, and says the database rejected the SQL', async () => {
    await assert.rejects(
      runQuery(odbc, { connectionString: cs, sql: 'SELECT * FROM v_nope', params: [], loginTimeoutS: 5, queryTimeoutS: 5 }, { retries: 3, baseDelayMs: 1, maxDelayMs: 1 }),
      (err: unknown) => {
        assert.ok(err instanceof OdbcRunError);
        assert.equal(err.kind, 'sql');
        assert.equal(err.attempts, 1);
        assert.match(err.message, /^Dentrix ODBC: the database rejected the SQL \[ODBC state HY000: .*no such table: v_nope/);
        return true;
      },
    );
  });

  it('reports a package that cannot be loaded with what to install', () => {
    const load = loadOdbc('odbc-package-that-is-not-installed');
    assert.equal(load.ok, false);
    assert.ok(!load.ok && /not installed.*apt-get install unixodbc unixodbc-dev.*npm rebuild odbc/.test(load.error), !load.ok ? load.error : '');
  });
});
