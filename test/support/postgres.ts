// A private PostgreSQL for tests: initdb + pg_ctl in a temp folder, on a spare
// loopback port, TCP logins checked with SCRAM passwords (so a wrong password is
// a real fault). PostgreSQL refuses to run as root, so as root (CI) its programs
// run as the `postgres` user through runuser, with a temp folder it owns.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './runtime';

const PG_BIN = process.env.PG_BIN || findPgBin();

function findPgBin(): string {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return '';
  const versions = fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : '';
}

export function postgresAvailable(): boolean {
  return PG_BIN !== '';
}

export interface PrivatePostgres {
  port: number;
  database: string;
  /** the read-only login the tests connect with through psqlODBC */
  user: string;
  password: string;
  /** a psqlODBC connection string without credentials */
  connectionString: string;
  /** runs SQL as the superuser over the Unix socket (never through ODBC); returns psql's unaligned output */
  admin(sql: string): string;
  /** sessions of the test login, other than the admin's own */
  openSessions(): number;
  /** waits (bounded) until the test login has no session left; returns the count then */
  settledSessions(maxWaitMs?: number): Promise<number>;
  start(): void;
  /** pg_ctl stop in the given mode (fast: disconnects clients at once) */
  stop(mode?: 'fast' | 'immediate'): void;
  running(): boolean;
  /** stops the server and removes its folder */
  destroy(): void;
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function run(bin: string, args: string[], input?: string): string {
  const cmd = asRoot ? 'runuser' : path.join(PG_BIN, bin);
  const argv = asRoot ? ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args] : args;
  const res = spawnSync(cmd, argv, { encoding: 'utf8', input, cwd: os.tmpdir() });
  if (res.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${res.status}): ${res.stderr || res.stdout}`);
  return res.stdout;
}

export async function startPostgres(): Promise<PrivatePostgres> {
  if (!postgresAvailable()) throw new Error('PostgreSQL binaries not found (apt-get install postgresql)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-pg-'));
  fs.chmodSync(dir, 0o700);
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  const sock = dir;
  const port = await freePort();
  const database = 'dentrix';
  const user = 'recall_ro';
  const password = 'Synthetic-Pw-01';

  const pwfile = path.join(dir, 'pw');
  fs.writeFileSync(pwfile, 'superuser-pw\n', { mode: 0o600 });
  if (asRoot) execFileSync('chown', ['postgres:postgres', pwfile]);
  run('initdb', ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '-A', 'scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-instructions']);
  fs.rmSync(pwfile);
  fs.appendFileSync(
    path.join(data, 'postgresql.conf'),
    `\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${sock}'\nfsync = off\nmax_connections = 30\nshared_buffers = 16MB\ntimezone = 'UTC'\n`,
  );

  let up = false;
  const pg: PrivatePostgres = {
    port,
    database,
    user,
    password,
    connectionString: `Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=${port};Database=${database};`,
    admin(sql: string): string {
      return run('psql', ['-h', sock, '-p', String(port), '-U', 'postgres', '-d', database, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'], sql);
    },
    openSessions(): number {
      const out = pg.admin(`SELECT count(*) FROM pg_stat_activity WHERE usename = '${user}' AND pid <> pg_backend_pid();`);
      return Number(out.trim());
    },
    async settledSessions(maxWaitMs = 5000): Promise<number> {
      // A backend leaves pg_stat_activity shortly after its client disconnects.
      const until = Date.now() + maxWaitMs;
      let n = pg.openSessions();
      while (n > 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        n = pg.openSessions();
      }
      return n;
    },
    start(): void {
      run('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start']);
      up = true;
    },
    stop(mode: 'fast' | 'immediate' = 'fast'): void {
      if (!up) return;
      run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
      up = false;
    },
    running: () => up,
    destroy(): void {
      try {
        pg.stop('immediate');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };

  pg.start();
  // Safety net: a test run that dies before its after() hook must not leave a server behind.
  const onExit = (): void => {
    if (up) spawnSync(asRoot ? 'runuser' : path.join(PG_BIN, 'pg_ctl'), [...(asRoot ? ['-u', 'postgres', '--', path.join(PG_BIN, 'pg_ctl')] : []), '-D', data, '-m', 'immediate', 'stop']);
  };
  process.once('exit', onExit);
  const destroy = pg.destroy;
  pg.destroy = () => {
    process.removeListener('exit', onExit);
    destroy();
  };
  run('psql', ['-h', sock, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1'],
    `CREATE DATABASE ${database};\nCREATE ROLE ${user} LOGIN PASSWORD '${password}';\n`);
  return pg;
}
