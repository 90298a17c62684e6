import { strict as assert } from 'node:assert';
import { checkSql, SqlGuardError } from '../../../nodes/lib/odbc/sql-guard';
import { DENTRIX_G_RECALL_SQL } from '../../../nodes/lib/presets/dentrix-g-query';

describe('odbc sql guard', () => {
  const accepted: Array<[string, string, number]> = [
    ['SELECT patient_id FROM admin.v_patient', 'select', 0],
    ['  select * from admin.v_patient_recall where due_date >= ? and patient_id = ?  ;  ', 'select', 2],
    ['WITH r AS (SELECT * FROM admin.v_patient_recall) SELECT * FROM r', 'with', 0],
    ['(SELECT 1 AS n) UNION (SELECT 2)', 'select', 0],
    ['{call admin.sp_getallpatientrecalls()}', 'call', 0],
    ['{ ? = call admin.sp_x(?) }', 'call', 2],
    ['CALL admin.sp_getallpatientrecalls()', 'call', 0],
    ['EXEC dbo.recall_list ?', 'exec', 1],
    ["SELECT 'a;b -- c ?' AS t, \"odd;name?\" FROM x -- trailing; DROP TABLE x", 'select', 0],
    ['/* header; with ? */ SELECT REPLACE(home_phone, \'-\', \'\') FROM admin.v_patient /* ; */', 'select', 0],
    ['SELECT is_deleted, updated_on FROM t', 'select', 0],
  ];
  for (const [sql, kind, params] of accepted) {
    it(`accepts ${JSON.stringify(sql).slice(0, 60)}`, () => {
      const out = checkSql(sql);
      assert.equal(out.kind, kind);
      assert.equal(out.placeholders, params);
      assert.ok(!/;\s*$/.test(out.sql), 'trailing semicolon removed');
    });
  }

  it('accepts the dentrix-g-recall preset, with its one parameter (the as-of date)', () => {
    assert.deepEqual([checkSql(DENTRIX_G_RECALL_SQL).kind, checkSql(DENTRIX_G_RECALL_SQL).placeholders], ['select', 1]);
  });

  const refused: Array<[string, RegExp]> = [
    ['', /empty/],
    ['-- only a comment', /only comments/],
    ['SELECT 1; SELECT 2', /more than one statement/],
    ['SELECT 1; DROP TABLE admin.v_patient', /more than one statement/],
    ['SELECT 1 /* x */ ; -- y\n DELETE FROM t', /more than one statement/],
    ['DELETE FROM admin.v_patient', /not DELETE/],
    ['UPDATE t SET a = 1', /not UPDATE/],
    ['INSERT INTO t VALUES (1)', /not INSERT/],
    ['PRAGMA table_info(t)', /not PRAGMA/],
    ['SELECT * INTO backup FROM admin.v_patient', /contains INTO/],
    ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', /contains DELETE/],
    ["SELECT 'unterminated FROM t", /unterminated string/],
    ['SELECT 1 /* open', /unterminated \/\* comment/],
    ['{fn CURDATE()}', /ODBC escape/],
  ];
  for (const [sql, why] of refused) {
    it(`refuses ${JSON.stringify(sql).slice(0, 60)}`, () => {
      assert.throws(() => checkSql(sql), (err: Error) => err instanceof SqlGuardError && why.test(err.message));
    });
  }
});
