// Health-check ping addresses (healthchecks.io style: `<url>` on success,
// `<url>/fail` on failure), built from HEALTHCHECK_URL. Unset means "no ping".

export type PingKind = 'success' | 'fail';

/**
 * The URL to ping after a run, or null when no health check is configured.
 * Throws when the base is set but is not an http(s) URL, naming the setting.
 */
export function healthPingUrl(base: string, kind: PingKind): string | null {
  const text = base.trim();
  if (text === '') return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`HEALTHCHECK_URL is not a URL: "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`HEALTHCHECK_URL must be http or https, got "${url.protocol}"`);
  }
  if (kind === 'fail') url.pathname = `${url.pathname.replace(/\/+$/, '')}/fail`;
  return url.toString();
}
