// sqlite3 is a native addon: its binary comes from an install script, which npm may
// block (npm's allowScripts) or fail to build. It is loaded on first use, so the pack's
// nodes still register, and a missing binary is reported with the commands that fix it.
import type * as Sqlite3 from 'sqlite3';

export type Sqlite3Module = typeof Sqlite3;

/** What to run when sqlite3 has no binary (in the folder that holds node_modules: the Node-RED user dir). */
export const SQLITE3_FIX =
  'in the Node-RED user folder (e.g. ~/.node-red) run `npm install-scripts approve sqlite3` (npm 11.16 or later) and `npm rebuild sqlite3`, then restart Node-RED (see the pack\'s docs/install.md)';

let cached: Sqlite3Module | undefined;

/** The sqlite3 module, or an error naming the fix. `moduleId` is for tests of other ids. */
export function loadSqlite3(moduleId = 'sqlite3'): Sqlite3Module {
  if (cached && moduleId === 'sqlite3') return cached;
  let mod: Sqlite3Module;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(moduleId) as Sqlite3Module;
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0];
    throw new Error(`the SQLite driver (npm package "${moduleId}") cannot load: ${first}. Its install script was probably blocked or failed: ${SQLITE3_FIX}`);
  }
  if (moduleId === 'sqlite3') cached = mod;
  return mod;
}
