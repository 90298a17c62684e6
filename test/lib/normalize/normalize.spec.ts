import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { isValidEmail, normalizeEmail } from '../../../nodes/lib/contact/email';
import { checkRegion, isValidE164, normalizePhone } from '../../../nodes/lib/contact/phone';
import { parseDate } from '../../../nodes/lib/calendar/parse';
import { parseCustomMapping, PRESETS, resolveMapping, type Mapping } from '../../../nodes/lib/normalize/mapping';
import { normalizeRows, type NormalizeOptions } from '../../../nodes/lib/normalize/normalize';
import { parseWindows, segmentEdges, segmentOf } from '../../../nodes/lib/normalize/segments';
import type { RawRow, RecallContact, SkippedRecord } from '../../../nodes/lib/types';

const AS_OF = '2025-06-15';
const edges = segmentEdges(AS_OF, parseWindows({}));

function opts(mapping: Mapping, extra: Partial<NormalizeOptions> = {}): NormalizeOptions {
  return { mapping, office: 'SLC', source: 'odbc', region: checkRegion('US'), timeZone: 'America/Denver', edges, ...extra };
}

/** batch-export-in rows of the Continuing Care example in DENTRIX.md */
const EXPORT_ROWS: RawRow[] = [
  { _row: 8, name: 'Garcia, Maria', chart: 'GA0012', home_phone: '(801)555-0101', mobile_phone: '(801)555-0199', email: 'maria@example.com', due_date: '2025-04-15', recall_type: 'PROPHY', appt: '', cc_status: 'NotHom', prior_treatment: '2024-10-14' },
  { _row: 9, name: 'Garcia, Leo', chart: 'GA0013', home_phone: '(801)555-0101', mobile_phone: '', email: '', due_date: '2025-04-15', recall_type: 'PROPHY', appt: '2025-06-20', cc_status: 'AptSCh', prior_treatment: '2024-10-14' },
  { _row: 10, name: 'Nguyen, Thi', chart: 'NG0003', home_phone: '', mobile_phone: '(385)555-0142', email: '', due_date: '2025-05-02', recall_type: 'PERIO', appt: '+', cc_status: 'CalBK', prior_treatment: '2025-01-01' },
  { _row: 12, name: "O'Brien, Pat", chart: 'OB0001', home_phone: '(801)555-0177', mobile_phone: '', email: 'pat@example.com', due_date: '2025-06-30', recall_type: 'BWX', appt: '', cc_status: 'SndCrd', prior_treatment: '2024-06-29' },
];

function odbcRow(over: Partial<RawRow> = {}): RawRow {
  return {
    patient_id: '1001', first_name: 'Maria', last_name: 'Garcia', preferred_name: '', status: 1, birth_date: '1980-03-02',
    email: 'Maria@Example.com ', mobile_phone: '801-555-0199', home_phone: '801-555-0101', work_phone: '', guar_id: '1001',
    privacy_flags: 0, last_visit_date: '2024-10-14', recall_type: ' PROPHY   ', due_date: '2025-06-01', has_future_appt: 0,
    ...over,
  };
}

describe('normalize/normalize', () => {
  describe('preset dentrix-export (Continuing Care rows)', () => {
    const r = normalizeRows(EXPORT_ROWS, opts(PRESETS['dentrix-export'], { source: 'export' }));
    it('selects every row in a segment; appointments are left to consent-filter', () => {
      assert.equal(r.selected.length, 4);
      assert.equal(r.skipped.length, 0);
      assert.deepEqual(r.selected.map((c) => [c.patientId, c.segment, c.hasFutureAppointment]), [
        ['GA0012', 'overdue', false],
        ['GA0013', 'overdue', true],
        ['NG0003', 'overdue', true],
        ['OB0001', 'due-soon', false],
      ]);
    });
    it('maps the whole record', () => {
      assert.deepEqual(r.selected[0], {
        office: 'SLC', patientId: 'GA0012', firstName: 'Maria', lastName: 'Garcia', phone: '+18015550199', phoneType: 'mobile',
        email: 'maria@example.com', recallType: 'PROPHY', dueDate: '2025-04-15', lastVisit: '2024-10-14', hasFutureAppointment: false,
        status: 'active', channels: { sms: true, email: true, voice: true }, segment: 'overdue', source: 'export',
      });
      assert.equal(r.selected[1].phoneType, 'home');
      assert.equal(r.selected[3].privacyFlags, 1, 'SndCrd (do not call) reads as the no-voice bit');
    });
    it('reports the file row (_row) of a rejected row and ignores _ keys', () => {
      const rows = [{ ...EXPORT_ROWS[0], chart: '', _row: 17, _file: 'x.csv' }];
      const s = normalizeRows(rows, opts(PRESETS['dentrix-export'])).skipped[0];
      assert.equal(s.reason, 'invalid');
      assert.equal(s.field, 'patientId');
      assert.equal(s.rowNumber, 17);
    });
  });

  describe('the Appt? cell of a Continuing Care export', () => {
    const withAppt = (appt: string, row = 8) => ({ ...EXPORT_ROWS[0], appt, _row: row });
    // Dentrix prints blank, + or a date; a dash, N/A, none or no clearly mean "no appointment"
    const cells: [string, boolean][] = [
      ['', false], ['+', true], ['2025-06-20', true], ['06/20/2025', true],
      ['-', false], ['--', false], ['\u2014', false], ['N/A', false], ['n/a', false], ['NA', false], ['none', false], ['None', false], ['no', false], ['No', false],
    ];
    for (const [appt, has] of cells) {
      it(`${JSON.stringify(appt)} -> ${has ? 'has an appointment' : 'no appointment'}`, () => {
        const out = normalizeRows([withAppt(appt)], opts(PRESETS['dentrix-export'], { source: 'export' }));
        assert.deepEqual(out.skipped, []);
        assert.equal(out.selected[0].hasFutureAppointment, has);
      });
    }
    for (const appt of ['maybe', 'TBD', '?', '-1', 'next week', '13/45/2025']) {
      it(`${JSON.stringify(appt)} is not guessed: the row is rejected, naming the row and the value`, () => {
        const out = normalizeRows([withAppt(appt, 23)], opts(PRESETS['dentrix-export'], { source: 'export' }));
        assert.equal(out.selected.length, 0);
        const s = out.skipped[0];
        assert.deepEqual([s.reason, s.field, s.rowNumber, s.patientId], ['invalid', 'hasFutureAppointment', 23, 'GA0012']);
        assert.equal(s.detail, `appointment cell "${appt}" is not a date, +, yes/no, or one of -, N/A, none (no appointment)`);
      });
    }
  });

  describe('preset dentrix-odbc', () => {
    it('maps the view columns, trims and upper-cases, prefers the preferred name', () => {
      const [c] = normalizeRows([odbcRow({ preferred_name: 'Mia', privacy_flags: 2 })], opts(PRESETS['dentrix-odbc'])).selected;
      assert.equal(c.firstName, 'Mia');
      assert.equal(c.email, 'maria@example.com');
      assert.equal(c.recallType, 'PROPHY');
      assert.equal(c.householdId, '1001');
      assert.equal(c.birthDate, '1980-03-02');
      assert.equal(c.privacyFlags, 2);
      assert.equal(c.segment, 'due-now');
      const [d] = normalizeRows([odbcRow({ preferred_name: 'Mia' })], opts(PRESETS['dentrix-odbc'], { usePreferredName: false })).selected;
      assert.equal(d.firstName, 'Maria');
    });
    it('reads the Dentrix status numbers', () => {
      const rows = [1, 2, 3, 4].map((s, i) => odbcRow({ patient_id: String(i), status: s }));
      assert.deepEqual(normalizeRows(rows, opts(PRESETS['dentrix-odbc'])).selected.map((c) => c.status), ['active', 'non-patient', 'inactive', 'archived']);
    });
    it('reads appointment cells: yes/no words, counts, + and dates', () => {
      const cells: [unknown, boolean][] = [[0, false], [1, true], [2, true], ['3', true], ['', false], [null, false], ['Y', true], ['no', false], [true, true], ['+', true], ['2025-06-20', true], ['06/20/2025', true], [45828, true], ['0001-01-01', false], ['01/01/1900', false]];
      const rows = cells.map(([v], i) => odbcRow({ patient_id: String(i), has_future_appt: v as string }));
      const out = normalizeRows(rows, opts(PRESETS['dentrix-odbc']));
      assert.equal(out.skipped.length, 0);
      assert.deepEqual(out.selected.map((c) => c.hasFutureAppointment), cells.map(([, b]) => b));
    });
    it('reads has_future_appt 0/1 and Date objects from the driver', () => {
      const rows = [odbcRow({ has_future_appt: 1 }), odbcRow({ due_date: new Date(Date.UTC(2025, 5, 1)) as unknown as string })];
      const out = normalizeRows(rows, opts(PRESETS['dentrix-odbc'])).selected;
      assert.equal(out[0].hasFutureAppointment, true);
      assert.equal(out[1].dueDate, '2025-06-01');
    });
  });

  describe('preset open-dental', () => {
    const od = (over: Partial<RawRow> = {}): RawRow => ({
      PatNum: 7, LName: 'Lee', FName: 'Ann', Preferred: '', PatStatus: 0, Birthdate: '0001-01-01', HmPhone: '', WkPhone: '(801)555-0150',
      WirelessPhone: '(801)555-0160', Email: 'ann@example.com', Guarantor: 7, PreferRecallMethod: 0, TxtMsgOk: 0,
      DateDue: '2025-05-20', DatePrevious: '2024-11-20', RecallTypeNum: 1, IsDisabled: 0, DateScheduled: '0001-01-01', ...over,
    });
    it('maps recall + patient columns; 0001-01-01 is no date', () => {
      const [c] = normalizeRows([od()], opts(PRESETS['open-dental'])).selected;
      assert.equal(c.patientId, '7');
      assert.equal(c.phone, '+18015550160');
      assert.equal(c.phoneType, 'mobile');
      assert.equal(c.birthDate, undefined);
      assert.equal(c.hasFutureAppointment, false);
      assert.equal(c.householdId, '7');
      assert.equal(c.segment, 'due-now');
    });
    it('PatStatus 0..6 -> active, non-patient, inactive, archived, archived (deleted), inactive (deceased), non-patient (prospective)', () => {
      const rows = [0, 1, 2, 3, 4, 5, 6].map((s) => od({ PatNum: s, PatStatus: s }));
      assert.deepEqual(normalizeRows(rows, opts(PRESETS['open-dental'])).selected.map((c) => c.status), ['active', 'non-patient', 'inactive', 'archived', 'archived', 'inactive', 'non-patient']);
    });
    it('TxtMsgOk 2 -> noSms, PreferRecallMethod 1 -> no voice, DateScheduled -> appointment, IsDisabled -> not-due', () => {
      const r = normalizeRows([od({ TxtMsgOk: 2, PreferRecallMethod: 1, DateScheduled: '2025-07-01' }), od({ PatNum: 8, IsDisabled: 1 })], opts(PRESETS['open-dental']));
      assert.equal(r.selected[0].noSms, true);
      assert.equal(r.selected[0].privacyFlags, 1);
      assert.equal(r.selected[0].hasFutureAppointment, true);
      assert.deepEqual([r.skipped[0].reason, r.skipped[0].field, r.skipped[0].patientId], ['not-due', 'disabled', '8']);
    });
  });

  describe('custom mapping', () => {
    it('is checked, naming the field at fault', () => {
      assert.throws(() => parseCustomMapping('{'), /not valid JSON/);
      assert.throws(() => parseCustomMapping('[]'), /JSON object/);
      assert.throws(() => parseCustomMapping({ firstName: 'f', lastName: 'l', dueDate: 'd' }), /patientId/);
      assert.throws(() => parseCustomMapping({ patientId: 'id', firstName: 'f', dueDate: 'd' }), /lastName/);
      assert.throws(() => parseCustomMapping({ patientId: 'id', name: 'n' }), /dueDate/);
      assert.throws(() => parseCustomMapping({ patientId: 'id', name: 'n', dueDate: 'd', phone: 'p' }), /unknown field "phone"/);
      assert.throws(() => parseCustomMapping({ patientId: 'id', name: 'n', dueDate: 'd', statusValues: { A: 'gone' } }), /statusValues\["A"\]/);
      assert.throws(() => parseCustomMapping({ patientId: 7, name: 'n', dueDate: 'd' }), /"patientId" must be a column/);
      assert.throws(() => resolveMapping('eaglesoft', ''), /unknown preset "eaglesoft"/);
    });
    it('maps columns, alternative column names and status values', () => {
      const m = parseCustomMapping(JSON.stringify({ patientId: ['id', 'ID'], name: 'Patient', mobilePhone: 'Cell', dueDate: 'Next', status: 'St', statusValues: { A: 'active', I: 'inactive' } }));
      const r = normalizeRows([{ ID: 'x1', Patient: 'Doe, Jane', Cell: '801 555 0111', Next: '06/20/2025', St: 'I' }], opts(m));
      assert.deepEqual([r.selected[0].patientId, r.selected[0].firstName, r.selected[0].status, r.selected[0].segment], ['x1', 'Jane', 'inactive', 'due-soon']);
    });
  });

  describe('every normalize reason, with the field at fault', () => {
    const cases: [string, Partial<RawRow> | null, SkippedRecord['reason'], string][] = [
      ['no patient id', { patient_id: '  ' }, 'invalid', 'patientId'],
      ['no first name', { first_name: '' }, 'invalid', 'firstName'],
      ['no last name', { last_name: null }, 'invalid', 'lastName'],
      ['unknown status', { status: 9 }, 'invalid', 'status'],
      ['unreadable due date', { due_date: 'soon' }, 'invalid', 'dueDate'],
      ['impossible due date', { due_date: '2025-02-30' }, 'invalid', 'dueDate'],
      ['unreadable last visit', { due_date: '', last_visit_date: '31/31/2020' }, 'invalid', 'lastVisit'],
      ['unreadable privacy flags', { privacy_flags: 'x' }, 'invalid', 'privacyFlags'],
      ['unreadable appointment cell', { has_future_appt: 'maybe' }, 'invalid', 'hasFutureAppointment'],
      ['negative appointment cell', { has_future_appt: -1 }, 'invalid', 'hasFutureAppointment'],
      ['due too far ahead', { due_date: '2025-07-16' }, 'not-due', 'dueDate'],
      ['no due date, recent visit', { due_date: '', last_visit_date: '2024-01-01' }, 'not-due', 'lastVisit'],
      ['no due date, no visit', { due_date: '', last_visit_date: '' }, 'not-due', 'dueDate'],
    ];
    for (const [name, over, reason, field] of cases) {
      it(`${name} -> ${reason} (${field})`, () => {
        const r = normalizeRows([odbcRow(over ?? {})], opts(PRESETS['dentrix-odbc']));
        assert.equal(r.selected.length, 0);
        assert.equal(r.skipped.length, 1);
        assert.equal(r.skipped[0].reason, reason);
        assert.equal(r.skipped[0].field, field);
        assert.equal(r.skipped[0].rowNumber, 1);
        assert.match(String(r.skipped[0].detail), /./);
        assert.deepEqual(r.counts, { [reason]: 1 });
      });
    }
    it('a row that is not an object -> invalid (row)', () => {
      const r = normalizeRows([null, 'text', [1]], opts(PRESETS['dentrix-odbc']));
      assert.deepEqual(r.skipped.map((s) => [s.reason, s.field, s.rowNumber]), [['invalid', 'row', 1], ['invalid', 'row', 2], ['invalid', 'row', 3]]);
    });
    it('a segment that is not selected -> not-due', () => {
      const r = normalizeRows([odbcRow({ due_date: '2025-06-20' })], opts(PRESETS['dentrix-odbc'], { segments: ['overdue', 'lapsed'] }));
      assert.deepEqual([r.skipped[0].reason, r.skipped[0].detail], ['not-due', 'segment due-soon is not selected for recall']);
    });
    it('a bad birth date does not drop the row; an invalid e-mail is left out and counted', () => {
      const r = normalizeRows([odbcRow({ birth_date: 'unknown', email: 'maria@' })], opts(PRESETS['dentrix-odbc']));
      assert.equal(r.selected.length, 1);
      assert.equal(r.selected[0].birthDate, undefined);
      assert.equal(r.selected[0].email, undefined);
      assert.equal(r.selected[0].channels.email, false);
      assert.equal(r.summary.invalidEmail, 1);
    });
    it('an invalid phone is kept for consent-filter (bad-number) and counted', () => {
      const r = normalizeRows([odbcRow({ mobile_phone: '(801)155-0101', home_phone: '' })], opts(PRESETS['dentrix-odbc']));
      assert.equal(r.selected[0].phone, '+18011550101');
      assert.equal(r.summary.invalidPhone, 1);
    });
  });

  describe('properties over random rows', () => {
    const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
    const rowArb = fc.record({
      patient_id: pick('', 'id'),
      first_name: pick('Maria', 'Leo', '', ' Ann '),
      last_name: pick('Garcia', "O'Brien", ''),
      preferred_name: pick('', 'Mia'),
      status: pick<unknown>(1, 2, 3, 4, '1', 9, ''),
      birth_date: pick<unknown>('1980-03-02', '', 'x', '02/29/2000', 0),
      email: pick<unknown>('maria@example.com', ' A@Example.COM ', 'bad@', '', null),
      mobile_phone: pick<unknown>('(801)555-0199', '(801)155-0101', '', null, '12', 8015550142),
      home_phone: pick<unknown>('(801)555-0101', '', '000-000-0000'),
      work_phone: pick<unknown>('', '801.555.0150'),
      guar_id: pick<unknown>('', 'G1', 'G2', 0),
      privacy_flags: pick<unknown>(0, 1, 2, 3, '', 'x'),
      last_visit_date: pick<unknown>('', '2020-01-01', '2023-12-14', '2023-12-15', '2025-01-01', 'bad'),
      recall_type: pick<unknown>('PROPHY ', ' perio', ''),
      due_date: fc.oneof(
        pick<unknown>('', null, 0, '01/01/1900', 'garbage', '2025-02-30'),
        fc.integer({ min: -800, max: 120 }).map((d) => new Date(Date.UTC(2025, 5, 15) + d * 86_400_000).toISOString().slice(0, 10)),
        fc.integer({ min: 44000, max: 46000 }),
      ),
      has_future_appt: pick<unknown>(0, 1, '', 'maybe'),
    });
    const batchArb = fc.array(rowArb, { maxLength: 60 }).map((rows) => rows.map((r, i) => ({ ...r, patient_id: r.patient_id === 'id' ? `P${i}` : r.patient_id, _row: i + 1 }) as RawRow));

    it('every row ends in exactly one place, with one reason', () => {
      fc.assert(
        fc.property(batchArb, (rows) => {
          const r = normalizeRows(rows, opts(PRESETS['dentrix-odbc']));
          const seen = new Map<number, number>();
          const mark = (i: number) => seen.set(i, (seen.get(i) ?? 0) + 1);
          for (const c of r.selected) mark(Number(c.patientId.slice(1)) + 1);
          for (const s of r.skipped) {
            assert.ok(s.reason === 'invalid' || s.reason === 'not-due');
            mark(s.rowNumber!);
          }
          assert.equal(r.selected.length + r.skipped.length, rows.length);
          assert.equal(seen.size, rows.length);
          for (const n of seen.values()) assert.equal(n, 1);
          const counted = Object.values(r.counts).reduce((a, b) => a + b, 0);
          assert.equal(counted, r.skipped.length);
        }),
        { numRuns: 300 },
      );
    });

    it('every selected contact keeps the RecallContact contract', () => {
      fc.assert(
        fc.property(batchArb, (rows) => {
          for (const c of normalizeRows(rows, opts(PRESETS['dentrix-odbc'])).selected) {
            assert.ok(c.patientId && c.firstName && c.lastName);
            if (c.email) assert.ok(isValidEmail(c.email) && c.email === c.email.trim().toLowerCase());
            for (const d of [c.dueDate, c.lastVisit, c.birthDate]) if (d) assert.match(d, /^\d{4}-\d{2}-\d{2}$/);
            if (c.recallType) assert.equal(c.recallType, c.recallType.trim().toUpperCase());
            assert.equal(c.segment, segmentOf(edges, c.dueDate, c.lastVisit));
            assert.equal(c.channels.sms, !!c.phone);
            assert.equal(c.channels.email, !!c.email);
          }
        }),
        { numRuns: 300 },
      );
    });

    /** a contact written back as a row of the identity mapping below */
    function asRow(c: RecallContact): RawRow {
      const row: RawRow = { patientId: c.patientId, firstName: c.firstName, lastName: c.lastName, status: c.status, hasFutureAppointment: c.hasFutureAppointment };
      if (c.phone) row[`${c.phoneType}Phone`] = c.phone;
      for (const k of ['email', 'dueDate', 'lastVisit', 'birthDate', 'recallType', 'householdId', 'privacyFlags', 'noSms'] as const) if (c[k] !== undefined) row[k] = c[k] as string;
      return row;
    }
    const IDENTITY = parseCustomMapping({
      patientId: 'patientId', firstName: 'firstName', lastName: 'lastName', mobilePhone: 'mobilePhone', homePhone: 'homePhone', workPhone: 'workPhone',
      email: 'email', dueDate: 'dueDate', lastVisit: 'lastVisit', birthDate: 'birthDate', recallType: 'recallType', householdId: 'householdId',
      privacyFlags: 'privacyFlags', appointment: 'hasFutureAppointment', status: 'status', noSms: 'noSms', noSmsValues: ['true'],
    });

    it('normalizing twice changes nothing', () => {
      fc.assert(
        fc.property(batchArb, (rows) => {
          const once = normalizeRows(rows, opts(PRESETS['dentrix-odbc'])).selected;
          const twice = normalizeRows(once.map(asRow), opts(IDENTITY));
          assert.equal(twice.skipped.length, 0);
          assert.deepEqual(twice.selected, once);
        }),
        { numRuns: 300 },
      );
    });

    it('each value normalizer is idempotent', () => {
      const US = checkRegion('US');
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.constantFrom('(801)555-0199', '+44 7911 123456', '(801)155-0101', '12')), (s) => {
          const p = normalizePhone(s, US);
          if (p) assert.deepEqual(normalizePhone(p.phone, US), p);
          const e = normalizeEmail(s);
          if (e && e.valid) assert.deepEqual(normalizeEmail(e.email), e);
          const d = parseDate(s);
          if (d.iso) assert.deepEqual(parseDate(d.iso), d);
          if (p?.valid) assert.ok(isValidE164(p.phone));
        }),
        { numRuns: 1000 },
      );
    });
  });
});
