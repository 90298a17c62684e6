import { strict as assert } from 'node:assert';
import { buildPayload, parseAllowList, SCHEMA } from '../../../nodes/lib/crm/payload';
import { contact, hmac } from '../../support/contacts';

describe('crm payload dental-recall/v1', () => {
  it('has exactly the dental-recall/v1 fields, in order, and nothing else', () => {
    const c = contact(1, {
      household: [{ patientId: 'P9', firstName: 'Kid', recallType: 'PROPHY', dueDate: '2026-11-20', lastVisit: '2026-05-20', segment: 'due-soon', key: 'k-kid' }],
      otherRecalls: [{ patientId: 'P1001', firstName: 'First1', recallType: 'FMX', dueDate: '2027-01-15', segment: 'lapsed', key: 'k-fmx' }],
      householdId: 'H1',
    });
    const p = buildPayload(c, hmac(c.office, c.patientId));
    assert.deepEqual(Object.keys(p), ['schema', 'office', 'contactKey', 'firstName', 'lastName', 'phone', 'email', 'segment', 'recallType', 'dueDate', 'channels', 'tags', 'household', 'otherRecalls', 'source']);
    assert.deepEqual(p, {
      schema: SCHEMA,
      office: 'OFF1',
      contactKey: hmac('OFF1', 'P1001'),
      firstName: 'First1',
      lastName: 'Last1',
      phone: '+12025550101',
      email: 'patient1@example.com',
      segment: 'due-soon',
      recallType: 'PROPHY',
      dueDate: '2026-12-01',
      channels: ['sms', 'email'],
      tags: ['due-soon', 'dentrix-recall', 'office:OFF1'],
      // covered rows go out without chart number, last visit or key
      household: [{ firstName: 'Kid', recallType: 'PROPHY', dueDate: '2026-11-20', segment: 'due-soon' }],
      otherRecalls: [{ recallType: 'FMX', dueDate: '2027-01-15', segment: 'lapsed' }],
      source: 'dentrix-connector',
    });
  });

  it('never carries birth date, last visit, chart number, address or clinical data by default', () => {
    const c = { ...contact(2), address: '1 Main St', privacyFlags: 2, treatment: 'D1110' } as never;
    const text = JSON.stringify(buildPayload(c, 'k'));
    for (const leak of ['1980-01', '2026-06-01', 'P1002', 'Main St', 'D1110', 'privacy']) assert.ok(!text.includes(leak), `${leak} left the office`);
  });

  it('adds allow-listed fields only', () => {
    const c = { ...contact(3), address: '1 Main St' } as never;
    const p = buildPayload(c, 'k', parseAllowList('birthDate, address'));
    assert.equal(p.birthDate, '1980-01-04');
    assert.equal(p.address, '1 Main St');
    assert.equal(p.lastVisit, undefined);
    assert.equal(p.patientId, undefined);
  });

  it('rejects an allow-list naming an unknown field', () => {
    assert.throws(() => parseAllowList('birthDate, ssn'), /PHI allow-list: unknown field\(s\) ssn/);
    assert.deepEqual(parseAllowList(''), []);
  });

  it('lists only channels still true, and drops the address of a channel that is gone', () => {
    const p = buildPayload(contact(4, { channels: { sms: false, email: true, voice: false } }), 'k');
    assert.deepEqual(p.channels, ['email']);
    assert.equal(p.phone, null);
    assert.equal(p.email, 'patient4@example.com');
    const v = buildPayload(contact(5, { channels: { sms: false, email: false, voice: true } }), 'k');
    assert.deepEqual(v.channels, ['voice']);
    assert.equal(v.phone, '+12025550105');
    assert.equal(v.email, null);
  });
});
