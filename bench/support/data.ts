// Synthetic data for the benchmarks: deterministic per seed, no real patient data.
// Phones are 555-01xx in valid US area codes (so each is unique and parses), e-mails
// are @example.com. Due dates spread over every segment and a share of skip reasons.
import type { RawRow, RecallContact, Segment } from '../../nodes/lib/types';
import { prng } from '../../test/support/random';

/** Fixed "today" for every bench run, so segments do not drift with the calendar. */
export const AS_OF = '2026-06-15';

let areaCodes: number[] | undefined;
/** US area codes that libphonenumber accepts with a 555-01xx number. */
function validAreaCodes(): number[] {
  if (areaCodes) return areaCodes;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parsePhoneNumberFromString } = require('libphonenumber-js') as typeof import('libphonenumber-js');
  areaCodes = [];
  for (let ac = 201; ac <= 989; ac++) if (parsePhoneNumberFromString(`(${ac}) 555-0100`, 'US')?.isValid()) areaCodes.push(ac);
  return areaCodes;
}

/** The i-th unique synthetic phone, "(AAA) 555-01xx"; undefined past the supply. */
export function phone(i: number): string | undefined {
  const codes = validAreaCodes();
  const ac = codes[Math.floor(i / 100)];
  return ac === undefined ? undefined : `(${ac}) 555-01${String(i % 100).padStart(2, '0')}`;
}

const FIRST = ['Ada', 'Ben', 'Casey', 'Dana', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jo', 'Kai', 'Lea', 'Milo', 'Nia', 'Omar', 'Pia'];
const LAST = ['Alder', 'Birch', 'Cedar', 'Dogwood', 'Elm', 'Fir', 'Gum', 'Hazel', 'Ivy', 'Juniper', 'Larch', 'Maple', 'Oak', 'Pine'];
const TYPES = ['PROPHY', 'PERIO', 'BWX', 'FMX', 'PANO'];

export function isoDay(base: string, offsetDays: number): string {
  const d = new Date(`${base}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offsetDays);
  return d.toISOString().slice(0, 10);
}

/** Due-date offset from AS_OF: mostly selected for recall, ~10 % not due yet. */
function dueOffset(r: () => number): number {
  const x = r();
  if (x < 0.2) return 1 + Math.floor(r() * 30); // due-soon
  if (x < 0.45) return -Math.floor(r() * 31); // due-now
  if (x < 0.75) return -31 - Math.floor(r() * 500); // overdue
  if (x < 0.9) return -560 - Math.floor(r() * 1000); // lapsed
  return 31 + Math.floor(r() * 300); // not-due
}

/**
 * Rows as the ODBC source hands them on (docs/contracts.md, `dentrix-g-recall`
 * preset). About 5 % have a future appointment, 2 % are inactive, 1 % lack a
 * name, 5 % share a guarantor with the previous row, half have a mobile phone.
 */
export function odbcRows(n: number, seed = 1): RawRow[] {
  const r = prng(seed);
  const rows: RawRow[] = [];
  let phones = 0;
  for (let i = 0; i < n; i++) {
    const id = 100000 + i;
    const household = i > 0 && r() < 0.05 ? 100000 + i - 1 : id;
    const mobile = r() < 0.5 ? phone(phones++) ?? '' : '';
    rows.push({
      patient_id: id,
      first_name: r() < 0.01 ? '' : FIRST[i % FIRST.length],
      last_name: LAST[(i * 7) % LAST.length],
      preferred_name: '',
      status: r() < 0.02 ? 3 : 1,
      birth_date: isoDay('1950-01-01', Math.floor(r() * 20000)),
      email: r() < 0.8 ? `p${id}@example.com` : '',
      mobile_phone: mobile,
      home_phone: '',
      work_phone: '',
      guar_id: household,
      privacy_flags: r() < 0.02 ? 2 : 0,
      last_visit_date: isoDay(AS_OF, -Math.floor(r() * 900)),
      recall_type: TYPES[i % TYPES.length],
      due_date: isoDay(AS_OF, dueOffset(r)),
      has_future_appt: r() < 0.05 ? 1 : 0,
    });
  }
  return rows;
}

/** Contacts ready for the sink (as consent-filter would pass them on). */
export function contacts(n: number, seed = 1, office = 'BENCH'): RecallContact[] {
  const r = prng(seed);
  const segments: Segment[] = ['due-soon', 'due-now', 'overdue', 'lapsed'];
  const out: RecallContact[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${seed}-${100000 + i}`;
    out.push({
      office,
      patientId: id,
      firstName: FIRST[i % FIRST.length],
      lastName: LAST[(i * 7) % LAST.length],
      phone: `+1${String(2015550100 + (i % 100))}`,
      phoneType: 'mobile',
      email: `p${id}@example.com`,
      recallType: TYPES[i % TYPES.length],
      dueDate: isoDay(AS_OF, -Math.floor(r() * 400)),
      hasFutureAppointment: false,
      status: 'active',
      channels: { sms: true, email: true, voice: false },
      segment: segments[i % segments.length],
      source: 'odbc',
    });
  }
  return out;
}

function usDate(iso: string): string {
  return `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;
}

export const CC_HEADERS = ['Name', 'Chart #', 'Home Phone', 'Mobile Phone', 'Email', 'Date', 'Type', 'Appt?', 'Status', 'Prior Treat.'];
const CC_STATUS = ['NotHom', 'CalBK', 'SndCrd', 'CCSet', 'CallUs'];

/**
 * A Dentrix Continuing Care report with `n` patients as an .xlsx file (title lines,
 * provider group lines, a footer; dates as real Excel dates), written with exceljs's
 * streaming writer so generating 50k rows stays small.
 */
export async function writeContinuingCareXlsx(file: string, n: number, seed = 1): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ExcelJS = require('exceljs') as typeof import('exceljs');
  const r = prng(seed);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet('Continuing Care');
  const date = (iso: string) => new Date(`${iso}T00:00:00Z`);
  ws.addRow(['Bench Dental Group (synthetic data)']).commit();
  ws.addRow(['Continuing Care List']).commit();
  ws.addRow([`Due Date Span: ${usDate(isoDay(AS_OF, -1600))} - ${usDate(isoDay(AS_OF, 400))}`]).commit();
  ws.addRow([`Printed: ${usDate(AS_OF)} 7:05 AM`]).commit();
  ws.addRow([]).commit();
  ws.addRow(['Provider: DDS1 - Bench, Doctor']).commit();
  ws.addRow(CC_HEADERS).commit();
  let phones = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % 5000 === 0) ws.addRow([`Provider: HYG${i / 5000} - Bench, Hygienist`]).commit();
    const due = isoDay(AS_OF, dueOffset(r));
    const appt = r() < 0.05 ? (r() < 0.5 ? '+' : date(isoDay(AS_OF, 10))) : '';
    const row = ws.addRow([
      `${LAST[(i * 7) % LAST.length]}, ${FIRST[i % FIRST.length]}`,
      `BN${String(i).padStart(6, '0')}`,
      '',
      r() < 0.6 ? phone(phones++) ?? '' : '',
      r() < 0.8 ? `c${i}@example.com` : '',
      date(due),
      TYPES[i % TYPES.length],
      appt,
      CC_STATUS[i % CC_STATUS.length],
      date(isoDay(due, -180)),
    ]);
    for (const c of [6, 8, 10]) if (row.getCell(c).value instanceof Date) row.getCell(c).numFmt = 'mm/dd/yyyy';
    row.commit();
  }
  ws.addRow([]).commit();
  ws.addRow([`Total Patients: ${n}`]).commit();
  ws.commit();
  await wb.commit();
}
