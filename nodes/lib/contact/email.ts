// E-mail addresses as every stage compares them: trimmed, lower-case, syntax-checked.
// The ground floor beside phone.ts (no other import of the pack).

// Pragmatic syntax check (RFC 5321 dot-atom local part, DNS host names, alphabetic TLD).
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const FIRST_ADDRESS = /[^;,\s]+/;

export function isValidEmail(email: string): boolean {
  const at = email.indexOf('@');
  return email.length <= 254 && (at < 0 ? email.length : at) <= 64 && EMAIL.test(email);
}

/**
 * An e-mail cell: trimmed, lower-cased, `mailto:` removed; of a list ("a@x.com; b@y.com")
 * the first address. `valid` false when it is not syntactically an address.
 */
export function normalizeEmail(value: unknown): { email: string; valid: boolean } | undefined {
  if (value === null || value === undefined || typeof value === 'boolean') return undefined;
  // the first address of a list: the first run of characters that are not separators
  const first = FIRST_ADDRESS.exec(String(value).trim().toLowerCase().replace(/^mailto:/, ''))?.[0];
  if (!first) return undefined;
  return { email: first, valid: isValidEmail(first) };
}
