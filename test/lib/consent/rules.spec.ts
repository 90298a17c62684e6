import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { applyConsent } from '../../../nodes/lib/consent/rules';
import type { SuppressionEntry } from '../../../nodes/lib/ledger/api';
import type { RecallContact } from '../../../nodes/lib/types';
import { MemorySuppressions } from '../../support/memory-suppressions';

const MOBILE = '+18015550199';
const HOME = '+18015550101';
const EMAIL = 'maria@example.com';

function contact(over: Partial<RecallContact> = {}): RecallContact {
  return {
    office: 'SLC', patientId: '1001', firstName: 'Maria', lastName: 'Garcia', phone: MOBILE, phoneType: 'mobile', email: EMAIL,
    hasFutureAppointment: false, status: 'active', channels: { sms: true, email: true, voice: true }, segment: 'overdue', source: 'odbc',
    dueDate: '2025-04-15', ...over,
  };
}
const none = new MemorySuppressions();
const list = (...e: SuppressionEntry[]) => new MemorySuppressions(e);

describe('consent/rules', () => {
  it('writes its decision on the contact in new channel objects, never into the ones it was given', () => {
    const channels = { sms: true, email: true, voice: true };
    const reasons = {};
    const c = contact({ phoneType: 'home', channels, channelReasons: reasons });
    const r = applyConsent([c], none);
    assert.equal(r.contactable[0], c, 'the contact itself goes on');
    assert.deepEqual(c.channels, { sms: false, email: true, voice: true });
    assert.deepEqual(c.channelReasons, { sms: 'landline' });
    assert.deepEqual(channels, { sms: true, email: true, voice: true }, 'the channels object given is not changed');
    assert.deepEqual(reasons, {}, 'nor the reasons object');
    // a contact that loses a field (an unusable address) is a new object without it
    const bad = contact({ email: 'not-an-address' });
    const out = applyConsent([bad], none).contactable[0];
    assert.notEqual(out, bad);
    assert.ok(!('email' in out));
  });

  describe('patient-level reasons, in order', () => {
    it('has-appointment', () => {
      const r = applyConsent([contact({ hasFutureAppointment: true })], none);
      assert.deepEqual([r.suppressed[0].reason, r.suppressed[0].field], ['has-appointment', 'hasFutureAppointment']);
      assert.deepEqual(r.counts, { 'has-appointment': 1 });
    });
    it('has-appointment comes before inactive', () => {
      assert.equal(applyConsent([contact({ hasFutureAppointment: true, status: 'archived' })], none).suppressed[0].reason, 'has-appointment');
    });
    for (const status of ['inactive', 'archived', 'non-patient'] as const) {
      it(`inactive (status ${status})`, () => {
        const r = applyConsent([contact({ status })], none);
        assert.equal(r.suppressed[0].reason, 'inactive');
        assert.equal(r.contactable.length, 0);
      });
    }
    it('inactive comes before the suppression list', () => {
      assert.equal(applyConsent([contact({ status: 'inactive' })], list({ channel: 'all', value: MOBILE, reason: 'opted-out' }), {}).suppressed[0].reason, 'inactive');
    });
    it('a malformed element -> invalid', () => {
      const r = applyConsent([{ patientId: '' }, 'x'], none);
      assert.deepEqual(r.suppressed.map((s) => [s.reason, s.rowNumber]), [['invalid', 1], ['invalid', 2]]);
    });
  });

  describe('channel-level reasons', () => {
    const cases: [string, Partial<RecallContact>, SuppressionEntry[], Partial<Record<string, string>>, { sms: boolean; email: boolean; voice: boolean }][] = [
      ['sms-opt-out (channel sms)', {}, [{ channel: 'sms', value: MOBILE, reason: 'opted-out' }], { sms: 'sms-opt-out' }, { sms: false, email: true, voice: true }],
      ['voice-opt-out (channel voice)', {}, [{ channel: 'voice', value: MOBILE, reason: 'opted-out' }], { voice: 'voice-opt-out' }, { sms: true, email: true, voice: false }],
      ['all on a phone: sms and voice', {}, [{ channel: 'all', value: MOBILE, reason: 'opted-out' }], { sms: 'sms-opt-out', voice: 'voice-opt-out' }, { sms: false, email: true, voice: false }],
      ['email-opt-out', {}, [{ channel: 'email', value: EMAIL, reason: 'opted-out' }], { email: 'email-opt-out' }, { sms: true, email: false, voice: true }],
      ['all on an e-mail', {}, [{ channel: 'all', value: EMAIL, reason: 'opted-out' }], { email: 'email-opt-out' }, { sms: true, email: false, voice: true }],
      ['bad-number from the CRM', {}, [{ channel: 'sms', value: MOBILE, reason: 'bad-number' }], { sms: 'bad-number', voice: 'bad-number' }, { sms: false, email: true, voice: false }],
      ['bounced-email', {}, [{ channel: 'email', value: EMAIL, reason: 'bounced-email' }], { email: 'bounced-email' }, { sms: true, email: false, voice: true }],
      ['opt-out recorded before bad-number', {}, [{ channel: 'voice', value: MOBILE, reason: 'bad-number' }, { channel: 'sms', value: MOBILE, reason: 'opted-out' }], { sms: 'sms-opt-out', voice: 'bad-number' }, { sms: false, email: true, voice: false }],
      ['a suppressed value of someone else does not matter', {}, [{ channel: 'all', value: '+18015550111', reason: 'opted-out' }, { channel: 'all', value: 'x@example.com', reason: 'opted-out' }], {}, { sms: true, email: true, voice: true }],
      ['privacy-flag bit 1: no voice', { privacyFlags: 1 }, [], { voice: 'privacy-flag' }, { sms: true, email: true, voice: false }],
      ['privacy-flag bit 2: no SMS and no e-mail', { privacyFlags: 2 }, [], { sms: 'privacy-flag', email: 'privacy-flag' }, { sms: false, email: false, voice: true }],
      ['privacy-flag noSms (Open Dental TxtMsgOk = No)', { noSms: true }, [], { sms: 'privacy-flag' }, { sms: false, email: true, voice: true }],
      ['opt-out recorded before the privacy flag', { privacyFlags: 2 }, [{ channel: 'sms', value: MOBILE, reason: 'opted-out' }], { sms: 'sms-opt-out', email: 'privacy-flag' }, { sms: false, email: false, voice: true }],
      ['landline: home number, no SMS', { phone: HOME, phoneType: 'home' }, [], { sms: 'landline' }, { sms: false, email: true, voice: true }],
      ['landline: work number, no SMS', { phone: HOME, phoneType: 'work' }, [], { sms: 'landline' }, { sms: false, email: true, voice: true }],
      ['landline: unmarked number, no SMS', { phone: HOME, phoneType: undefined }, [], { sms: 'landline' }, { sms: false, email: true, voice: true }],
      ['privacy flag recorded before landline', { phone: HOME, phoneType: 'home', privacyFlags: 2 }, [], { sms: 'privacy-flag', email: 'privacy-flag' }, { sms: false, email: false, voice: true }],
      ['bad-number: invalid phone', { phone: '+18011550101' }, [], { sms: 'bad-number', voice: 'bad-number' }, { sms: false, email: true, voice: false }],
      ['bad-number: not E.164 at all', { phone: '12' }, [], { sms: 'bad-number', voice: 'bad-number' }, { sms: false, email: true, voice: false }],
      ['landline recorded before bad-number', { phone: '+18011550101', phoneType: 'home' }, [], { sms: 'landline', voice: 'bad-number' }, { sms: false, email: true, voice: false }],
    ];
    for (const [name, over, entries, reasons, channels] of cases) {
      it(name, () => {
        const r = applyConsent([contact(over)], list(...entries));
        assert.equal(r.contactable.length, 1, JSON.stringify(r.suppressed));
        const c = r.contactable[0];
        assert.deepEqual(c.channels, channels);
        assert.deepEqual(c.channelReasons ?? {}, reasons);
        const expected: Record<string, number> = {};
        for (const v of Object.values(reasons)) expected[v!] = (expected[v!] ?? 0) + 1;
        assert.deepEqual(r.counts, expected);
      });
    }
    it('an invalid phone is removed from the contact; an unusable e-mail too', () => {
      const c = applyConsent([contact({ phone: '+18011550101', email: 'bad@' })], none).suppressed[0];
      assert.equal(c.reason, 'no-channel');
      assert.equal(c.contact?.phone, undefined);
      assert.equal(c.contact?.email, undefined);
    });
    it('a channel already off stays off without a reason', () => {
      const r = applyConsent([contact({ channels: { sms: true, email: false, voice: true } })], none);
      assert.deepEqual(r.contactable[0].channels, { sms: true, email: false, voice: true });
      assert.equal(r.contactable[0].channelReasons, undefined);
    });
    it('the privacy bits are configurable', () => {
      const r = applyConsent([contact({ privacyFlags: 4 })], none, { noVoiceMask: 4, noTextMask: 8 });
      assert.deepEqual(r.contactable[0].channelReasons, { voice: 'privacy-flag' });
    });
  });

  describe('no channel left', () => {
    it('opted-out when opt-outs took every channel', () => {
      const r = applyConsent([contact()], list({ channel: 'all', value: MOBILE, reason: 'opted-out' }, { channel: 'email', value: EMAIL, reason: 'opted-out' }));
      assert.equal(r.suppressed[0].reason, 'opted-out');
      assert.deepEqual(r.counts, { 'opted-out': 1 }, 'channel reasons are counted for contacts that stay only');
    });
    it('opted-out when an opt-out took the last channel and data was missing for the others', () => {
      const r = applyConsent([contact({ email: undefined, channels: { sms: true, email: false, voice: true } })], list({ channel: 'all', value: MOBILE, reason: 'opted-out' }));
      assert.equal(r.suppressed[0].reason, 'opted-out');
    });
    it('no-channel when there is no phone and no e-mail', () => {
      const r = applyConsent([contact({ phone: undefined, phoneType: undefined, email: undefined, channels: { sms: false, email: false, voice: false } })], none);
      assert.deepEqual([r.suppressed[0].reason, r.suppressed[0].detail], ['no-channel', 'no phone or e-mail']);
    });
    it('no-channel when data faults took every channel (bad number, bounce)', () => {
      const r = applyConsent([contact({ phone: '+18011550101' })], list({ channel: 'email', value: EMAIL, reason: 'bounced-email' }));
      assert.equal(r.suppressed[0].reason, 'no-channel');
      assert.deepEqual(r.suppressed[0].contact?.channelReasons, { sms: 'bad-number', voice: 'bad-number', email: 'bounced-email' });
    });
    it('no-channel when privacy flags and a landline took every channel', () => {
      const r = applyConsent([contact({ phone: HOME, phoneType: 'home', email: undefined, privacyFlags: 1 })], none);
      assert.equal(r.suppressed[0].reason, 'no-channel');
    });
  });

  describe('one per household', () => {
    it('same householdId: the oldest by birth date is kept and lists the others', () => {
      const r = applyConsent(
        [
          contact({ patientId: 'kid', firstName: 'Leo', householdId: 'G', birthDate: '2015-01-01', phone: '+18015550102', email: 'leo@example.com' }),
          contact({ patientId: 'mom', firstName: 'Maria', householdId: 'G', birthDate: '1980-03-02', phone: '+18015550103', email: 'm@example.com' }),
          contact({ patientId: 'dad', firstName: 'Luis', householdId: 'G', birthDate: '1979-07-07', phone: '+18015550104', email: 'l@example.com' }),
          contact({ patientId: 'other', firstName: 'Ann', householdId: 'H', birthDate: '1990-01-01', phone: '+18015550105', email: 'a@example.com' }),
        ],
        none,
      );
      assert.deepEqual(r.contactable.map((c) => c.patientId), ['dad', 'other']);
      const row = { recallType: undefined, dueDate: '2025-04-15', segment: 'overdue' };
      assert.deepEqual(r.contactable[0].household, [{ patientId: 'kid', firstName: 'Leo', ...row }, { patientId: 'mom', firstName: 'Maria', ...row }].map((m) => JSON.parse(JSON.stringify(m))));
      assert.equal(r.contactable[1].household, undefined);
      assert.deepEqual(r.suppressed.map((s) => [s.patientId, s.reason]), [['kid', 'duplicate-household'], ['mom', 'duplicate-household']]);
      assert.match(String(r.suppressed[0].detail), /patient dad.*same household id/);
      assert.deepEqual(r.counts, { 'duplicate-household': 2 });
    });
    it('no householdId: a shared phone or e-mail makes a household', () => {
      const r = applyConsent(
        [
          contact({ patientId: 'a', phone: HOME, phoneType: 'home', email: 'a@example.com' }),
          contact({ patientId: 'b', phone: MOBILE, email: 'a@example.com' }),
          contact({ patientId: 'c', phone: MOBILE, email: 'c@example.com' }),
          contact({ patientId: 'd', phone: '+18015550111', email: 'd@example.com' }),
        ],
        none,
      );
      assert.deepEqual(r.contactable.map((c) => c.patientId), ['a', 'd']);
      assert.deepEqual(r.contactable[0].household?.map((h) => h.patientId), ['b', 'c']);
      assert.match(String(r.suppressed[0].detail), /same e-mail/);
      assert.match(String(r.suppressed[1].detail), /linked through another member/);
    });
    it('two different householdIds are not merged by a shared phone', () => {
      const r = applyConsent([contact({ patientId: 'a', householdId: 'G1' }), contact({ patientId: 'b', householdId: 'G2' })], none);
      assert.equal(r.contactable.length, 2);
    });
    it('a contact without householdId joins the household it shares a phone with', () => {
      const r = applyConsent([contact({ patientId: 'a', householdId: 'G1', birthDate: '1970-01-01' }), contact({ patientId: 'b', email: 'b@example.com' })], none);
      assert.deepEqual(r.contactable.map((c) => c.patientId), ['a']);
    });
    it('without birth dates: members with one first, then the household head, then the first row', () => {
      const noDates = applyConsent([contact({ patientId: 'x', householdId: 'G' }), contact({ patientId: 'G', householdId: 'G' })], none);
      assert.deepEqual(noDates.contactable.map((c) => c.patientId), ['G']);
      const oneDate = applyConsent([contact({ patientId: 'G', householdId: 'G' }), contact({ patientId: 'y', householdId: 'G', birthDate: '2010-01-01' })], none);
      assert.deepEqual(oneDate.contactable.map((c) => c.patientId), ['y']);
      const firstRow = applyConsent([contact({ patientId: 'p', email: 'same@example.com', phone: undefined }), contact({ patientId: 'q', email: 'same@example.com', phone: undefined })], none);
      assert.deepEqual(firstRow.contactable.map((c) => c.patientId), ['p']);
    });
    it('two recalls of one patient with the same urgency: the first is sent, the other is duplicate-recall, listed in otherRecalls', () => {
      const r = applyConsent([contact({ recallType: 'PROPHY', householdId: 'G' }), contact({ recallType: 'BWX', householdId: 'G' })], none);
      assert.equal(r.contactable.length, 1);
      assert.equal(r.contactable[0].recallType, 'PROPHY');
      assert.equal(r.contactable[0].household, undefined);
      assert.deepEqual(r.contactable[0].otherRecalls, [{ patientId: '1001', firstName: 'Maria', recallType: 'BWX', dueDate: '2025-04-15', segment: 'overdue' }]);
      assert.deepEqual(r.suppressed.map((s) => s.reason), ['duplicate-recall']);
      assert.match(String(r.suppressed[0].detail), /another recall row of patient 1001 is sent/);
      assert.deepEqual(r.counts, { 'duplicate-recall': 1 });
    });
    it('members already left out do not take part', () => {
      const r = applyConsent([contact({ patientId: 'old', householdId: 'G', birthDate: '1950-01-01', hasFutureAppointment: true }), contact({ patientId: 'young', householdId: 'G', birthDate: '2000-01-01' })], none);
      assert.deepEqual(r.contactable.map((c) => c.patientId), ['young']);
      assert.equal(r.contactable[0].household, undefined);
    });
    it('invalid phones do not link households (placeholder numbers)', () => {
      const r = applyConsent([contact({ patientId: 'a', phone: '+15550000', email: 'a@example.com' }), contact({ patientId: 'b', phone: '+15550000', email: 'b@example.com' })], none);
      assert.equal(r.contactable.length, 2);
    });
  });

  describe('properties over random contacts', () => {
    const phones = ['+18015550101', '+18015550102', '+18015550103', '+18011550101', '12'];
    const emails = ['a@example.com', 'b@example.com', 'c@example.com', 'bad@'];
    const contactArb = fc.record({
      phone: fc.option(fc.constantFrom(...phones), { nil: undefined }),
      phoneType: fc.constantFrom('mobile' as const, 'home' as const, 'work' as const),
      email: fc.option(fc.constantFrom(...emails), { nil: undefined }),
      householdId: fc.option(fc.constantFrom('G1', 'G2'), { nil: undefined }),
      birthDate: fc.option(fc.constantFrom('1970-01-01', '1990-05-05', '2010-10-10'), { nil: undefined }),
      privacyFlags: fc.constantFrom(0, 1, 2, 3),
      noSms: fc.boolean(),
      hasFutureAppointment: fc.boolean(),
      status: fc.constantFrom('active' as const, 'active' as const, 'inactive' as const),
    });
    const entryArb = fc.record({
      channel: fc.constantFrom('sms' as const, 'email' as const, 'voice' as const, 'all' as const),
      value: fc.constantFrom(...phones.slice(0, 3), ...emails.slice(0, 3)),
      reason: fc.constantFrom('opted-out' as const, 'bad-number' as const, 'bounced-email' as const),
    });
    const runArb = fc.record({ contacts: fc.array(contactArb, { maxLength: 40 }), entries: fc.array(entryArb, { maxLength: 8 }) });

    it('nothing is lost or duplicated; no suppressed value reaches output 1 on its channel', () => {
      fc.assert(
        fc.property(runArb, ({ contacts, entries }) => {
          const input = contacts.map((c, i) => contact({ ...c, patientId: `P${i}`, channels: { sms: !!c.phone, email: !!c.email, voice: !!c.phone } }));
          const index = list(...entries);
          const r = applyConsent(input, index);
          assert.equal(r.contactable.length + r.suppressed.length, input.length);
          const ids = [...r.contactable.map((c) => c.patientId), ...r.suppressed.map((s) => s.patientId)].sort();
          assert.deepEqual(ids, input.map((c) => c.patientId).sort());
          for (const c of r.contactable) {
            assert.ok(c.channels.sms || c.channels.email || c.channels.voice);
            assert.equal(c.hasFutureAppointment, false);
            assert.equal(c.status, 'active');
            for (const h of c.phone ? index.lookup(c.phone) : []) {
              if (h.channel === 'all' || h.channel === 'sms' || h.reason !== 'opted-out') assert.equal(c.channels.sms, false);
              if (h.channel === 'all' || h.channel === 'voice' || h.reason !== 'opted-out') assert.equal(c.channels.voice, false);
            }
            for (const h of c.email ? index.lookup(c.email) : []) if (h.channel === 'all' || h.channel === 'email' || h.reason !== 'opted-out') assert.equal(c.channels.email, false);
            if (c.channels.sms) assert.equal(c.phoneType, 'mobile');
            if ((c.privacyFlags ?? 0) & 2) assert.ok(!c.channels.sms && !c.channels.email);
            if ((c.privacyFlags ?? 0) & 1) assert.ok(!c.channels.voice);
          }
          // one per household: no two contactable share a householdId, or (without one) a valid phone or e-mail
          const hh = r.contactable.filter((c) => c.householdId).map((c) => c.householdId);
          assert.equal(new Set(hh).size, hh.length);
          const noHh = r.contactable.filter((c) => !c.householdId);
          for (const key of ['phone', 'email'] as const) {
            const vals = noHh.map((c) => c[key]).filter((v) => v && v !== '+18011550101' && v !== '12');
            assert.equal(new Set(vals).size, vals.length, key);
          }
        }),
        { numRuns: 400 },
      );
    });

    it('every suppressed record carries exactly one patient-level reason and the counts add up', () => {
      fc.assert(
        fc.property(runArb, ({ contacts, entries }) => {
          const input = contacts.map((c, i) => contact({ ...c, patientId: `P${i}`, channels: { sms: !!c.phone, email: !!c.email, voice: !!c.phone } }));
          const r = applyConsent(input, list(...entries));
          const patient = ['invalid', 'not-due', 'has-appointment', 'inactive', 'opted-out', 'no-channel', 'duplicate-household', 'duplicate-recall'];
          for (const s of r.suppressed) assert.ok(patient.includes(s.reason));
          const patientCounted = patient.reduce((n, k) => n + (r.counts[k] ?? 0), 0);
          assert.equal(patientCounted, r.suppressed.length);
          const channelCounted = Object.entries(r.counts).filter(([k]) => !patient.includes(k)).reduce((n, [, v]) => n + v, 0);
          assert.equal(channelCounted, r.contactable.reduce((n, c) => n + Object.keys(c.channelReasons ?? {}).length, 0));
        }),
        { numRuns: 300 },
      );
    });
  });
});
