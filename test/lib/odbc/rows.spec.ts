import { strict as assert } from 'node:assert';
import { dateValue, jsonValue, toJsonRows } from '../../../nodes/lib/odbc/rows';

describe('odbc rows to JSON-safe objects', () => {
  it('turns BigInt into numbers when safe, text otherwise', () => {
    assert.equal(jsonValue(42n), 42);
    assert.equal(jsonValue(9007199254740993n), '9007199254740993');
    assert.equal(jsonValue(-9007199254740993n), '-9007199254740993');
  });

  it('turns dates into ISO date text when they have no time, ISO timestamps otherwise', () => {
    assert.equal(dateValue(new Date(Date.UTC(2025, 3, 15))), '2025-04-15');
    assert.equal(jsonValue(new Date(Date.UTC(2025, 3, 15, 10, 20, 30))), '2025-04-15T10:20:30.000Z');
    assert.equal(jsonValue(new Date(NaN)), null);
  });

  it('reads driver date/timestamp text by column type', () => {
    assert.equal(jsonValue('2025-04-15', { name: 'd', dataType: 91 }), '2025-04-15');
    assert.equal(jsonValue('2025-04-15 00:00:00.000', { name: 'd', dataType: 93 }), '2025-04-15');
    assert.equal(jsonValue('2025-04-15 10:20:30.5', { name: 't', dataType: 93 }), '2025-04-15T10:20:30.5');
    assert.equal(jsonValue('2025-04-15 10:20:30', { name: 'v', dataType: 12 }), '2025-04-15 10:20:30', 'text columns stay as they are');
  });

  it('turns binary into base64 and keeps other scalars', () => {
    assert.equal(jsonValue(Buffer.from([1, 2, 255])), 'AQL/');
    assert.equal(jsonValue(new Uint8Array([1, 2, 255]).buffer), 'AQL/');
    assert.equal(jsonValue(new Uint8Array([0, 1, 2, 255]).subarray(1)), 'AQL/');
    assert.deepEqual([jsonValue(null), jsonValue(undefined), jsonValue(1.5), jsonValue(true), jsonValue(Infinity)], [null, null, 1.5, true, 'Infinity']);
  });

  it('copies a driver result (array with extra properties) into plain rows in column order', () => {
    const result = Object.assign([{ b: 2n, a: new Date(Date.UTC(2025, 0, 2)) }], { columns: [], statement: 'SELECT', count: 1 });
    const rows = toJsonRows(result, [{ name: 'a', dataType: 91 }, { name: 'b', dataType: -5 }]);
    assert.deepEqual(rows, [{ a: '2025-01-02', b: 2 }]);
    assert.equal(Object.getPrototypeOf(rows), Array.prototype);
    assert.ok(!('statement' in rows));
    assert.equal(JSON.stringify(rows), '[{"a":"2025-01-02","b":2}]');
  });
});
