import { strict as assert } from 'node:assert';
import { chunks, scrubError } from '../../../nodes/lib/ledger/store';

describe('ledger store', () => {
  it('scrubs e-mail addresses and phone numbers from CRM error texts', () => {
    assert.equal(scrubError('422: contact pat.doe@example.com / +1 (555) 010-0111 exists'), '422: contact [e-mail] / [number] exists');
    assert.equal(scrubError(undefined), null);
    assert.equal(scrubError('x'.repeat(500))!.length, 200);
  });

  it('cuts a list into statement-sized chunks, the last one shorter', () => {
    assert.deepEqual([...chunks([1, 2, 3, 4, 5], 2)], [[1, 2], [3, 4], [5]]);
    assert.deepEqual([...chunks([], 2)], []);
  });
});
