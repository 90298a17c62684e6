// Report templates: which header becomes which row key, which columns hold dates,
// and which lines between data rows are not data (group and footer lines).
// Row keys come only from a validated template, never from the file's header
// cells, so a header such as `__proto__` can never become an object key.

export interface TemplateColumn {
  /** the header text in the report (matched trimmed, case- and space-insensitive) */
  header: string;
  /** the key in the emitted row */
  key: string;
  /** emit as ISO `YYYY-MM-DD` when the cell holds a date */
  date?: boolean;
  /** header drift: a missing required header fails the file (default true) */
  required?: boolean;
}

export interface ExportTemplate {
  name: string;
  columns: TemplateColumn[];
  /** regular expressions tested on the first non-empty cell of a line: matching lines are skipped */
  skip: string[];
}

/** Group lines (`Provider: …`) and footers (`Total Patients: N`, `Page 1 of 1`) of Dentrix reports. */
export const DEFAULT_SKIP = [
  '^(Provider|Hygienist|Clinic|Billing Type|Continuing Care Type)\\s*:',
  '^Total\\s+(Patients|Records|Count)\\b',
  '^Page\\s+\\d+\\s+of\\s+\\d+',
  '^(Printed|Report Date|Date Printed)\\s*:',
];

/** The Dentrix Continuing Care report (docs/contracts.md). */
export const DENTRIX_CONTINUING_CARE: ExportTemplate = {
  name: 'dentrix-continuing-care',
  columns: [
    { header: 'Name', key: 'name' },
    { header: 'Chart #', key: 'chart' },
    { header: 'Home Phone', key: 'home_phone' },
    { header: 'Mobile Phone', key: 'mobile_phone' },
    { header: 'Email', key: 'email' },
    { header: 'Date', key: 'due_date', date: true },
    { header: 'Type', key: 'recall_type' },
    { header: 'Appt?', key: 'appt', date: true },
    { header: 'Status', key: 'cc_status' },
    { header: 'Prior Treat.', key: 'prior_treatment', date: true },
  ],
  skip: DEFAULT_SKIP,
};

export const PRESETS: Readonly<Record<string, ExportTemplate>> = Object.freeze({
  'dentrix-continuing-care': DENTRIX_CONTINUING_CARE,
});

const KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const RESERVED = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'];
const RESERVED_KEYS = new Set(RESERVED);

/** What the editor's template table needs from here (handed over as RED.settings.batchExportInTemplates). */
export const EDITOR_TEMPLATES = Object.freeze({
  /** the preset's columns, for "copy the preset" */
  presetColumns: DENTRIX_CONTINUING_CARE.columns,
  /** a column key: this pattern, and none of `reservedKeys` */
  keyPattern: KEY.source,
  reservedKeys: RESERVED,
});
const MAX_PATTERN = 200;

/** Header text as compared: trimmed, inner whitespace collapsed, lower case. */
export function headerKey(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * A custom template from the node's JSON setting: `{"columns":[{header,key,date?,required?}], "skip":[...]}`
 * or just the columns array. Throws with a message naming what is wrong.
 */
export function parseTemplate(json: string, name = 'custom'): ExportTemplate {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`custom template is not valid JSON: ${(err as Error).message}`);
  }
  const obj = Array.isArray(value) ? { columns: value } : value;
  if (!obj || typeof obj !== 'object') throw new Error('custom template must be an object with "columns"');
  const { columns, skip } = obj as { columns?: unknown; skip?: unknown };
  if (!Array.isArray(columns) || columns.length === 0) throw new Error('custom template needs a non-empty "columns" array');
  const template: ExportTemplate = {
    name,
    columns: columns.map((c, i) => column(c, i)),
    skip: skip === undefined ? DEFAULT_SKIP : patterns(skip),
  };
  validateTemplate(template);
  return template;
}

function column(c: unknown, i: number): TemplateColumn {
  if (!c || typeof c !== 'object') throw new Error(`custom template column ${i + 1} must be an object {header, key}`);
  const { header, key, date, required } = c as Record<string, unknown>;
  if (typeof header !== 'string' || header.trim() === '') throw new Error(`custom template column ${i + 1}: "header" must be non-empty text`);
  if (typeof key !== 'string') throw new Error(`custom template column ${i + 1} ("${header}"): "key" must be text`);
  if (date !== undefined && typeof date !== 'boolean') throw new Error(`custom template column "${header}": "date" must be true or false`);
  if (required !== undefined && typeof required !== 'boolean') throw new Error(`custom template column "${header}": "required" must be true or false`);
  return { header: header.trim(), key, date: date === true, required: required !== false };
}

function patterns(skip: unknown): string[] {
  if (!Array.isArray(skip) || skip.some((s) => typeof s !== 'string')) throw new Error('custom template "skip" must be an array of regular expressions (text)');
  return skip as string[];
}

/** Keys are safe identifiers, headers and keys unique, skip patterns compile. */
export function validateTemplate(t: ExportTemplate): void {
  const headers = new Set<string>();
  const keys = new Set<string>();
  for (const c of t.columns) {
    if (!KEY.test(c.key) || RESERVED_KEYS.has(c.key)) {
      throw new Error(`template "${t.name}": key "${c.key}" must be a letter then letters, digits or _ (and not a reserved name)`);
    }
    const h = headerKey(c.header);
    if (headers.has(h)) throw new Error(`template "${t.name}": header "${c.header}" appears twice`);
    if (keys.has(c.key)) throw new Error(`template "${t.name}": key "${c.key}" appears twice`);
    headers.add(h);
    keys.add(c.key);
  }
  for (const p of t.skip) {
    if (p.length > MAX_PATTERN) throw new Error(`template "${t.name}": skip pattern longer than ${MAX_PATTERN} characters`);
    try {
      new RegExp(p, 'i');
    } catch (err) {
      throw new Error(`template "${t.name}": skip pattern /${p}/ is invalid: ${(err as Error).message}`);
    }
  }
}

/** The preset by name, or the custom template parsed from JSON. */
export function resolveTemplate(choice: string, customJson: string): ExportTemplate {
  if (choice === 'custom') return parseTemplate(customJson);
  const preset = Object.prototype.hasOwnProperty.call(PRESETS, choice) ? PRESETS[choice] : undefined;
  if (!preset) throw new Error(`unknown template "${choice}"; use ${Object.keys(PRESETS).join(', ')} or custom`);
  return preset;
}
