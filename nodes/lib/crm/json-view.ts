// Copies of request bodies for the dry-run output, without the JSON text: a dry-run
// describes 70k requests per 100k rows, and each must read as the CRM would parse it.

/** True when `v` is plain JSON data that reads back unchanged (shown as is, or cloned as is). */
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
  // own keys without a list of them (a list per object was a tenth of the dry-run's garbage)
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    if (k === '__proto__' || !isPlain((v as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}

/** `v` itself when it is plain JSON data, else what JSON would make of it. */
export function jsonView(v: unknown): unknown {
  return isPlain(v, 0) ? v : JSON.parse(JSON.stringify(v));
}

/**
 * JSON.parse(JSON.stringify(v)) without the text, sharing no object with `v`: plain
 * JSON data is copied as it is (it reads back unchanged), anything else (undefined,
 * Date, NaN, -0, ...) takes the round trip, so the result is the same either way.
 */
export function jsonCopy(v: unknown): unknown {
  return isPlain(v, 0) ? clonePlain(v) : JSON.parse(JSON.stringify(v));
}

/** A deep copy of data isPlain accepted: arrays by index, objects by own keys. */
function clonePlain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clonePlain);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = clonePlain((v as Record<string, unknown>)[k]);
  return out;
}
