// The as-of date bound into the preset query: the fixed RECALL_AS_OF when set, else
// today in the office's time zone. Bound as a parameter rather than CURRENT_DATE so
// that it is the office's day (not the database server's, nor UTC on SQLite), that a
// fixed as-of date gives the same answer as recall-normalize's segments, and that
// engines without CURRENT_DATE (older SQL Server) run the preset too.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

/** 'YYYY-MM-DD' of `now` in the IANA zone (the process's zone when empty). */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: timeZone || undefined, year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    throw new Error(`setting "time zone": "${timeZone}" is not an IANA time zone name (like America/Denver)`);
  }
  const parts = fmt.formatToParts(now);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The fixed date when given (checked), else today in the zone. */
export function asOfDate(fixed: string, timeZone: string, now: Date = new Date()): string {
  const f = fixed.trim();
  if (f !== '') {
    if (!isIsoDate(f)) throw new Error(`setting "as of" (RECALL_AS_OF): "${f}" is not a date (use YYYY-MM-DD)`);
    return f;
  }
  return todayIn(timeZone.trim(), now);
}
