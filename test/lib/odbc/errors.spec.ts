// Diagnostics below are copied from what odbc + unixODBC + psqlODBC/SQLite returned
// on this machine (TOOLCHAIN.md); the node spec provokes each one for real.
import { strict as assert } from 'node:assert';
import { classifyOdbcError, describeFault, OdbcRunError, type Phase } from '../../../nodes/lib/odbc/errors';

function odbcError(state: string, message: string): Error {
  return Object.assign(new Error('[odbc] Error connecting to the database'), { odbcErrors: [{ state, code: 1, message }] });
}

describe('odbc fault classification', () => {
  const cases: Array<[Phase, string, string, string, boolean]> = [
    ['connect', '08001', 'connection to server at "127.0.0.1", port 5 failed: FATAL:  password authentication failed for user "recall_ro"', 'bad-login', false],
    ['connect', '28000', '[Microsoft][ODBC Driver 18 for SQL Server]Login failed for user', 'bad-login', false],
    ['connect', 'IM002', '[unixODBC][Driver Manager]Data source name not found and no default driver specified', 'unknown-dsn', false],
    ['connect', '01000', "[unixODBC][Driver Manager]Can't open lib 'No Such Driver' : file not found", 'driver-missing', false],
    ['connect', '08001', 'connection to server at "127.0.0.1", port 5 failed: Connection refused\n\tIs the server running', 'unreachable', true],
    ['connect', '08001', 'connection to server at "127.0.0.1", port 5 failed: timeout expired', 'login-timeout', true],
    ['connect', 'HYT00', '[c-treeACE]Login timeout expired', 'login-timeout', true],
    ['query', '57014', 'ERROR: canceling statement due to statement timeout;\nError while executing the query', 'query-timeout', true],
    ['query', '57P01', 'FATAL: terminating connection due to administrator command;\nThe connection has been lost', 'connection-lost', true],
    ['query', '08S01', 'The connection has been lost', 'connection-lost', true],
    ['query', '42P01', 'ERROR: relation "admin.v_nope" does not exist', 'sql', false],
    ['query', 'HY000', '[SQLite]no such table: v_nope (1)', 'sql', false],
  ];
  for (const [phase, state, message, kind, retryable] of cases) {
    it(`${phase} ${state} ${message.slice(0, 40)}… -> ${kind}`, () => {
      const fault = classifyOdbcError(odbcError(state, message), phase);
      assert.equal(fault.kind, kind);
      assert.equal(fault.retryable, retryable);
      assert.equal(fault.state, state);
    });
  }

  it('reads a plain error without diagnostics as other, not retried', () => {
    const fault = classifyOdbcError(new Error('boom'), 'query');
    assert.deepEqual([fault.kind, fault.retryable, fault.driverMessage], ['other', false, 'boom']);
  });

  it('says what failed, with the ODBC state, the attempts and the first cause', () => {
    const lost = classifyOdbcError(odbcError('57P01', 'terminating connection'), 'query');
    const refused = classifyOdbcError(odbcError('08001', 'failed: Connection refused'), 'connect');
    const err = new OdbcRunError(refused, 3, lost);
    assert.equal(err.kind, 'unreachable');
    assert.equal(err.message,
      'Dentrix ODBC: cannot reach the database server (is it running? check the host name, port and firewall) ' +
      '[ODBC state 08001: failed: Connection refused]; gave up after 3 attempts ' +
      '(the first failed because the connection to the database was lost during the query (server stopped or network dropped), ODBC state 57P01)');
    assert.equal(describeFault(lost), 'Dentrix ODBC: the connection to the database was lost during the query (server stopped or network dropped) [ODBC state 57P01: terminating connection]');
  });
});
