// Raw rows -> RecallContact[] in a segment, or SkippedRecord with one reason.
// Normalize decides only `invalid` and `not-due`; every other reason is consent-filter's
// (docs/contracts.md, README "Recall rules"), so each row ends in exactly one place.
import { countBy } from '../run';
import type { Counts, PatientStatus, RawRow, RecallContact, Segment, SkippedRecord, SourceKind } from '../types';
import { normalizeEmail } from '../contact/email';
import { phoneMemo, pickPhone, type PhoneValue } from '../contact/phone';
import { makeContact, type DraftContact } from './contact';
import { cleanText, parseName } from './names';
import { parseDate } from '../calendar/parse';
import type { Column, Mapping } from './mapping';
import { SEGMENTS, segmentOf, type Edges } from './segments';
import type { CountryCode } from 'libphonenumber-js/max';

export interface NormalizeOptions {
  mapping: Mapping;
  /** office code when the mapping has no office column */
  office: string;
  source: SourceKind;
  region: CountryCode;
  /** used to read driver timestamps */
  timeZone: string;
  edges: Edges;
  /** segments selected for recall (default all four) */
  segments?: readonly Segment[];
  /** use the preferred name as first name when filled (default true) */
  usePreferredName?: boolean;
}

export interface NormalizeSummary {
  rows: number;
  selected: number;
  skipped: number;
  bySegment: Partial<Record<Segment, number>>;
  /** contacts whose e-mail was unreadable (left out of the record) */
  invalidEmail: number;
  /** contacts whose only phone is invalid (consent drops it as bad-number) */
  invalidPhone: number;
}

export interface NormalizeResult {
  selected: RecallContact[];
  skipped: SkippedRecord[];
  /** patient reasons of the skipped rows */
  counts: Counts;
  summary: NormalizeSummary;
}

/** The value of a mapped field: the first of its columns present in the row. */
export function cell(row: RawRow, col: Column | undefined): unknown {
  if (col === undefined) return undefined;
  // one column name (most mappings): no list made for it, ~20 cells a row
  if (typeof col === 'string') return Object.prototype.hasOwnProperty.call(row, col) ? row[col] : undefined;
  for (const c of col) if (Object.prototype.hasOwnProperty.call(row, c)) return row[c];
  return undefined;
}

const YES = new Set(['1', 'y', 'yes', 'true', 't', 'x', '+']);
/**
 * No: blank (what Dentrix's Continuing Care list prints), and what people type or
 * other systems print for "nothing" in a cell: a dash, N/A, none. Anything else
 * that is neither a yes, a count nor a date is refused, not guessed.
 */
const NO = new Set(['', '0', 'n', 'no', 'false', 'f', '-', '--', '\u2013', '\u2014', 'n/a', 'na', 'none']);

/** yes/no cells; a real date also means yes (Dentrix `Appt?`, Open Dental DateScheduled). */
function flag(value: unknown, timeZone: string): boolean | undefined {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (YES.has(text)) return true;
  if (NO.has(text)) return false;
  if (/^-/.test(text)) return undefined;
  // a small whole number is a count of appointments, not an Excel date serial
  if (/^\d{1,3}$/.test(text)) return Number(text) > 0;
  const d = parseDate(value, timeZone);
  if (d.error) return undefined;
  return d.iso !== undefined;
}

function readStatus(m: Mapping, row: RawRow): PatientStatus | undefined {
  if (m.status === undefined) return m.defaultStatus ?? 'active';
  const raw = cleanText(cell(row, m.status));
  if (m.statusValues) return m.statusValues[raw] ?? m.statusValues[String(Number(raw))];
  const name = raw.toLowerCase();
  return (['active', 'inactive', 'archived', 'non-patient'] as PatientStatus[]).find((s) => s === name);
}

function inList(value: unknown, list: readonly string[] | undefined): boolean {
  const text = cleanText(value);
  return text !== '' && (list ?? []).some((v) => v.toLowerCase() === text.toLowerCase());
}

class Rejected extends Error {
  constructor(readonly field: string, detail: string) {
    super(detail);
  }
}

/** One row to a contact (segment still to decide); throws Rejected for `invalid`. */
function toContact(row: RawRow, o: NormalizeOptions, phoneOf: (value: unknown) => PhoneValue | undefined): { contact: DraftContact; disabled: boolean; invalidEmail: boolean; invalidPhone: boolean } {
  const m = o.mapping;
  const patientId = cleanText(cell(row, m.patientId));
  if (patientId === '') throw new Rejected('patientId', 'no patient id');
  let { firstName, lastName } = m.name !== undefined ? parseName(cell(row, m.name)) : { firstName: cleanText(cell(row, m.firstName)), lastName: cleanText(cell(row, m.lastName)) };
  const preferred = cleanText(cell(row, m.preferredName));
  if (preferred !== '' && o.usePreferredName !== false) firstName = preferred;
  if (firstName === '') throw new Rejected('firstName', 'no first name');
  if (lastName === '') throw new Rejected('lastName', 'no last name');

  const status = readStatus(m, row);
  if (!status) throw new Rejected('status', `unknown status "${cleanText(cell(row, m.status))}"`);

  const date = (field: 'dueDate' | 'lastVisit') => {
    const d = parseDate(cell(row, m[field]), o.timeZone);
    if (d.error) throw new Rejected(field, d.error);
    return d.iso;
  };
  const dueDate = date('dueDate');
  const lastVisit = date('lastVisit');
  // a bad birth date only weakens the household choice: not a reason to drop the row
  const birthDate = parseDate(cell(row, m.birthDate), o.timeZone).iso;

  let privacyFlags = 0;
  const rawFlags = cleanText(cell(row, m.privacyFlags));
  if (rawFlags !== '') {
    const n = Number(rawFlags);
    if (!Number.isInteger(n) || n < 0) throw new Rejected('privacyFlags', `privacy flags "${rawFlags}" is not a whole number`);
    privacyFlags = n;
  }
  if (inList(cell(row, m.noVoice), m.noVoiceValues)) privacyFlags |= 1;

  const appt = flag(cell(row, m.appointment), o.timeZone);
  if (appt === undefined) {
    const text = cleanText(cell(row, m.appointment));
    throw new Rejected('hasFutureAppointment', `appointment cell "${text.slice(0, 40)}" is not a date, +, yes/no, or one of -, N/A, none (no appointment)`);
  }
  const disabled = flag(cell(row, m.disabled), o.timeZone) === true;

  const phone = pickPhone({ mobile: cell(row, m.mobilePhone), home: cell(row, m.homePhone), work: cell(row, m.workPhone) }, o.region, phoneOf);
  const email = normalizeEmail(cell(row, m.email));
  const householdId = cleanText(cell(row, m.householdId));
  const recallType = cleanText(cell(row, m.recallType)).toUpperCase();
  const office = cleanText(cell(row, m.office)) || o.office;

  const contact = makeContact({
    office,
    patientId,
    firstName,
    lastName,
    hasFutureAppointment: appt,
    status,
    channels: { sms: !!phone, email: !!email?.valid, voice: !!phone },
    source: o.source,
    householdId: householdId !== '' && householdId !== '0' ? householdId : undefined,
    phone: phone?.phone,
    phoneType: phone?.phoneType,
    email: email?.valid ? email.email : undefined,
    recallType: recallType !== '' ? recallType : undefined,
    dueDate: dueDate || undefined,
    lastVisit: lastVisit || undefined,
    birthDate: birthDate || undefined,
    privacyFlags: privacyFlags !== 0 ? privacyFlags : undefined,
    noSms: inList(cell(row, m.noSms), m.noSmsValues) ? true : undefined,
  });
  return { contact, disabled, invalidEmail: !!email && !email.valid, invalidPhone: !!phone && !phone.valid };
}

/** The row number to report: the source's own `_row` (file line), else the position in the batch. */
function rowNumber(row: unknown, index: number): number {
  const r = row && typeof row === 'object' ? (row as RawRow)._row : undefined;
  return typeof r === 'number' && Number.isInteger(r) && r > 0 ? r : index + 1;
}

/** Keys starting with `_` are the source's bookkeeping (reported, never mapped). */
function withoutPrivate(row: RawRow): RawRow {
  // most sources add no bookkeeping keys: then the row itself serves (it is only read)
  let any = false;
  for (const k in row) {
    if (k.startsWith('_') && Object.prototype.hasOwnProperty.call(row, k)) {
      any = true;
      break;
    }
  }
  if (!any) return row;
  const out: RawRow = {};
  for (const [k, v] of Object.entries(row)) if (!k.startsWith('_')) out[k] = v;
  return out;
}

export function normalizeRows(rows: readonly unknown[], o: NormalizeOptions): NormalizeResult {
  const wanted = new Set<Segment>(o.segments && o.segments.length > 0 ? o.segments : SEGMENTS);
  const selected: RecallContact[] = [];
  const skipped: SkippedRecord[] = [];
  const phoneOf = phoneMemo(o.region);
  const summary: NormalizeSummary = { rows: rows.length, selected: 0, skipped: 0, bySegment: {}, invalidEmail: 0, invalidPhone: 0 };

  rows.forEach((raw, index) => {
    const rowNo = rowNumber(raw, index);
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      skipped.push({ reason: 'invalid', field: 'row', detail: 'the row is not an object of column: value', rowNumber: rowNo });
      return;
    }
    const row = raw as RawRow;
    let made: ReturnType<typeof toContact>;
    try {
      made = toContact(withoutPrivate(row), o, phoneOf);
    } catch (e) {
      if (!(e instanceof Rejected)) throw e;
      const id = cleanText(cell(row, o.mapping.patientId));
      skipped.push({ reason: 'invalid', field: e.field, detail: e.message, rowNumber: rowNo, office: o.office, ...(id ? { patientId: id } : {}), row });
      return;
    }
    const { contact, disabled } = made;
    const base = { rowNumber: rowNo, office: contact.office, patientId: contact.patientId };
    const segment = disabled ? undefined : segmentOf(o.edges, contact.dueDate, contact.lastVisit);
    if (!segment || !wanted.has(segment)) {
      const detail = disabled
        ? 'the recall is disabled'
        : segment
          ? `segment ${segment} is not selected for recall`
          : contact.dueDate
            ? `due ${contact.dueDate}, after ${o.edges.soonEnd}`
            : contact.lastVisit
              ? `no due date; last visit ${contact.lastVisit} is not before ${o.edges.lapseStart}`
              : 'no due date and no last visit';
      // the contact rides along (no copy): a later stage tells from it whether a contacted patient booked
      skipped.push({ reason: 'not-due', field: disabled ? 'disabled' : contact.dueDate || !contact.lastVisit ? 'dueDate' : 'lastVisit', detail, ...base, contact: contact as RecallContact });
      return;
    }
    if (made.invalidEmail) summary.invalidEmail += 1;
    if (made.invalidPhone) summary.invalidPhone += 1;
    summary.bySegment[segment] = (summary.bySegment[segment] ?? 0) + 1;
    // the same fields in the same order as { ...contact, segment }, without a copy
    (contact as RecallContact).segment = segment;
    selected.push(contact as RecallContact);
  });

  summary.selected = selected.length;
  summary.skipped = skipped.length;
  return { selected, skipped, counts: countBy(skipped, (s) => s.reason), summary };
}

declare module '../types' {
  interface RecallMeta {
    /** recall-normalize's summary, with the segment edges the run used */
    'recall-normalize'?: NormalizeSummary & { edges: Edges };
  }
}
