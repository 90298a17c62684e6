// The office's time zone: which calendar day (and wall-clock time) an instant falls
// on there, and back. Every node that needs "today", reads a timestamp or schedules
// a run at office time asks here, so that they agree.

export interface Wall {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    format(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone setting checked ('' = the machine's own zone); throws naming the setting. */
export function checkTimeZone(timeZone: string): string {
  const zone = timeZone.trim();
  if (zone && !isValidTimeZone(zone)) throw new Error(`setting "time zone": "${zone}" is not an IANA time zone name (like America/Denver)`);
  return zone;
}

export function machineZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The zone to use: the setting, else the machine's own; throws naming an unknown zone. */
export function resolveZone(setting: string): string {
  return checkTimeZone(setting) || machineZone();
}

/** The calendar date (`YYYY-MM-DD`) of an instant in an IANA zone ('' = the machine's). */
export function dateInZone(instant: Date, timeZone: string): string {
  const w = wallAt(instant.getTime(), resolveZone(timeZone));
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

export function wallAt(instant: number, timeZone: string): Wall {
  const parts = format(timeZone).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

function wallMs(w: Wall): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** How far the zone's clock is ahead of UTC at an instant (ms). */
function offsetAt(instant: number, timeZone: string): number {
  return wallMs(wallAt(instant, timeZone)) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time happens in the zone. A time the clock skips (spring
 * forward) maps to the same distance after the jump (02:30 → 03:30); a time that
 * happens twice (fall back) maps to the first time.
 */
export function instantOf(w: Wall, timeZone: string): number {
  const local = wallMs(w);
  const candidates = new Set<number>();
  for (const probe of [local - 86_400_000, local, local + 86_400_000]) candidates.add(local - offsetAt(probe, timeZone));
  const exact = [...candidates].filter((t) => wallMs(wallAt(t, timeZone)) === local).sort((a, b) => a - b);
  if (exact.length) return exact[0];
  // in a gap: use the offset from before the jump
  return local - offsetAt(local - 86_400_000, timeZone);
}

