import { strict as assert } from 'node:assert';
import { resolveConnection } from '../../../nodes/lib/odbc/connection-config';

const env = { DENTRIX_CONNECTION: 'Driver={PostgreSQL Unicode};Server=127.0.0.1', DENTRIX_USER: 'envuser', DENTRIX_PASSWORD: 'envpw', LOGIN_S: '7' };

describe('dentrix-connection settings', () => {
  it('reads the string, the user and the password from ${VAR} references', async () => {
    const c = resolveConnection({ connection: '${DENTRIX_CONNECTION}', envUser: '${DENTRIX_USER}', envPassword: '${DENTRIX_PASSWORD}', loginTimeout: '${LOGIN_S}' }, {}, env);
    assert.equal(c.configured, true);
    assert.equal(c.loginTimeoutS, 7);
    assert.equal(c.queryTimeoutS, 120);
    assert.equal(await c.connectionString(), 'Driver={PostgreSQL Unicode};Server=127.0.0.1;UID=envuser;PWD=envpw');
    assert.equal(c.describe, 'connection string');
  });

  it('prefers stored credentials, and resolves ${VAR} typed into them', async () => {
    const c = resolveConnection({ connection: 'DentrixSQL', envUser: '${DENTRIX_USER}', envPassword: '${DENTRIX_PASSWORD}' }, { user: 'cred', password: '${DENTRIX_PASSWORD}' }, env);
    assert.equal(await c.connectionString(), 'DSN=DentrixSQL;UID=cred;PWD=envpw');
    assert.equal(c.describe, 'DSN DentrixSQL');
  });

  it('reads an unset ${VAR} as not configured (Node-RED leaves it as literal text)', () => {
    const c = resolveConnection({ connection: '${DENTRIX_CONNECTION}' }, {}, {});
    assert.equal(c.configured, false);
    assert.equal(resolveConnection({ source: 'command', command: '' }, {}, {}).configured, false);
  });

  it('names a bad timeout setting', () => {
    assert.throws(() => resolveConnection({ connection: 'x', loginTimeout: 'soon' }, {}, {}), /setting "login timeout"/);
    assert.throws(() => resolveConnection({ connection: 'x', queryTimeout: -1 }, {}, {}), /setting "query timeout"/);
  });

  it('takes the string from a command in command mode, adding the login when it has none', async () => {
    const c = resolveConnection({ source: 'command', command: '/bin/echo', args: 'Driver=SQLite3;Database=/tmp/x.db' }, { user: 'u', password: 'p' }, {});
    assert.equal(c.describe, 'connection string from the command /bin/echo');
    assert.equal(await c.connectionString(), 'Driver=SQLite3;Database=/tmp/x.db;UID=u;PWD=p');
  });
});
