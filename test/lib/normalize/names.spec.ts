import { strict as assert } from 'node:assert';
import { parseName } from '../../../nodes/lib/normalize/names';

describe('normalize/names', () => {
  describe('names', () => {
    const cases: [unknown, string, string][] = [
      ['Garcia, Maria', 'Maria', 'Garcia'],
      ["  O'Brien ,  Pat ", 'Pat', "O'Brien"],
      ['Smith Jr., John A', 'John A', 'Smith Jr.'],
      ['Maria  Garcia', 'Maria', 'Garcia'],
      ['Mary Ann Smith', 'Mary Ann', 'Smith'],
      ['Garcia,', '', 'Garcia'],
      ['Garcia', '', 'Garcia'],
      ['', '', ''],
    ];
    for (const [input, first, last] of cases) {
      it(`${JSON.stringify(input)} -> first "${first}", last "${last}"`, () => assert.deepEqual(parseName(input), { firstName: first, lastName: last }));
    }
  });
});
