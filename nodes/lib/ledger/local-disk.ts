// The ledger runs SQLite in WAL mode, which needs shared memory between every process
// that opens the file: on a network share (NFS, SMB/CIFS, sshfs) two runtimes can both
// "reserve" one key, and the file can be corrupted. A ledger on a share is refused.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** File systems that reach the file over a network. */
const NETWORK_FS = /^(nfs\d*|cifs|smb\d*|smbfs|fuse\.sshfs|sshfs|9p|afs|ncpfs|fuse\.s3fs|glusterfs|fuse\.glusterfs|ceph|fuse\.rclone|davfs|fuse\.davfs2?)$/i;

/** `\\server\share\...` or `//server/share/...` (Windows UNC). */
export function isUncPath(file: string): boolean {
  return /^(\\\\|\/\/)[^\\/]+[\\/]+[^\\/]+/.test(file);
}

/** The mount a path is on, from a /proc/mounts text: the longest mount point that holds it. */
export function mountOf(file: string, mounts: string): { point: string; type: string } | undefined {
  let best: { point: string; type: string } | undefined;
  for (const line of mounts.split('\n')) {
    const f = line.split(' ');
    if (f.length < 3) continue;
    // /proc/mounts escapes spaces and the like as \040 (octal)
    const point = f[1].replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    const inside = point === '/' || file === point || file.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (inside && (!best || point.length >= best.point.length)) best = { point, type: f[2] };
  }
  return best;
}

/** The deepest existing folder of `file` (the ledger's folder may not exist yet), resolved through links. */
function existingDir(file: string): string {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    try {
      return fs.realpathSync(dir);
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return dir;
      dir = up;
    }
  }
}

/** Throws, naming the file, when the ledger file is on a network share. */
export function checkLocalDisk(file: string, mountsFile = '/proc/mounts', platform: NodeJS.Platform = process.platform): void {
  const advice = 'SQLite\'s write-ahead log is not safe there (two runtimes could reserve one key, the file could be corrupted). Put the ledger (RECALL_LEDGER_DB) on a local disk of the machine that runs Node-RED';
  if (isUncPath(file)) throw new Error(`ledger ${file}: is on a network share (a \\\\server\\share path): ${advice}`);
  if (platform !== 'linux') return; // a mapped drive letter cannot be told from a local one without native calls
  let mounts: string;
  try {
    mounts = fs.readFileSync(mountsFile, 'utf8');
  } catch {
    return; // no mount table (a container without /proc): nothing to tell
  }
  const m = mountOf(existingDir(file), mounts);
  if (m && NETWORK_FS.test(m.type)) throw new Error(`ledger ${file}: is on a network share (${m.type} at ${m.point}): ${advice}`);
}
