// What a CRM stores it later exports to spreadsheets and shows in web pages: a text
// value starting with = + - @ (or a tab/CR) is a formula to Excel and Sheets, and
// markup renders. Every free-text value of the payload is neutralized and capped
// before it leaves; phone and e-mail are checked against their strict shapes instead
// (an E.164 phone must start with "+", so it is validated, never prefixed).

/** Longest text value sent (names, recall types, allow-listed extras). */
export const MAX_TEXT = 100;
const MAX_EMAIL = 254;
const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/;
const FORMULA_START = /^[=+\-@\t\r]/;
/** markup and control characters, dropped from free text */
const DROPPED = /[<>\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const DROPPED_ALL = new RegExp(DROPPED.source, 'g');

/** A text value safe for spreadsheets and HTML: markup characters dropped, a formula start quoted, capped. */
export function neutralizeText(value: string, max = MAX_TEXT): string {
  // most values need nothing: test once, and build new strings only for the others
  let v = DROPPED.test(value) ? value.replace(DROPPED_ALL, '') : value;
  if (FORMULA_START.test(v)) v = `'${v}`;
  return v.length > max ? v.slice(0, max) : v;
}

/** An E.164 phone as is, else null (never a formula, never free text). */
export function safePhone(v: unknown): string | null {
  return typeof v === 'string' && E164.test(v) ? v : null;
}

/** A plain lower-case address whose first character a spreadsheet reads as text, else null. */
export function safeEmail(v: unknown): string | null {
  return typeof v === 'string' && v.length <= MAX_EMAIL && EMAIL.test(v) && !FORMULA_START.test(v) ? v : null;
}

/** Fields that are checked by shape, not neutralized. */
const SHAPED = new Set(['phone', 'email']);
/** Fields the connector itself builds from fixed vocabularies or hex (left as they are). */
const OWN = new Set(['schema', 'contactKey', 'segment', 'dueDate', 'source', 'channels']);

function deep(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return neutralizeText(v);
  if (Array.isArray(v)) return depth > 4 ? [] : v.slice(0, 50).map((x) => deep(x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      out[k] = k === 'phone' ? safePhone(x) : k === 'email' ? safeEmail(x) : deep(x, depth + 1);
    }
    return out;
  }
  return v;
}

/** Lists the payload builder made for this payload alone: kept as they are when no value in them changes. */
const BUILT_LISTS = new Set(['tags', 'household', 'otherRecalls']);

/** deep() for a list the builder made: the same list when it is empty or its texts need no change (most payloads). */
function builtList(v: unknown): unknown {
  const asIs = Array.isArray(v) && v.length <= 50 && v.every((x) => typeof x === 'string' && neutralizeText(x) === x);
  return asIs ? v : deep(v, 0);
}

/**
 * Every free-text value of a payload the builder has just made neutralized and capped,
 * phone and e-mail shape-checked, in place (the payload is the sink's own, and a second
 * object per contact was a fifth of what the dry-run allocated). Values the office
 * allow-listed are replaced by copies, the builder's own text lists only when a value in
 * them changes: no object or list of the contact is ever changed.
 */
export function neutralizePayload<T extends Record<string, unknown>>(payload: T): T {
  const p = payload as Record<string, unknown>;
  // own keys without a list of them per payload
  for (const k in p) {
    if (!Object.prototype.hasOwnProperty.call(p, k)) continue;
    const v = p[k];
    if (SHAPED.has(k)) p[k] = k === 'phone' ? (v === null ? null : safePhone(v)) : v === null ? null : safeEmail(v);
    else if (BUILT_LISTS.has(k)) p[k] = builtList(v);
    else if (!OWN.has(k)) p[k] = deep(v, 0);
  }
  return payload;
}
