// Names and free text from source cells, as the RecallContact wants them.

/** whitespace other than one space between words: what cleanText changes */
const UNCLEAN = /[^\S ]| {2}|^ | $/;

/** The text of a cell with runs of whitespace made one space and the ends trimmed. */
export function cleanText(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  // most cells are clean already: one test instead of a replace and a trim
  return UNCLEAN.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
}

/** "Last, First" (Dentrix reports) or "First Last"; words are kept as written. */
export function parseName(value: unknown): { firstName: string; lastName: string } {
  const text = cleanText(value);
  const comma = text.indexOf(',');
  if (comma >= 0) return { lastName: text.slice(0, comma).trim(), firstName: text.slice(comma + 1).trim() };
  const space = text.lastIndexOf(' ');
  if (space < 0) return { firstName: '', lastName: text };
  return { firstName: text.slice(0, space).trim(), lastName: text.slice(space + 1).trim() };
}
