// The dentrix-g-recall preset, unmodified, against the synthetic views in SQLite
// (SQLite ODBC driver) and PostgreSQL (psqlODBC): the same rows from both.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadOdbc, runQuery, type OdbcModule } from '../../../nodes/lib/odbc/client';
import { toJsonRows } from '../../../nodes/lib/odbc/rows';
import { DENTRIX_G_RECALL_COLUMNS, DENTRIX_G_RECALL_SQL } from '../../../nodes/lib/presets/dentrix-g-query';
import { buildSqliteFixture, dayOffset, loadPostgresFixture } from '../../fixtures/odbc/fixture';
import { startPostgres, type PrivatePostgres } from '../../support/postgres';

type Row = Record<string, unknown>;

/** What the fixture holds, as the preset should return it (dates relative to today, UTC). */
function expectedRows(): Row[] {
  const d = (n: number): string => dayOffset(n);
  const base = { preferred_name: null, work_phone: null, privacy_flags: 0, has_future_appt: 0 };
  return [
    { ...base, patient_id: 1, first_name: 'Maria', last_name: 'Garcia', preferred_name: 'Mari', status: 1, birth_date: '1961-03-14', email: 'maria.garcia@example.com', mobile_phone: '(801)555-0199', home_phone: '(801)555-0101', guar_id: 1, last_visit_date: d(-200), recall_type: 'PROPHY      ', due_date: d(10) },
    { ...base, patient_id: 2, first_name: 'Leo', last_name: 'Garcia', status: 1, birth_date: '1992-07-01', email: null, mobile_phone: null, home_phone: '(801)555-0101', guar_id: 1, last_visit_date: d(-190), recall_type: 'PROPHY      ', due_date: d(10), has_future_appt: 1 },
    { ...base, patient_id: 3, first_name: 'Thi', last_name: 'Nguyen', status: 1, birth_date: '1985-11-23', email: 'thi.nguyen@example.com', mobile_phone: '(385)555-0142', home_phone: null, work_phone: '(385)555-0143', guar_id: 3, last_visit_date: d(-120), recall_type: '  PERIO     ', due_date: d(-5) },
    { ...base, patient_id: 4, first_name: 'Pat', last_name: "O'Brien", status: 3, birth_date: '1950-01-30', email: 'pat.obrien@example.com', mobile_phone: null, home_phone: '(801)555-0177', guar_id: 4, last_visit_date: d(-400), recall_type: 'BWX         ', due_date: d(-60) },
    { ...base, patient_id: 5, first_name: 'Ana', last_name: 'Lopez', status: 1, birth_date: '1978-04-02', email: 'ana.lopez@example.com', mobile_phone: '(801)555-0155', home_phone: null, guar_id: 5, privacy_flags: 2, last_visit_date: d(-800), recall_type: 'BWX         ', due_date: d(-400) },
    { ...base, patient_id: 5, first_name: 'Ana', last_name: 'Lopez', status: 1, birth_date: '1978-04-02', email: 'ana.lopez@example.com', mobile_phone: '(801)555-0155', home_phone: null, guar_id: 5, privacy_flags: 2, last_visit_date: d(-800), recall_type: 'PROPHY      ', due_date: d(-400) },
    { ...base, patient_id: 6, first_name: 'Sam', last_name: 'Lee', status: 1, birth_date: '2001-12-12', email: null, mobile_phone: '(801)555-0166', home_phone: null, guar_id: 6, last_visit_date: d(-700), recall_type: null, due_date: null },
    { ...base, patient_id: 8, first_name: 'Eva', last_name: 'Stone', status: 1, birth_date: '1970-10-10', email: 'eva.stone@example.com', mobile_phone: '(801)555-0188', home_phone: null, guar_id: 8, privacy_flags: 1, last_visit_date: d(-170), recall_type: 'PROPHY      ', due_date: d(5), has_future_appt: 1 },
  ];
}

function inColumnOrder(rows: Row[]): Row[] {
  return rows.map((r) => Object.fromEntries(DENTRIX_G_RECALL_COLUMNS.map((c) => [c, r[c]])));
}

describe('dentrix-g-recall preset on real ODBC drivers', function () {
  this.timeout(60_000);
  let odbc: OdbcModule;
  before(function () {
    const load = loadOdbc();
    if (!load.ok) throw new Error(load.error);
    odbc = load.odbc;
  });

  it('returns the contract columns, in order, from SQLite (views attached AS admin)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-sqlite-'));
    try {
      const fx = await buildSqliteFixture(odbc, dir);
      const conn = await odbc.connect({ connectionString: `Driver=SQLite3;Database=${fx.mainDb}`, loginTimeout: 5 });
      try {
        await conn.query(`ATTACH DATABASE '${fx.adminDb}' AS admin`, {});
        const result = await conn.query(DENTRIX_G_RECALL_SQL, [dayOffset(0)], { timeout: 10 });
        const columns = (result.columns ?? []).map((c) => ({ name: c.name, dataType: c.dataType }));
        assert.deepEqual(columns.map((c) => c.name), [...DENTRIX_G_RECALL_COLUMNS]);
        const rows = toJsonRows(result, columns);
        assert.deepEqual(rows, inColumnOrder(expectedRows()));
      } finally {
        await conn.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('PostgreSQL through psqlODBC', () => {
    let pg: PrivatePostgres;
    before(async () => {
      pg = await startPostgres();
      loadPostgresFixture(pg);
    });
    after(() => pg?.destroy());
    const preset = (asOf: string) =>
      runQuery(
        odbc,
        { connectionString: `${pg.connectionString}Uid=${pg.user};Pwd=${pg.password};`, sql: DENTRIX_G_RECALL_SQL, params: [asOf], loginTimeoutS: 5, queryTimeoutS: 10 },
        { retries: 0, baseDelayMs: 10, maxDelayMs: 10 },
      );

    it('returns the same rows, unmodified SQL, as the read-only login', async () => {
      const out = await preset(dayOffset(0));
      assert.deepEqual(out.columns, [...DENTRIX_G_RECALL_COLUMNS]);
      assert.deepEqual(out.rows, inColumnOrder(expectedRows()));
      assert.equal(out.attempts, 1);
      assert.equal(await pg.settledSessions(), 0, 'the connection is closed');
    });

    it('judges future appointments against the bound as-of date, not the server clock', async () => {
      const flags = async (asOf: string) => (await preset(asOf)).rows.map((r) => `${r.patient_id}:${r.has_future_appt}`).join(' ');
      // appointments: patient 2 on day +20, 3 on day +15 (broken), 8 today
      assert.equal(await flags(dayOffset(16)), '1:0 2:1 3:0 4:0 5:0 5:0 6:0 8:0');
      assert.equal(await flags(dayOffset(21)), '1:0 2:0 3:0 4:0 5:0 5:0 6:0 8:0');
      assert.equal(await flags(dayOffset(-200)), '1:0 2:1 3:1 4:0 5:0 5:0 6:0 8:1');
    });
  });
});
