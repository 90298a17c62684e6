// Where PHI may travel (the CRM sink's posts, the suppression pull): https anywhere,
// plain http only to this machine unless the office explicitly allows it (e.g. a CRM
// relay on the office LAN). The ground floor: no other import of the pack.

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  if (/^::ffff:127\.\d+\.\d+\.\d+$/.test(host)) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Checks a CRM URL before anything is sent to it; throws an error that names the
 * setting. Returns the parsed URL.
 */
export function checkCrmUrl(url: string, allowPlainHttp: boolean, setting = 'URL'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${setting}: "${url.replace(/[?#].*$/, '?[redacted]').replace(/\/\/[^/@]*@/, '//[redacted]@')}" is not a valid URL`);
  }
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol !== 'http:') throw new Error(`${setting}: only https:// (or http:// to this machine) is supported, got ${parsed.protocol}`);
  if (isLoopbackHost(parsed.hostname) || allowPlainHttp) return parsed;
  throw new Error(
    `${setting}: plain http:// to ${parsed.hostname} would send patient data unencrypted; use https://, or tick "allow plain http" for a trusted network`,
  );
}

/** The URL without user info or query string, for status text and summaries. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * The URL as a person may see it (dry-run output, errors): user info dropped, every
 * query value (`?api_key=...`) replaced by [redacted].
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const query = [...u.searchParams.keys()].map((k) => `${encodeURIComponent(k)}=[redacted]`).join('&');
    return `${u.protocol}//${u.host}${u.pathname}${query ? `?${query}` : ''}`;
  } catch {
    return '(unparseable URL)';
  }
}
