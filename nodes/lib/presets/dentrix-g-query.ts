// Preset SQL for the Dentrix G-series API views (schema admin, see DENTRIX.md):
// one row per patient and continuing-care (recall) type, plus patients with a
// last visit but no recall row (lapsed candidates). recall-normalize's
// `dentrix-odbc` preset maps exactly these columns (docs/contracts.md).
//
// Portable on purpose: no TOP, ISNULL, date functions or date arithmetic, only
// COALESCE, CASE and EXISTS, so the same text runs on c-treeACE, SQLite and
// PostgreSQL. Aliases are quoted so drivers that upper-case unquoted names still
// return the lower-case column names of the contract. Segmenting by date (due
// soon / overdue / lapsed) is left to recall-normalize, which knows the office's
// "today" and its windows.
//
// has_future_appt: a non-broken appointment dated on or after the as-of date (an
// appointment later today still means the patient is coming in). The one `?` is
// that date, 'YYYY-MM-DD' text bound by the node (see nodes/lib/calendar/as-of.ts):
// not CURRENT_DATE, which is the server's day (UTC on SQLite), ignores a fixed
// RECALL_AS_OF, and is missing from some engines.

export const DENTRIX_G_RECALL_PRESET = 'dentrix-g-recall';

/** The column list of the preset, in order (docs/contracts.md). */
export const DENTRIX_G_RECALL_COLUMNS = [
  'patient_id', 'first_name', 'last_name', 'preferred_name', 'status', 'birth_date', 'email',
  'mobile_phone', 'home_phone', 'work_phone', 'guar_id', 'privacy_flags', 'last_visit_date',
  'recall_type', 'due_date', 'has_future_appt',
] as const;

export const DENTRIX_G_RECALL_SQL = `SELECT
  p.patient_id AS "patient_id",
  p.first_name AS "first_name",
  p.last_name AS "last_name",
  p.preferred_name AS "preferred_name",
  p.status AS "status",
  p.birth_date AS "birth_date",
  p.email AS "email",
  p.mobile_phone AS "mobile_phone",
  p.home_phone AS "home_phone",
  p.work_phone AS "work_phone",
  p.guar_id AS "guar_id",
  p.privacy_flags AS "privacy_flags",
  p.last_visit_date AS "last_visit_date",
  r.recall_type AS "recall_type",
  r.due_date AS "due_date",
  CASE WHEN EXISTS (
    SELECT 1 FROM admin.v_appt a
    WHERE a.patient_id = p.patient_id
      AND COALESCE(a.broken, 0) = 0
      AND a.appointment_date >= ?
  ) THEN 1 ELSE 0 END AS "has_future_appt"
FROM admin.v_patient p
LEFT JOIN admin.v_patient_recall r ON r.patient_id = p.patient_id
WHERE r.due_date IS NOT NULL OR p.last_visit_date IS NOT NULL
ORDER BY p.patient_id, r.due_date, r.recall_type`;

/** What the preset's `?` markers take, in order. */
export const DENTRIX_G_RECALL_PARAMS = ['as-of date (YYYY-MM-DD)'] as const;

/** Preset queries by name (the source node uses dentrix-g-recall when its SQL is empty). */
export const ODBC_PRESETS: Readonly<Record<string, string>> = {
  [DENTRIX_G_RECALL_PRESET]: DENTRIX_G_RECALL_SQL,
};
