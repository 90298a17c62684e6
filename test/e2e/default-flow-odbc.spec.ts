// The ODBC branch of the default flow: the schedule node, "DENTRIX_CONNECTION
// set?", the dentrix-g-recall preset over psqlODBC against a private PostgreSQL
// holding the synthetic Dentrix views, configured only by DENTRIX_* variables.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPostgresFixture } from '../fixtures/odbc/fixture';
import { connectComms, type Comms } from '../support/comms';
import { waitForRun } from '../support/flow-run';
import { postgresAvailable, startPostgres, type PrivatePostgres } from '../support/postgres';
import { startRuntime, type StartedRuntime } from '../support/runtime';

describe('the default flow on Dentrix over ODBC (PostgreSQL, psqlODBC)', function () {
  this.timeout(180_000);
  let pg: PrivatePostgres;
  let red: StartedRuntime;
  let comms: Comms;
  const seen = new Set<string>();

  before(async function () {
    if (!postgresAvailable()) {
      console.warn('    SKIPPED: PostgreSQL is not installed (apt-get install postgresql odbc-postgresql)');
      this.skip();
    }
    pg = await startPostgres();
    loadPostgresFixture(pg);
    red = await startRuntime({
      env: {
        OFFICE_CODE: 'PRV',
        RECALL_WATCH_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'recall-odbc-watch-')),
        DENTRIX_CONNECTION: pg.connectionString,
        DENTRIX_USER: pg.user,
        DENTRIX_PASSWORD: pg.password,
        DENTRIX_RECALL_SQL: '',
      },
    });
    comms = await connectComms(red.url, await red.token());
  });
  after(async () => {
    comms?.close();
    if (red) await red.stop();
    pg?.destroy();
  });

  it('the schedule runs the preset query and the dry-run shows who would be contacted', async () => {
    await red.api('POST', '/recall-schedule/schedule/run');
    const run = await waitForRun(red, (r) => r.source === 'odbc', seen);
    assert.equal(run.office, 'PRV');
    assert.equal(run.dryRun, true);
    const shown = await comms.waitForDebug((m) => m.id === 'dry-run', 'the Dry-run payloads debug node');
    const names = (JSON.parse(shown.msg) as { request: { body: { firstName: string; office: string } } }[]).map((r) => r.request.body.firstName);
    // due or lapsed, active, reachable (fixture: test/fixtures/odbc/dentrix-g-views.sql)
    // Maria goes by her preferred name, Mari
    for (const name of ['Mari', 'Thi', 'Sam']) assert.ok(names.includes(name), `${name} in ${names}`);
    // Leo and Eva have an appointment, Pat is inactive
    for (const name of ['Leo', 'Eva', 'Pat']) assert.ok(!names.includes(name), `${name} not in ${names}`);
    assert.equal(run.leftOut.inactive, 1, run.text);
    assert.equal(run.delivery['dry-run'], names.length);
  });
});
