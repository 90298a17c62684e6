// msg.payload as the sink's items: keys, payloads, blocked channels, the first bad entry.
import { strict as assert } from 'node:assert';
import { blockedChannels, isContact, toItems } from '../../../nodes/lib/crm/items';
import { recallKey } from '../../../nodes/lib/ledger/keys';
import { contact, hmac } from '../../support/contacts';

describe('crm items', () => {
  it('blocked channels: those consent dropped with a reason, or off with an address; never those without an address', () => {
    assert.deepEqual(blockedChannels(contact(1, { channels: { sms: false, email: true, voice: true }, channelReasons: { sms: 'landline' } })), [{ channel: 'sms', reason: 'landline' }]);
    // voice off, phone present, no reason: blocked (fail safe)
    assert.deepEqual(blockedChannels(contact(1, { channels: { sms: true, email: true, voice: false } })), [{ channel: 'voice', reason: 'not consented' }]);
    // no e-mail at all: nothing to say about e-mail
    assert.deepEqual(blockedChannels(contact(1, { email: undefined, channels: { sms: true, email: false, voice: true } })), []);
  });

  it('a recall contact has an office and a patientId', () => {
    assert.ok(isContact(contact(1)));
    for (const x of [null, 'P1', { office: 'OFF1' }, { office: 'OFF1', patientId: '' }, { patientId: 'P1' }]) assert.equal(isContact(x), false);
  });

  it('keeps the input position of each contact and names the first entry that is not one', () => {
    const input = [contact(1), { office: 'OFF1' }, contact(2), 7];
    const { items, bad } = toItems(input, [], hmac, false);
    assert.equal(bad, 1);
    assert.deepEqual(items.map((i) => i.patientId), ['P1001', 'P1002']);
    assert.deepEqual(items.map((i) => i.at), [0, 2]);
    assert.equal(items[0].payload.contactKey, hmac('OFF1', 'P1001'));
    assert.equal(toItems([contact(1)], [], hmac, false).bad, -1);
  });

  it('keys a contact that passed no gate in a dry-run only', () => {
    const keyless = contact(1, { key: '' });
    assert.equal(toItems([keyless], [], hmac, false).items[0].key, '');
    assert.equal(toItems([keyless], [], hmac, true).items[0].key, recallKey(hmac, keyless));
    assert.equal(toItems([contact(1, { key: 'k-1' })], [], hmac, true).items[0].key, 'k-1');
  });
});
