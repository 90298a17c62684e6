// The dry-run sink copies each request body without the JSON text; the copy must be
// exactly what JSON.parse(JSON.stringify(body)) gives, for plain data and the rest.
import { strict as assert } from 'node:assert';
import { jsonCopy, jsonView } from '../../../nodes/lib/crm/json-view';

describe('crm dry-run body copy (jsonCopy)', () => {
  const cases: [string, unknown][] = [
    ['plain nested data', { a: 1, b: 'x', c: null, d: [1, 2, { e: true }], f: false }],
    ['-0 reads back as 0', { z: -0 }],
    ['undefined in an object is dropped', { a: undefined, b: 1 }],
    ['undefined in an array becomes null', [1, undefined, 3]],
    ['a Date becomes its ISO text', { d: new Date(0) }],
    ['NaN and Infinity become null', { n: NaN, i: Infinity }],
    ['a sparse array', [, 1]], // eslint-disable-line no-sparse-arrays
    ['a null-prototype object', Object.assign(Object.create(null) as object, { a: 1 })],
    ['integer-like keys keep JSON order', { '2': 1, '1': 2, z: 3 }],
    ['an own __proto__ key', JSON.parse('{"__proto__":{"x":1}}')],
    ['toJSON is honoured', { x: { toJSON: () => 5 } }],
    ['a lone surrogate', { s: '\ud800' }],
  ];
  for (const [name, value] of cases) {
    it(name, () => {
      const copy = jsonCopy(value);
      assert.deepStrictEqual(copy, JSON.parse(JSON.stringify(value)));
      if (value && typeof value === 'object') assert.notEqual(copy, value);
    });
  }
  it('shares no object with the original', () => {
    const body = { tags: ['a'], household: [{ firstName: 'Kid' }] };
    const copy = jsonCopy(body) as typeof body;
    copy.tags.push('b');
    copy.household[0].firstName = 'X';
    assert.deepEqual(body, { tags: ['a'], household: [{ firstName: 'Kid' }] });
  });
  it('a cycle still throws as JSON.stringify does', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    assert.throws(() => jsonCopy(a), TypeError);
  });
});

// The dry-run shows the sink's own body object when it is plain JSON data (no copy per
// request); anything else is shown as JSON would read it.
describe('crm dry-run body view (jsonView)', () => {
  const cases: [string, unknown, boolean][] = [
    ['plain nested data', { a: 1, b: 'x', c: null, d: [1, 2, { e: true }], f: false }, true],
    ['a plain array of payloads', [{ a: 1 }, { b: [2] }], true],
    ['-0 reads back as 0', { z: -0 }, false],
    ['undefined in an object is dropped', { a: undefined, b: 1 }, false],
    ['undefined in an array becomes null', [1, undefined, 3], false],
    ['a Date becomes its ISO text', { d: new Date(0) }, false],
    ['NaN and Infinity become null', { n: NaN, i: Infinity }, false],
    ['a sparse array', [, 1], false], // eslint-disable-line no-sparse-arrays
    ['a null-prototype object', Object.assign(Object.create(null) as object, { a: 1 }), false],
    ['an own __proto__ key', JSON.parse('{"__proto__":{"x":1}}'), false],
    ['toJSON is honoured', { x: { toJSON: () => 5 } }, false],
  ];
  for (const [name, value, same] of cases) {
    it(`${name}: ${same ? 'the object itself' : 'the JSON reading'}`, () => {
      const view = jsonView(value);
      assert.deepStrictEqual(view, JSON.parse(JSON.stringify(value)));
      assert.equal(view === value, same);
    });
  }
});
