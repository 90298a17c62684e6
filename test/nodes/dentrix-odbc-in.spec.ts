// dentrix-odbc-in + dentrix-connection in a real Node-RED runtime (test helper),
// through real ODBC drivers: SQLite ODBC for the everyday paths, psqlODBC against
// a private PostgreSQL for the preset, the credentials and every fault.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadOdbc } from '../../nodes/lib/odbc/client';
import { DENTRIX_G_RECALL_COLUMNS } from '../../nodes/lib/presets/dentrix-g-query';
import { buildSqliteFixture, dayOffset, loadPostgresFixture } from '../fixtures/odbc/fixture';
import { helper, NODE_RED_MODULE, useHelper } from '../support/helper';
import { DIST_NODES, ROOT, nodeModule } from '../support/paths';
import { startPostgres, type PrivatePostgres } from '../support/postgres';
import { until } from '../support/until';

const connModule = nodeModule('dentrix-connection');
const odbcInModule = nodeModule('dentrix-odbc-in');

// unixODBC reads the user DSN file once per process, so the test DSN must be in
// place before the first connection of this mocha run (spec files load first).
const DSN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-dsn-'));
const DSN_NAME = 'DentrixRecallTest';
const dsnUsable = process.env.ODBCINI === undefined;
if (dsnUsable) {
  fs.writeFileSync(path.join(DSN_DIR, 'odbc.ini'), `[${DSN_NAME}]\nDriver=SQLite3\nDatabase=${path.join(DSN_DIR, 'admin.sqlite')}\n`);
  process.env.ODBCINI = path.join(DSN_DIR, 'odbc.ini');
}

type Msg = Record<string, any>;
type Cfg = Record<string, unknown>;

interface Loaded {
  node: any;
  outputs: Msg[];
  warnings: string[];
  /** the next output or caught error (and everything collected until then) */
  next(): Promise<{ out?: Msg; error?: { message: string; source?: { id: string } } }>;
  trigger(msg?: Msg): void;
  statuses(): Array<{ fill?: string; shape?: string; text?: string }>;
}

function flow(conn: Cfg, node: Cfg): unknown[] {
  return [
    { id: 'f1', type: 'tab', label: 'odbc' },
    { id: 'conn', type: 'dentrix-connection', name: 'test', loginTimeout: 5, queryTimeout: 10, ...conn },
    { id: 'n1', type: 'dentrix-odbc-in', z: 'f1', connection: 'conn', sql: '', params: '', office: 'TEST', officeType: 'str', retries: 0, retryDelay: 20, ...node, wires: [['out']] },
    { id: 'out', type: 'helper', z: 'f1' },
    { id: 'catch1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ];
}

async function load(conn: Cfg, node: Cfg, credentials?: { user?: string; password?: string }, modules: unknown[] = [connModule, odbcInModule]): Promise<Loaded> {
  await helper.load(modules, flow(conn, node), credentials ? { conn: credentials } : {});
  const n = helper.getNode('n1');
  const outputs: Msg[] = [];
  const warnings: string[] = [];
  const waiting: Array<(v: { out?: Msg; error?: { message: string } }) => void> = [];
  const queue: Array<{ out?: Msg; error?: { message: string } }> = [];
  const push = (v: { out?: Msg; error?: { message: string } }): void => {
    const w = waiting.shift();
    if (w) w(v);
    else queue.push(v);
  };
  helper.getNode('out').on('input', (m: Msg) => (outputs.push(m), push({ out: m })));
  helper.getNode('caught').on('input', (m: Msg) => push({ error: m.error }));
  n.on('call:warn', (call: { args: unknown[] }) => warnings.push(String(call.args[0])));
  return {
    node: n,
    outputs,
    warnings,
    next: () => new Promise((resolve) => (queue.length ? resolve(queue.shift()!) : waiting.push(resolve))),
    trigger: (msg: Msg = {}) => n.receive({ payload: '', ...msg }),
    statuses: () => n.status.getCalls().filter((c: { thisValue: unknown }) => c.thisValue === n).map((c: { args: unknown[] }) => c.args[0]),
  };
}

const lastStatus = (l: Loaded): { fill?: string; shape?: string; text?: string } => l.statuses()[l.statuses().length - 1] ?? {};

describe('dentrix-odbc-in', function () {
  this.timeout(60_000);
  let sqlite: string;
  const sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-odbc-node-'));

  before(async () => {
    const load = loadOdbc();
    if (!load.ok) throw new Error(load.error);
    sqlite = (await buildSqliteFixture(load.odbc, sqliteDir)).adminDb;
    if (dsnUsable) fs.copyFileSync(sqlite, path.join(DSN_DIR, 'admin.sqlite'));
  });
  after(() => {
    fs.rmSync(sqliteDir, { recursive: true, force: true });
    fs.rmSync(DSN_DIR, { recursive: true, force: true });
  });
  useHelper();

  describe('on the SQLite ODBC driver', () => {
    const sqliteConn = (): Cfg => ({ connection: `Driver=SQLite3;Database=${sqlite}` });

    it('sends one message with all rows, ? parameters from the message, and run metadata', async () => {
      const l = await load(sqliteConn(), {
        sql: 'SELECT patient_id, last_name, birth_date, COUNT(*) OVER () AS total FROM v_patient WHERE status = ? AND birth_date < ? ORDER BY patient_id',
        params: 'msg.status, when.before',
        office: 'SANDY',
      });
      l.trigger({ status: 1, when: { before: new Date(Date.UTC(1980, 0, 1)) }, topic: 'kept' });
      const { out } = await l.next();
      assert.ok(out);
      assert.deepEqual(out.payload, [
        { patient_id: 1, last_name: 'Garcia', birth_date: '1961-03-14', total: 3 },
        { patient_id: 5, last_name: 'Lopez', birth_date: '1978-04-02', total: 3 },
        { patient_id: 8, last_name: 'Stone', birth_date: '1970-10-10', total: 3 },
      ]);
      assert.equal(out.topic, 'kept', 'the trigger message is reused');
      const r = out.recall;
      assert.deepEqual([r.source, r.office, r.rowCount, r.columns], ['odbc', 'SANDY', 3, ['patient_id', 'last_name', 'birth_date', 'total']]);
      assert.equal(typeof r.runId, 'string');
      assert.ok(Number.isInteger(r.latencyMs) && r.latencyMs >= 0);
      assert.deepEqual(r.counts, {});
      assert.match(lastStatus(l).text ?? '', /^3 rows in \d+ ms$/);
      assert.equal(lastStatus(l).fill, 'green');
    });

    it('connects through a DSN defined in odbc.ini', async function () {
      if (!dsnUsable) this.skip();
      const l = await load({ connection: DSN_NAME }, { sql: 'SELECT COUNT(*) AS n FROM v_patient_recall' });
      l.trigger();
      const { out } = await l.next();
      assert.deepEqual(out?.payload, [{ n: 7 }], 'COUNT(*) (a BigInt from the driver) arrives as a number');
    });

    it('takes the office from the environment by default', async () => {
      process.env.RECALL_TEST_OFFICE = 'OREM';
      try {
        const l = await load(sqliteConn(), { sql: 'SELECT 1 AS one', office: 'RECALL_TEST_OFFICE', officeType: 'env' });
        l.trigger();
        assert.equal((await l.next()).out?.recall.office, 'OREM');
      } finally {
        delete process.env.RECALL_TEST_OFFICE;
      }
    });

    it('refuses SQL that is not a single read at deploy: red status, and each trigger fails', async () => {
      const l = await load(sqliteConn(), { sql: 'SELECT * FROM v_patient; DELETE FROM v_patient' });
      assert.equal(l.statuses()[0]?.fill, 'red');
      assert.match(l.statuses()[0]?.text ?? '', /more than one statement/);
      l.trigger();
      const { error } = await l.next();
      assert.match(error?.message ?? '', /Dentrix ODBC: the SQL holds more than one statement/);
      assert.equal(l.outputs.length, 0);
    });

    it('refuses a parameter list that does not match the ? markers', async () => {
      const l = await load(sqliteConn(), { sql: 'SELECT * FROM v_patient WHERE status = ?', params: '' });
      assert.equal(lastStatus(l).fill, 'red');
      l.trigger();
      assert.match((await l.next()).error?.message ?? '', /1 "\?" parameter marker\(s\) but 0 parameter\(s\)/);
    });

    it('fails a run whose parameter is missing from the message, naming it', async () => {
      const l = await load(sqliteConn(), { sql: 'SELECT * FROM v_patient WHERE status = ?', params: 'msg.status' });
      l.trigger();
      assert.match((await l.next()).error?.message ?? '', /SQL parameter msg\.status is not set/);
      assert.equal(l.outputs.length, 0);
    });

    it('ends a trigger with a warning status when no connection is configured (unset ${VAR})', async () => {
      delete process.env.RECALL_TEST_UNSET_CONNECTION;
      const l = await load({ connection: '${RECALL_TEST_UNSET_CONNECTION}' }, {});
      assert.deepEqual(lastStatus(l), { fill: 'yellow', shape: 'ring', text: 'no connection configured' });
      l.trigger();
      await until(() => l.warnings.length > 0, 'the warning', { timeoutMs: 10_000 });
      assert.match(l.warnings[0], /no connection string or DSN is set \(DENTRIX_CONNECTION\); this run read nothing/);
      assert.deepEqual(lastStatus(l), { fill: 'yellow', shape: 'ring', text: 'not configured: nothing read' });
      assert.equal(l.outputs.length, 0);
    });

    it('warns on a thin batch: far fewer rows than the median of recent runs', async () => {
      const l = await load(sqliteConn(), { sql: 'SELECT patient_id FROM v_patient WHERE patient_id <= ?', params: 'msg.upTo', thinWindow: 3, thinFraction: 0.5 });
      for (const upTo of [8, 8, 7]) {
        l.trigger({ upTo });
        await l.next();
      }
      assert.equal(l.warnings.length, 0);
      l.trigger({ upTo: 3 });
      const { out } = await l.next();
      assert.equal(out?.payload.length, 3, 'a thin batch is still sent');
      assert.match(l.warnings[0] ?? '', /thin batch: 3 rows, the median of the last runs is 8/);
      assert.match(lastStatus(l).text ?? '', /^thin batch: 3 rows \(median 8\)/);
      assert.equal(lastStatus(l).fill, 'yellow');
    });

    it('drops a trigger that arrives during a run when set to drop, and says so', async () => {
      const l = await load(sqliteConn(), { sql: 'SELECT patient_id FROM v_patient', busy: 'drop' });
      l.trigger();
      l.trigger();
      await l.next();
      await until(() => l.warnings.length > 0, 'the warning', { timeoutMs: 10_000 });
      assert.match(l.warnings[0], /trigger dropped: a run is still in progress \(when busy: drop\)/);
      assert.equal(l.outputs.length, 1);
    });

    it('takes the connection string from a local command', async () => {
      const script = path.join(sqliteDir, 'connection-string.sh');
      fs.writeFileSync(script, '#!/bin/sh\necho "Driver=SQLite3;Database=$1"\n', { mode: 0o755 });
      const l = await load({ source: 'command', command: script, args: `"${sqlite}"` }, { sql: 'SELECT COUNT(*) AS n FROM v_patient' });
      l.trigger();
      assert.deepEqual((await l.next()).out?.payload, [{ n: 8 }]);
    });

    it('fails clearly when the connection-string command fails, without showing its output', async () => {
      const script = path.join(sqliteDir, 'broken-helper.sh');
      fs.writeFileSync(script, '#!/bin/sh\necho "UID=u;PWD=Hidden-Pw-9"\nexit 2\n', { mode: 0o755 });
      const l = await load({ source: 'command', command: script }, { sql: 'SELECT 1 AS one' });
      l.trigger();
      const msg = (await l.next()).error?.message ?? '';
      assert.match(msg, /Dentrix ODBC: the connection-string command ".*broken-helper\.sh" failed \(exit 2\)/);
      assert.doesNotMatch(msg, /Hidden-Pw-9/);
    });

    it('without the odbc package: loads with a yellow status and no error, says once in the log what to install, and each trigger fails saying so', async () => {
      // A copy of the built nodes outside this checkout: require('odbc') really fails there.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-no-odbc-'));
      try {
        for (const part of ['dentrix-odbc-in', 'dentrix-connection', 'lib', 'kit']) fs.cpSync(path.join(DIST_NODES, part), path.join(dir, part), { recursive: true });
        /* eslint-disable @typescript-eslint/no-require-imports */
        const modules = [require(path.join(dir, 'dentrix-connection', 'dentrix-connection.js')), require(path.join(dir, 'dentrix-odbc-in', 'dentrix-odbc-in.js'))];
        const l = await load(sqliteConn(), { sql: 'SELECT 1 AS one' }, undefined, modules);
        assert.deepEqual(l.statuses()[0], { fill: 'yellow', shape: 'ring', text: 'ODBC unavailable: install unixODBC + odbc (see log)' });
        const logged = () => helper.log().args.map((a: unknown[]) => a[0] as { level: number; msg: unknown });
        // a deploy logs no error; the pack's one warning came when the module loaded
        assert.deepEqual(logged().filter((e: { level: number }) => e.level <= 20).map((e: { msg: unknown }) => String(e.msg)), []);
        const warned = logged().filter((e: { msg: unknown }) => /\[dentrix-odbc-in\].*the "odbc" package is not installed.*npm install-scripts approve odbc.*npm rebuild odbc/.test(String(e.msg)));
        assert.equal(warned.length, 1, 'one warning naming the fix');
        l.trigger();
        const msg = (await l.next()).error?.message ?? '';
        assert.match(msg, /the "odbc" package is not installed/);
        assert.match(msg, /apt-get install unixodbc unixodbc-dev/);
        assert.match(msg, /npm rebuild odbc/);
        assert.equal(l.outputs.length, 0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('the example flow (examples/nodes/dentrix-odbc-in.json)', () => {
    const core = (file: string): unknown =>
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(require.resolve(`@node-red/nodes/core/common/${file}`, { paths: [path.dirname(require.resolve(NODE_RED_MODULE))] }));
    const VARS = ['DENTRIX_CONNECTION', 'DENTRIX_USER', 'DENTRIX_PASSWORD', 'DENTRIX_RECALL_SQL', 'OFFICE_CODE'];
    const saved: Record<string, string | undefined> = {};
    beforeEach(() => VARS.forEach((v) => ((saved[v] = process.env[v]), delete process.env[v])));
    afterEach(() => VARS.forEach((v) => (saved[v] === undefined ? delete process.env[v] : (process.env[v] = saved[v]))));
    const example = (): unknown[] => JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'nodes', 'dentrix-odbc-in.json'), 'utf8'));

    it('reads through the connection and SQL given by the environment, and shows the run on the debug node', async () => {
      process.env.DENTRIX_CONNECTION = `Driver=SQLite3;Database=${sqlite}`;
      process.env.DENTRIX_RECALL_SQL = 'SELECT patient_id FROM v_patient_recall WHERE due_date IS NOT NULL';
      process.env.OFFICE_CODE = 'EXAMPLE';
      await helper.load([core('20-inject.js'), core('21-debug.js'), connModule, odbcInModule], example());
      const debug = helper.getNode('ex-odbc-debug');
      const got = new Promise<Msg>((resolve) => debug.on('input', resolve));
      helper.getNode('ex-odbc-inject').receive({});
      const msg = await got;
      assert.equal(msg.payload.length, 7);
      assert.deepEqual([msg.recall.office, msg.recall.rowCount, msg.recall.columns], ['EXAMPLE', 7, ['patient_id']]);
    });

    it('with nothing set, a run reads nothing and says so instead of failing', async () => {
      await helper.load([core('20-inject.js'), core('21-debug.js'), connModule, odbcInModule], example());
      const node = helper.getNode('ex-odbc-node');
      const warned = new Promise<string>((resolve) => node.on('call:warn', (c: { args: unknown[] }) => resolve(String(c.args[0]))));
      helper.getNode('ex-odbc-inject').receive({});
      assert.match(await warned, /no connection string or DSN is set/);
    });
  });

  describe('on PostgreSQL through psqlODBC', () => {
    let pg: PrivatePostgres;
    const pgConn = (extra: Cfg = {}): Cfg => ({ connection: pg.connectionString, ...extra });
    const login = (): { user: string; password: string } => ({ user: pg.user, password: pg.password });

    before(async () => {
      pg = await startPostgres();
      loadPostgresFixture(pg);
    });
    after(() => pg?.destroy());
    afterEach(async () => {
      if (!pg.running()) pg.start();
      assert.equal(await pg.settledSessions(), 0, 'no connection is left open');
    });

    it('runs the dentrix-g-recall preset when the SQL is empty, with the login from the credential store', async () => {
      const l = await load(pgConn(), { sql: '', asOf: '', timeZone: 'UTC' }, login());
      assert.equal(lastStatus(l).text, 'ready (preset dentrix-g-recall)');
      l.trigger();
      const { out } = await l.next();
      assert.deepEqual(out?.recall.columns, [...DENTRIX_G_RECALL_COLUMNS]);
      assert.deepEqual(out?.payload.map((r: Msg) => [r.patient_id, r.recall_type?.trim() ?? null, r.has_future_appt]), [
        [1, 'PROPHY', 0], [2, 'PROPHY', 1], [3, 'PERIO', 0], [4, 'BWX', 0], [5, 'BWX', 0], [5, 'PROPHY', 0], [6, null, 0], [8, 'PROPHY', 1],
      ]);
      assert.equal(out?.recall.rowCount, 8);
      assert.deepEqual(out?.recall['dentrix-odbc-in'], { preset: 'dentrix-g-recall', asOf: dayOffset(0) });
    });

    it('binds a fixed as-of date (RECALL_AS_OF) into the preset', async () => {
      process.env.RECALL_TEST_AS_OF = dayOffset(21);
      try {
        const l = await load(pgConn(), { sql: '', asOf: '${RECALL_TEST_AS_OF}', timeZone: 'Pacific/Kiritimati' }, login());
        l.trigger();
        const { out } = await l.next();
        assert.equal(out?.recall['dentrix-odbc-in'].asOf, dayOffset(21));
        assert.deepEqual(out?.payload.filter((r: Msg) => r.has_future_appt === 1), [], 'no appointment is on or after day +21');
      } finally {
        delete process.env.RECALL_TEST_AS_OF;
      }
    });

    it('refuses a bad as-of date for the preset at deploy', async () => {
      const l = await load(pgConn(), { sql: '', asOf: '15/06/2025' }, login());
      assert.equal(lastStatus(l).fill, 'red');
      l.trigger();
      assert.match((await l.next()).error?.message ?? '', /setting "as of" \(RECALL_AS_OF\): "15\/06\/2025" is not a date/);
    });

    it('reads a year-first as-of as recall-normalize does (it refused 2025-6-15 and 20250615)', async () => {
      for (const [text, iso] of [['2025-6-15', '2025-06-15'], ['20250615', '2025-06-15']]) {
        const l = await load(pgConn(), { sql: '', asOf: text, timeZone: 'America/Denver' }, login());
        l.trigger();
        const { out } = await l.next();
        assert.equal(out?.recall['dentrix-odbc-in'].asOf, iso);
        await helper.unload();
      }
    });

    it('refuses a bad time zone even with a fixed as-of (recall-normalize does too)', async () => {
      const l = await load(pgConn(), { sql: '', asOf: '2025-06-15', timeZone: 'Mars/Olympus' }, login());
      assert.equal(lastStatus(l).fill, 'red');
    });

    it('takes the connection, user and password from ${VAR} settings (the shipped flow)', async () => {
      process.env.RECALL_TEST_CONN = pg.connectionString;
      process.env.RECALL_TEST_USER = pg.user;
      process.env.RECALL_TEST_PASSWORD = pg.password;
      try {
        const l = await load({ connection: '${RECALL_TEST_CONN}', envUser: '${RECALL_TEST_USER}', envPassword: '${RECALL_TEST_PASSWORD}' }, { sql: 'SELECT current_user AS who' });
        l.trigger();
        assert.deepEqual((await l.next()).out?.payload, [{ who: pg.user }]);
      } finally {
        delete process.env.RECALL_TEST_CONN;
        delete process.env.RECALL_TEST_USER;
        delete process.env.RECALL_TEST_PASSWORD;
      }
    });

    it('queues a trigger that arrives during a run: runs never overlap', async () => {
      // Each run counts the test login's sessions at its start, then sleeps a little.
      const l = await load(pgConn(), { sql: "SELECT COUNT(*) AS sessions FROM pg_stat_activity, pg_sleep(0.3) WHERE usename = current_user" }, login());
      l.trigger();
      l.trigger();
      await until(() => l.statuses().some((s) => /1 trigger\(s\) queued/.test(s.text ?? '')), 'the queued status', { timeoutMs: 10_000 });
      const a = await l.next();
      const b = await l.next();
      assert.deepEqual([a.out?.payload, b.out?.payload], [[{ sessions: 1 }], [{ sessions: 1 }]]);
      assert.equal(l.warnings.length, 0);
    });

    it('on redeploy during a run: queued triggers are discarded, no retry starts, the connection is closed', async () => {
      const l = await load(pgConn({ queryTimeout: 2 }), { sql: 'SELECT patient_id FROM admin.v_slow', retries: 3, retryDelay: 5000 }, login());
      l.trigger();
      l.trigger();
      await until(() => Number(pg.admin(`SELECT count(*) FROM pg_stat_activity WHERE usename = '${pg.user}' AND query LIKE '%v_slow%' AND state = 'active'`).trim()) === 1, 'the slow query', { timeoutMs: 10_000 });
      await helper.unload(); // resolves once the node's close handler is done: the running query has ended
      assert.equal(await pg.settledSessions(), 0, 'the connection was closed');
      assert.equal(l.outputs.length, 0);
      assert.equal(l.warnings.filter((w) => /retry/.test(w)).length, 0, 'no retry after the stop');
    });

    describe('faults: a clear error for Catch, retried only when it can help, nothing sent, no connection left', () => {
      it('server down at connect: retried, then "cannot reach the database server"', async () => {
        pg.stop();
        const l = await load(pgConn(), { sql: 'SELECT 1 AS one', retries: 2, retryDelay: 20 }, login());
        l.trigger();
        const { error } = await l.next();
        assert.match(error?.message ?? '', /^Error: Dentrix ODBC: cannot reach the database server .*\[ODBC state 08001: .*Connection refused.*\]; gave up after 3 attempts$/s);
        assert.equal(l.warnings.filter((w) => /retry \d of 2/.test(w)).length, 2);
        assert.deepEqual(lastStatus(l), { fill: 'red', shape: 'ring', text: 'server unreachable (08001)' });
        assert.equal(l.outputs.length, 0);
      });

      it('connection killed mid-query (pg_terminate_backend): "connection ... lost during the query"', async () => {
        const l = await load(pgConn(), { sql: 'SELECT patient_id FROM admin.v_slow', retries: 0 }, login());
        l.trigger();
        await until(() => Number(pg.admin(`SELECT count(*) FROM pg_stat_activity WHERE usename = '${pg.user}' AND query LIKE '%v_slow%' AND state = 'active'`).trim()) === 1, 'the slow query', { timeoutMs: 10_000 });
        pg.admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${pg.user}'`);
        const { error } = await l.next();
        assert.match(error?.message ?? '', /^Error: Dentrix ODBC: the connection to the database was lost during the query .*\[ODBC state 57P01: .*terminating connection/s);
        assert.equal(l.outputs.length, 0);
      });

      it('server stopped mid-query (pg_ctl stop -m fast): retried, then unreachable, naming the first cause', async () => {
        const l = await load(pgConn(), { sql: 'SELECT patient_id FROM admin.v_slow', retries: 1, retryDelay: 20 }, login());
        l.trigger();
        await until(() => Number(pg.admin(`SELECT count(*) FROM pg_stat_activity WHERE usename = '${pg.user}' AND query LIKE '%v_slow%' AND state = 'active'`).trim()) === 1, 'the slow query', { timeoutMs: 10_000 });
        pg.stop('fast');
        const { error } = await l.next();
        const msg = error?.message ?? '';
        assert.match(msg, /^Error: Dentrix ODBC: cannot reach the database server/);
        assert.match(msg, /gave up after 2 attempts \(the first failed because the connection to the database was lost during the query .*ODBC state 57P01\)/);
        assert.equal(l.warnings.length, 1);
        assert.equal(l.outputs.length, 0);
      });

      it('wrong password: not retried, "refused the user name or password"', async () => {
        const l = await load(pgConn(), { sql: 'SELECT 1 AS one', retries: 3 }, { user: pg.user, password: 'Wrong-Pw-42' });
        l.trigger();
        const msg = (await l.next()).error?.message ?? '';
        assert.match(msg, /^Error: Dentrix ODBC: the database refused the user name or password \[ODBC state 08001: .*password authentication failed/);
        assert.doesNotMatch(msg, /attempts|Wrong-Pw-42/);
        assert.equal(l.warnings.length, 0, 'no retry');
        assert.deepEqual(lastStatus(l), { fill: 'red', shape: 'ring', text: 'bad user name or password (08001)' });
        assert.equal(l.outputs.length, 0);
      });

      it('unknown DSN: not retried, "DSN is not defined"', async () => {
        const l = await load({ connection: 'NoSuchDentrixDsn' }, { sql: 'SELECT 1 AS one', retries: 3 }, login());
        l.trigger();
        assert.match((await l.next()).error?.message ?? '', /^Error: Dentrix ODBC: the data source name \(DSN\) is not defined on this machine .*\[ODBC state IM002: /);
        assert.equal(l.warnings.length, 0);
        assert.equal(l.outputs.length, 0);
      });

      it('missing driver: not retried, "the ODBC driver ... is not installed"', async () => {
        const l = await load({ connection: `Driver={Dentrix No Such Driver};Server=127.0.0.1;Port=${pg.port}` }, { sql: 'SELECT 1 AS one', retries: 3 }, login());
        l.trigger();
        assert.match((await l.next()).error?.message ?? '', /^Error: Dentrix ODBC: the ODBC driver named in the connection string is not installed on this machine .*\[ODBC state 01000: .*Can't open lib 'Dentrix No Such Driver'/);
        assert.equal(l.warnings.length, 0);
        assert.equal(l.outputs.length, 0);
      });

      it('SQL error: not retried, "the database rejected the SQL"', async () => {
        const l = await load(pgConn(), { sql: 'SELECT * FROM admin.v_nope', retries: 3 }, login());
        l.trigger();
        assert.match((await l.next()).error?.message ?? '', /^Error: Dentrix ODBC: the database rejected the SQL \[ODBC state 42P01: .*does not exist/);
        assert.equal(l.warnings.length, 0);
      });

      it('query timeout: retried, then "the query took longer than the query timeout"', async () => {
        const l = await load(pgConn({ queryTimeout: 1 }), { sql: 'SELECT patient_id FROM admin.v_slow', retries: 1, retryDelay: 20 }, login());
        l.trigger();
        assert.match((await l.next()).error?.message ?? '', /^Error: Dentrix ODBC: the query took longer than the query timeout \[ODBC state 57014: .*statement timeout.*\]; gave up after 2 attempts$/s);
        assert.equal(l.warnings.length, 1);
        assert.equal(l.outputs.length, 0);
      });

      it('a server that accepts TCP but never answers: the login timeout ends the wait, retried', async () => {
        const sockets = new Set<net.Socket>();
        const silent = net.createServer((s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
        await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
        try {
          const { port } = silent.address() as net.AddressInfo;
          const l = await load(
            { connection: `Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=${port};Database=dentrix;`, loginTimeout: 1 },
            { sql: 'SELECT 1 AS one', retries: 1, retryDelay: 20 },
            login(),
          );
          l.trigger();
          assert.match((await l.next()).error?.message ?? '', /^Error: Dentrix ODBC: the database server did not answer the login in time .*\[ODBC state 08001: .*timeout expired.*\]; gave up after 2 attempts$/s);
          assert.equal(l.warnings.length, 1);
          assert.equal(l.outputs.length, 0);
        } finally {
          for (const s of sockets) s.destroy();
          await new Promise((r) => silent.close(r));
        }
      });
    });
  });
});
