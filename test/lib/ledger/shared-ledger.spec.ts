// Runtimes sharing one ledger file: leases must hold whatever their clocks say, and a
// ledger on a network share (where SQLite's WAL is unsafe) is refused at open.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hmacWith } from '../../../nodes/lib/ledger/keys';
import { checkLocalDisk, mountOf } from '../../../nodes/lib/ledger/local-disk';
import { openLedger, type SqliteLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import { removeTempDirs, tempDir } from './tmp';

const SECRET = 'shared-ledger-secret';
const keysFor = (n: number): string[] => Array.from({ length: n }, (_, i) => hmacWith(SECRET)('k', String(i)));
const MIN = 60_000;
const LEASE = 15 * MIN;

describe('a ledger file shared by runtimes', () => {
  const open: SqliteLedger[] = [];
  afterEach(async () => {
    for (const l of open.splice(0)) await l.close().catch(() => undefined);
    removeTempDirs();
  });

  /** A runtime on its own machine: its own clock (set by hand), named `clockId`. */
  async function runtime(file: string, clockId: string, clock: { t: number }): Promise<SqliteLedger> {
    const opts: Record<string, unknown> = { file, secret: SECRET, now: () => clock.t, clockId };
    const l = await openLedger(opts as unknown as Parameters<typeof openLedger>[0]);
    open.push(l);
    return l;
  }

  describe('leases and clock skew', () => {
    it('a runtime 20 minutes ahead does not take the keys another still holds; it takes them once it saw the lease run its length', async () => {
      const file = path.join(tempDir(), 'shared.sqlite');
      const t0 = Date.parse('2026-12-01T10:00:00Z');
      const clockA = { t: t0 };
      const clockB = { t: t0 + 20 * MIN }; // B's clock is 20 minutes ahead
      const a = await runtime(file, 'office-pc-a', clockA);
      const b = await runtime(file, 'office-pc-b', clockB);
      const keys = keysFor(3);
      assert.deepEqual((await a.reserve(keys, LEASE, { runId: 'a-run' })).reserved, keys);
      // one real minute later, B runs: A's lease (until 10:15 on A's clock) is live
      clockA.t += MIN;
      clockB.t += MIN;
      const first = await b.reserve(keys, LEASE, { runId: 'b-run' });
      assert.deepEqual(first.reserved, [], 'B reserved keys A still held (its clock is ahead)');
      assert.deepEqual(first.leased, keys);
      // 14 minutes of B's time after it first saw the lease: still A's
      clockB.t += 14 * MIN;
      assert.deepEqual((await b.reserve(keys, LEASE, { runId: 'b-run-2' })).leased, keys);
      // A renews: a new lease, timed anew by B
      clockA.t += 14 * MIN;
      assert.equal(await a.renew(keys.slice(0, 1), LEASE, { runId: 'a-run' }), 1);
      clockB.t += 2 * MIN; // 16 minutes since B first saw the first leases
      const later = await b.reserve(keys, LEASE, { runId: 'b-run-3' });
      assert.deepEqual(later.leased, keys.slice(0, 1), 'the renewed lease holds');
      assert.deepEqual(later.reserved, keys.slice(1), 'a lease B watched for its whole length ran out (A died): taken');
    });

    it('a runtime 20 minutes behind takes over a dead runtime\'s keys after the lease length, not 20 minutes later', async () => {
      const file = path.join(tempDir(), 'shared.sqlite');
      const t0 = Date.parse('2026-12-01T10:00:00Z');
      const clockA = { t: t0 };
      const clockB = { t: t0 - 20 * MIN };
      const a = await runtime(file, 'pc-a', clockA);
      const b = await runtime(file, 'pc-b', clockB);
      const keys = keysFor(2);
      await a.reserve(keys, LEASE, { runId: 'a-run' }); // then A dies
      assert.deepEqual((await b.reserve(keys, LEASE)).leased, keys);
      clockB.t += LEASE;
      assert.deepEqual((await b.reserve(keys, LEASE)).reserved, keys);
    });

    it('runtimes on one clock compare lease times directly, as before (a crashed run is taken over once its lease ran out)', async () => {
      const file = path.join(tempDir(), 'shared.sqlite');
      const clock = { t: Date.parse('2026-12-01T10:00:00Z') };
      const a = await runtime(file, 'same-host', clock);
      const b = await runtime(file, 'same-host', clock);
      const keys = keysFor(2);
      await a.reserve(keys, LEASE);
      clock.t += LEASE - 1;
      assert.deepEqual((await b.reserve(keys, LEASE)).leased, keys);
      clock.t += 2;
      assert.deepEqual((await b.reserve(keys, LEASE)).reserved, keys);
    });
  });

  describe('network shares', () => {
    function mountsWith(dir: string, type: string): string {
      const file = path.join(tempDir('recall-mounts-'), 'mounts');
      fs.writeFileSync(file, `/dev/sda1 / ext4 rw,relatime 0 0\nserver:/export ${dir} ${type} rw,relatime 0 0\n`);
      return file;
    }

    for (const type of ['nfs', 'nfs4', 'cifs', 'smb3', 'fuse.sshfs']) {
      it(`refuses a ledger on ${type}, naming the file`, async () => {
        const dir = tempDir();
        const file = path.join(dir, 'office', 'ledger.sqlite');
        const mountsFile = mountsWith(dir, type);
        const opts: Record<string, unknown> = { file, secret: SECRET, mountsFile };
        await assert.rejects(openLedger(opts as unknown as Parameters<typeof openLedger>[0]), (err: Error) => {
          assert.match(err.message, new RegExp(`^ledger ${file.replace(/[.\\/]/g, '\\$&')}: is on a network share \\(${type.replace('.', '\\.')} at `));
          assert.match(err.message, /RECALL_LEDGER_DB/);
          return true;
        });
        assert.ok(!fs.existsSync(file), 'nothing created on the share');
      });
    }

    it('refuses a Windows UNC path (\\\\server\\share\\...)', () => {
      assert.throws(() => checkLocalDisk('\\\\nas\\recall\\ledger.sqlite', '/nonexistent', 'win32'), /ledger \\\\nas\\recall\\ledger\.sqlite: is on a network share/);
      assert.throws(() => checkLocalDisk('//nas/recall/ledger.sqlite', '/nonexistent', 'win32'), /network share/);
      assert.doesNotThrow(() => checkLocalDisk('C:\\ProgramData\\DentalRecall\\ledger.sqlite', '/nonexistent', 'win32'));
    });

    it('opens a ledger on a local disk (this machine\'s real /proc/mounts)', async () => {
      const file = path.join(tempDir(), 'ledger.sqlite');
      const l = await openLedger({ file, secret: SECRET });
      open.push(l);
      assert.ok(fs.existsSync(file));
    });

    it('finds the mount of a path: the longest mount point, escaped names, not a mere name prefix', () => {
      const mounts = '/dev/sda1 / ext4 rw 0 0\nsrv:/x /mnt/office\\040share nfs4 rw 0 0\nsrv:/y /mnt/off cifs rw 0 0\n';
      assert.deepEqual(mountOf('/mnt/office share/ledger', mounts), { point: '/mnt/office share', type: 'nfs4' });
      assert.deepEqual(mountOf('/mnt/offline/ledger', mounts), { point: '/', type: 'ext4' });
      assert.deepEqual(mountOf('/mnt/off/ledger', mounts), { point: '/mnt/off', type: 'cifs' });
    });
  });
});
