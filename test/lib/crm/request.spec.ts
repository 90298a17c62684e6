// The one builder of planned requests: JSON POST with its Idempotency-Key, batch keys,
// and the halving split of a refused batch.
import { strict as assert } from 'node:assert';
import { toItems } from '../../../nodes/lib/crm/items';
import type { PlannedRequest } from '../../../nodes/lib/crm/presets';
import { batchKey, batchRequest, keysOf, postJson } from '../../../nodes/lib/crm/request';
import { contacts, hmac } from '../../support/contacts';

describe('crm request builder', () => {
  const { items } = toItems(contacts(5), [], hmac, false);

  it('posts JSON with the Idempotency-Key after the preset headers (which cannot replace it)', () => {
    const req = postJson({ items: items.slice(0, 1), url: 'https://crm.example.com/hook', idempotencyKey: 'k-1', headers: { Version: 'v', 'Idempotency-Key': 'other' }, body: { a: 1 } });
    assert.deepEqual(req, {
      items: items.slice(0, 1),
      url: 'https://crm.example.com/hook',
      idempotencyKey: 'k-1',
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Version: 'v', 'Idempotency-Key': 'k-1' },
      body: { a: 1 },
    });
    assert.deepEqual(Object.keys(req.headers), ['Content-Type', 'Accept', 'Version', 'Idempotency-Key']);
  });

  it('keys a batch by the digest of its keys in order', () => {
    assert.match(batchKey(['a', 'b']), /^batch-[0-9a-f]{64}$/);
    assert.equal(batchKey(['a', 'b']), batchKey(['a', 'b']));
    assert.notEqual(batchKey(['a', 'b']), batchKey(['b', 'a']));
  });

  it('splits a refused batch in halves, each built the same way, down to single contacts', () => {
    const build = (part: readonly (typeof items)[number][]) => ({ items: [...part], url: 'u', idempotencyKey: batchKey(keysOf(part)), body: part.length });
    const req = batchRequest(items, build);
    assert.equal(req.idempotencyKey, batchKey(keysOf(items)));
    const [left, right] = req.split!();
    assert.deepEqual([left.body, right.body], [3, 2]);
    assert.equal(right.idempotencyKey, batchKey(keysOf(items.slice(3))));
    const leaves = (r: PlannedRequest): PlannedRequest[] => (r.split ? r.split().flatMap(leaves) : [r]);
    assert.deepEqual(leaves(req).map((r) => r.items[0].patientId), items.map((i) => i.patientId));
    assert.equal(leaves(req).every((r) => r.items.length === 1 && r.split === undefined), true);
  });
});
