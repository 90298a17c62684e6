import { strict as assert } from 'node:assert';
import { loadSqlite3 } from '../../../nodes/lib/native/sqlite3';

describe('loading sqlite3', () => {
  it('loads the driver', () => {
    assert.equal(typeof loadSqlite3().Database, 'function');
  });
  it('without a binary: an error that names the package and the commands that fix it', () => {
    // a module that cannot load stands for sqlite3 without its compiled binary
    assert.throws(() => loadSqlite3('sqlite3-without-binary'), (err: Error) => {
      assert.match(err.message, /the SQLite driver \(npm package "sqlite3-without-binary"\) cannot load: Cannot find module/);
      assert.match(err.message, /install script was probably blocked or failed/);
      assert.match(err.message, /npm install-scripts approve sqlite3.*npm rebuild sqlite3.*restart Node-RED/);
      return true;
    });
  });
});
