// The office's time zone: which calendar day an instant falls on there. Every node
// that needs "today" or reads a timestamp asks here, so that they agree.

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
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
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The calendar date (`YYYY-MM-DD`) of an instant in an IANA zone ('' = the machine's). */
export function dateInZone(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: checkTimeZone(timeZone) || undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
