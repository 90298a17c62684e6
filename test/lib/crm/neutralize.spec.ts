import { strict as assert } from 'node:assert';
import { neutralizePayload, neutralizeText } from '../../../nodes/lib/crm/neutralize';
import { buildPayload } from '../../../nodes/lib/crm/payload';
import type { RecallContact } from '../../../nodes/lib/types';

const contact = (over: Partial<RecallContact> = {}): RecallContact => ({
  office: 'MAIN', patientId: 'P1', firstName: 'Ada', lastName: 'Alder', phone: '+18015550101', phoneType: 'mobile', email: 'ada@example.com',
  recallType: 'PROPHY', dueDate: '2025-06-20', hasFutureAppointment: false, status: 'active', segment: 'due-now', source: 'odbc',
  channels: { sms: true, email: true, voice: true }, ...over,
});

describe('crm/neutralize', () => {
  it('markup and control characters go in one pass, wherever they stand; a formula start is quoted after them', () => {
    assert.equal(neutralizeText('<b>Ada</b>\u0007'), 'bAda/b');
    assert.equal(neutralizeText('<=1+1'), `'=1+1`);
    assert.equal(neutralizeText('\u0001@x'), `'@x`);
    assert.equal(neutralizeText('x'.repeat(150)).length, 100);
  });

  it("the builder's tags and lists are neutralized: an office name starting a formula is quoted in the tag", () => {
    const carrier = contact({ office: '=HYPERLINK("x")', household: [{ patientId: 'P2', firstName: '@Bo', segment: 'due-now' }] });
    const p = neutralizePayload(buildPayload(carrier, 'k'));
    assert.equal(carrier.household![0].firstName, '@Bo', "the contact's own rows are not changed");
    assert.deepEqual(p.tags, ['due-now', 'dentrix-recall', 'office:=HYPERLINK("x")'], 'a tag not starting with a formula character stays as it is');
    const q = neutralizePayload(buildPayload(contact({ recallType: '-X' }), 'k'));
    assert.equal(q.recallType, `'-X`);
    assert.deepEqual(p.household, [{ firstName: `'@Bo`, recallType: null, dueDate: null, segment: 'due-now' }]);
  });

  it('a tag that needs a change is changed in a copy; unchanged lists are passed on as the builder made them', () => {
    const built = buildPayload(contact(), 'k');
    const tags = built.tags;
    tags.push('<x>');
    const p = neutralizePayload(built);
    assert.equal(p, built, 'the builder\'s payload is neutralized in place');
    assert.deepEqual(p.tags, ['due-now', 'dentrix-recall', 'office:MAIN', 'x']);
    assert.deepEqual(tags, ['due-now', 'dentrix-recall', 'office:MAIN', '<x>'], 'the list itself is not changed');
    const plain = buildPayload(contact(), 'k');
    const plainTags = plain.tags;
    assert.equal(neutralizePayload(plain).tags, plainTags);
  });

  it('allow-listed values are copied, never shared with the contact', () => {
    const address = { street: '=1 Main St', city: 'Springfield' };
    const c = { ...contact(), address } as unknown as RecallContact;
    const p = neutralizePayload(buildPayload(c, 'k', ['address']));
    assert.deepEqual(p.address, { street: `'=1 Main St`, city: 'Springfield' });
    assert.notEqual(p.address, address);
    assert.equal(address.street, '=1 Main St');
  });
});
