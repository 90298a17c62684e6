import { strict as assert } from 'node:assert';
import { makeContact, type ContactParts } from '../../../nodes/lib/normalize/contact';

describe('normalize/contact', () => {
  const required: ContactParts = { office: 'MAIN', patientId: '7', firstName: 'Ada', lastName: 'Oak', hasFutureAppointment: false, status: 'active', channels: { sms: true, email: false, voice: true }, source: 'odbc' };

  it('is a plain object, equal to the literal with the same fields in the same order', () => {
    const c = makeContact({ ...required, householdId: '7', phone: '+18015550101', phoneType: 'mobile', recallType: 'PROPHY', dueDate: '2026-06-01', privacyFlags: 2 });
    assert.equal(Object.getPrototypeOf(c), Object.prototype);
    assert.equal(c.constructor, Object);
    const literal = { ...required, householdId: '7', phone: '+18015550101', phoneType: 'mobile', recallType: 'PROPHY', dueDate: '2026-06-01', privacyFlags: 2 };
    assert.deepStrictEqual(c, literal);
    assert.deepEqual(Object.keys(c), Object.keys(literal));
    assert.equal(JSON.stringify(c), JSON.stringify(literal));
    assert.deepStrictEqual(structuredClone(c), literal);
  });

  it('leaves out the fields that are not set (no key with an undefined value)', () => {
    const c = makeContact({ ...required, email: undefined, phone: undefined, noSms: undefined });
    assert.deepEqual(Object.keys(c), Object.keys(required));
    assert.equal('email' in c, false);
  });

  it('puts every optional field in the contract order, whatever order they are given in', () => {
    const c = makeContact({ noSms: true, privacyFlags: 1, birthDate: '1970-01-01', lastVisit: '2025-01-01', dueDate: '2026-01-01', recallType: 'BWX', email: 'a@example.com', phoneType: 'home', phone: '+18015550101', householdId: '3', ...required });
    assert.deepEqual(Object.keys(c), ['office', 'patientId', 'firstName', 'lastName', 'hasFutureAppointment', 'status', 'channels', 'source', 'householdId', 'phone', 'phoneType', 'email', 'recallType', 'dueDate', 'lastVisit', 'birthDate', 'privacyFlags', 'noSms']);
  });
});
