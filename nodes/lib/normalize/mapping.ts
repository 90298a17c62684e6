// Where each RecallContact field comes from in a source's rows: the presets for the
// sources the pack knows, and the checks for a custom mapping typed in the dialog.
import type { PatientStatus, SourceKind } from '../types';

/** A column name, or several: the first one present in the row is used. */
export type Column = string | string[];

export interface Mapping {
  patientId: Column;
  /** one "Last, First" column, or firstName + lastName */
  name?: Column;
  firstName?: Column;
  lastName?: Column;
  /** used as the first name when filled (and the node says so) */
  preferredName?: Column;
  mobilePhone?: Column;
  homePhone?: Column;
  workPhone?: Column;
  email?: Column;
  dueDate?: Column;
  lastVisit?: Column;
  birthDate?: Column;
  recallType?: Column;
  householdId?: Column;
  /** Dentrix privacy_flags bitmask */
  privacyFlags?: Column;
  /** yes/no, 1/0, `+` or a date: the patient has a future appointment */
  appointment?: Column;
  status?: Column;
  /** raw status value (trimmed text) -> status; without it the four status names are read */
  statusValues?: Record<string, PatientStatus>;
  /** status when the mapping has no status column (an export listing active patients only) */
  defaultStatus?: PatientStatus;
  /** a row whose `noSms` column holds one of `noSmsValues` gets noSms (no texts) */
  noSms?: Column;
  noSmsValues?: string[];
  /** a row whose `noVoice` column holds one of `noVoiceValues` gets privacy bit 1 (no voice) */
  noVoice?: Column;
  noVoiceValues?: string[];
  /** a truthy value means the recall is switched off: the row is `not-due` */
  disabled?: Column;
  /** per-row office code (multi-office sources); else the node's office */
  office?: Column;
}

export const PRESETS = {
  /** the ODBC preset query of docs/contracts.md (`dentrix-g-recall`) */
  'dentrix-odbc': {
    patientId: 'patient_id',
    firstName: 'first_name',
    lastName: 'last_name',
    preferredName: 'preferred_name',
    status: 'status',
    statusValues: { '1': 'active', '2': 'non-patient', '3': 'inactive', '4': 'archived' },
    birthDate: 'birth_date',
    email: 'email',
    mobilePhone: 'mobile_phone',
    homePhone: 'home_phone',
    workPhone: 'work_phone',
    householdId: 'guar_id',
    privacyFlags: 'privacy_flags',
    lastVisit: 'last_visit_date',
    recallType: 'recall_type',
    dueDate: 'due_date',
    appointment: 'has_future_appt',
  },
  /** batch-export-in's `dentrix-continuing-care` rows (docs/contracts.md) */
  'dentrix-export': {
    patientId: 'chart',
    name: 'name',
    homePhone: 'home_phone',
    mobilePhone: 'mobile_phone',
    email: 'email',
    dueDate: 'due_date',
    recallType: 'recall_type',
    appointment: 'appt',
    defaultStatus: 'active',
    lastVisit: 'prior_treatment',
    // continuing-care status SndCrd = "do not call, send a card" (inferred: no voice)
    noVoice: 'cc_status',
    noVoiceValues: ['SndCrd'],
  },
  /** Open Dental: a query joining `recall` and `patient` (column names as in its schema) */
  'open-dental': {
    patientId: 'PatNum',
    firstName: 'FName',
    lastName: 'LName',
    preferredName: 'Preferred',
    status: 'PatStatus',
    // 0 Patient, 1 NonPatient, 2 Inactive, 3 Archived, 4 Deleted, 5 Deceased, 6 Prospective
    statusValues: { '0': 'active', '1': 'non-patient', '2': 'inactive', '3': 'archived', '4': 'archived', '5': 'inactive', '6': 'non-patient' },
    birthDate: 'Birthdate',
    homePhone: 'HmPhone',
    workPhone: 'WkPhone',
    mobilePhone: 'WirelessPhone',
    email: 'Email',
    householdId: 'Guarantor',
    dueDate: 'DateDue',
    lastVisit: 'DatePrevious',
    recallType: ['RecallType', 'Description', 'RecallTypeNum'],
    appointment: 'DateScheduled',
    disabled: 'IsDisabled',
    // YN enum: 0 unknown, 1 yes, 2 no
    noSms: 'TxtMsgOk',
    noSmsValues: ['2'],
    // ContactMethod 1 = DoNotCall
    noVoice: 'PreferRecallMethod',
    noVoiceValues: ['1'],
  },
} as const satisfies Record<string, Mapping>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** The source kind a preset's rows come from (when msg.recall does not say). */
export function presetSource(preset: string): SourceKind {
  return preset === 'dentrix-export' ? 'export' : 'odbc';
}

const COLUMN_FIELDS = [
  'patientId', 'name', 'firstName', 'lastName', 'preferredName', 'mobilePhone', 'homePhone', 'workPhone', 'email',
  'dueDate', 'lastVisit', 'birthDate', 'recallType', 'householdId', 'privacyFlags', 'appointment', 'status',
  'noSms', 'noVoice', 'disabled', 'office',
] as const;
const STATUSES: readonly PatientStatus[] = ['active', 'inactive', 'archived', 'non-patient'];

function isColumn(v: unknown): v is Column {
  if (typeof v === 'string') return v.trim() !== '';
  return Array.isArray(v) && v.length > 0 && v.every((c) => typeof c === 'string' && c.trim() !== '');
}

/** Checks a custom mapping (JSON text or object); the error names the field at fault. */
export function parseCustomMapping(input: unknown): Mapping {
  let m: unknown = input;
  if (typeof input === 'string') {
    try {
      m = JSON.parse(input);
    } catch (e) {
      throw new Error(`setting "custom mapping" is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw new Error('setting "custom mapping" must be a JSON object of field: column');
  const obj = m as Record<string, unknown>;
  const known = new Set<string>([...COLUMN_FIELDS, 'statusValues', 'defaultStatus', 'noSmsValues', 'noVoiceValues']);
  for (const [k, v] of Object.entries(obj)) {
    if (!known.has(k)) throw new Error(`custom mapping: unknown field "${k}" (known: ${[...known].join(', ')})`);
    if ((COLUMN_FIELDS as readonly string[]).includes(k) && !isColumn(v)) throw new Error(`custom mapping: "${k}" must be a column name or a list of column names`);
  }
  if (!obj.patientId) throw new Error('custom mapping: "patientId" (the column of the patient id) is required');
  if (!obj.name && !(obj.firstName && obj.lastName)) throw new Error('custom mapping: give "name" ("Last, First") or both "firstName" and "lastName"');
  if (!obj.dueDate && !obj.lastVisit) throw new Error('custom mapping: give "dueDate" or "lastVisit", or nobody can be in a segment');
  if (obj.statusValues !== undefined) {
    const sv = obj.statusValues;
    if (!sv || typeof sv !== 'object' || Array.isArray(sv)) throw new Error('custom mapping: "statusValues" must be an object of value: status');
    for (const [raw, st] of Object.entries(sv)) {
      if (!STATUSES.includes(st as PatientStatus)) throw new Error(`custom mapping: statusValues["${raw}"] must be one of ${STATUSES.join(', ')}`);
    }
  }
  if (obj.defaultStatus !== undefined && !STATUSES.includes(obj.defaultStatus as PatientStatus)) {
    throw new Error(`custom mapping: "defaultStatus" must be one of ${STATUSES.join(', ')}`);
  }
  for (const k of ['noSmsValues', 'noVoiceValues']) {
    const v = obj[k];
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) throw new Error(`custom mapping: "${k}" must be a list of texts`);
  }
  return obj as unknown as Mapping;
}

export function resolveMapping(preset: string, custom: unknown): Mapping {
  if (preset === 'custom') return parseCustomMapping(custom);
  if (!(PRESET_NAMES as string[]).includes(preset)) throw new Error(`setting "mapping": unknown preset "${preset}" (use ${PRESET_NAMES.join(', ')} or custom)`);
  return PRESETS[preset as PresetName];
}
