// Loads a compiled module of the pack at run time, so the bench builds and runs
// while a module has not landed yet: the row then says "not measured: <why>".
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotMeasured } from './case';
import { DIST } from './paths';

/** `rel` is the source path without extension, e.g. 'nodes/lib/ledger/sqlite-ledger'. */
export function loadPack<T>(rel: string, needs: readonly string[] = []): T {
  const file = path.join(DIST, `${rel}.js`);
  if (!fs.existsSync(file)) throw new NotMeasured(`${rel} has not landed`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as Record<string, unknown>;
  const missing = needs.filter((name) => mod[name] === undefined);
  if (missing.length) throw new NotMeasured(`${rel} does not export ${missing.join(', ')} yet`);
  return mod as T;
}
