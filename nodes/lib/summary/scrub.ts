// Error text leaves the runtime (node status, the log, the health-check ping, the daily
// e-mail): a chart number (patient id) must not. An error reaching the run summary
// through a Catch node carries the batch it stopped: every patient id of that batch is
// masked in the text, wherever a node (or a driver, or a CRM's answer) put it.

export const MASK = '[chart #]';

/** Patient ids of a batch: RecallContact.patientId, or a raw row's chart / patientId. */
export function patientIds(payload: unknown): string[] {
  if (!Array.isArray(payload)) return [];
  const ids = new Set<string>();
  for (const item of payload) {
    if (!item || typeof item !== 'object') continue;
    const o = item as Record<string, unknown>;
    for (const k of ['patientId', 'chart']) {
      const v = o[k];
      if ((typeof v === 'string' || typeof v === 'number') && String(v).trim() !== '') ids.add(String(v).trim());
    }
  }
  return [...ids];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with each id masked where it stands as a whole word (so "12" in "120 rows" stays). */
export function scrubIds(text: string, ids: string[]): string {
  let out = text;
  // longest first: an id that contains another is masked whole
  for (const id of [...ids].sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(`(?<![\\w-])${escape(id)}(?![\\w-])`, 'g'), MASK);
  }
  return out;
}
