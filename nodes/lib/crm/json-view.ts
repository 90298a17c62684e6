// Copies of request bodies for the dry-run output, without the JSON text: a dry-run
// describes 70k requests per 100k rows, and each must read as the CRM would parse it.

const NOT_PLAIN = Symbol('not plain JSON data');

/** A copy of plain JSON data (what JSON.parse would build), else NOT_PLAIN. */
function plainCopy(v: unknown, depth: number): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return !Number.isFinite(v) ? NOT_PLAIN : v === 0 ? 0 : v; // -0 reads back as 0
  if (typeof v !== 'object' || depth > 32) return NOT_PLAIN;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return NOT_PLAIN;
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) return NOT_PLAIN;
      const c = plainCopy(v[i], depth + 1);
      if (c === NOT_PLAIN) return NOT_PLAIN;
      out.push(c);
    }
    return out;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype || 'toJSON' in v) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    if (k === '__proto__') return NOT_PLAIN;
    const c = plainCopy((v as Record<string, unknown>)[k], depth + 1);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    out[k] = c;
  }
  return out;
}

/**
 * JSON.parse(JSON.stringify(v)) without the text: a dry-run describes 70k requests
 * per 100k rows. Anything not plain JSON data (undefined, Date, NaN, ...) takes the
 * round trip, so the result is the same either way.
 */
export function jsonCopy(v: unknown): unknown {
  const c = plainCopy(v, 0);
  return c === NOT_PLAIN ? JSON.parse(JSON.stringify(v)) : c;
}

/** True when `v` is plain JSON data that reads back unchanged (what plainCopy copies as is). */
function isPlain(v: unknown, depth: number): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (typeof v !== 'object' || depth > 32) return false;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return false;
    for (let i = 0; i < v.length; i++) if (!(i in v) || !isPlain(v[i], depth + 1)) return false;
    return true;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype || 'toJSON' in v) return false;
  for (const k of Object.keys(v)) if (k === '__proto__' || !isPlain((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/** `v` itself when it is plain JSON data, else what JSON would make of it (jsonCopy). */
export function jsonView(v: unknown): unknown {
  return isPlain(v, 0) ? v : JSON.parse(JSON.stringify(v));
}
