// Health-check ping addresses (healthchecks.io style: `<url>` on success,
// `<url>/fail` on failure), built from HEALTHCHECK_URL. Unset means "no ping".
// The ping carries the run summary out of the office: https only (plain http to this
// machine only); the URL is a secret of its own (it lets anyone report for the
// office), so errors do not repeat it.
import { isLoopbackHost } from '../net/url';

/**
 * What the ping message asks of Node-RED's http request node (msg.requestTimeout,
 * msg.followRedirects): a short deadline for the whole request, and no redirect (a
 * redirect could take the summary to plain http or elsewhere, unchecked).
 */
export const PING_TIMEOUT_MS = 10_000;

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
    throw new Error('HEALTHCHECK_URL is not a URL (it must start with https://)');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new Error(`HEALTHCHECK_URL must be https (plain http only to this machine), got "${url.protocol}//${url.hostname}"`);
  }
  if (url.username || url.password) throw new Error('HEALTHCHECK_URL must not hold a user name or password');
  if (kind === 'fail') url.pathname = `${url.pathname.replace(/\/+$/, '')}/fail`;
  return url.toString();
}
