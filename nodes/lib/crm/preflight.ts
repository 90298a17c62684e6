// What a live run checks before it sends anything: every entry is a reserved contact,
// and the endpoint can take requests. Each problem refuses the whole batch.
import type { Item } from './presets';
import { presetUrl, type EndpointConfig } from './presets';
import { signingKey } from './signing';
import { checkCrmUrl } from '../net/url';

/** Why the batch cannot be sent (`bad`: the first entry that is not a contact, -1 when none), or undefined. */
export function batchProblem(items: readonly Item[], bad: number): string | undefined {
  if (bad >= 0) return `msg.payload[${bad}] is not a recall contact (no office or patientId); nothing was sent`;
  const keyless = items.filter((i) => !i.key).length;
  if (keyless) return `${keyless} contacts have no idempotency key: put idempotency-gate (reserve) before the CRM sink; nothing was sent`;
  return undefined;
}

/**
 * Throws when the endpoint cannot take any run: no GoHighLevel location, an unsafe URL
 * (an unset one is fine for a dry-run), a bad signing secret. crm-endpoint checks it at
 * deploy; a live run checks it again, with the URL required.
 */
export function checkEndpoint(ep: EndpointConfig): void {
  if (ep.signingSecret) signingKey(ep.signingSecret);
  if (ep.preset === 'gohighlevel' && !ep.locationId) {
    throw new Error('GoHighLevel needs its Location ID (the sub-account id, or ${GHL_LOCATION_ID}): every request would be refused');
  }
  const url = presetUrl(ep);
  if (url) checkCrmUrl(url, ep.allowPlainHttp, 'CRM endpoint URL');
}

/** Throws when the endpoint cannot take a live run: checkEndpoint, and no URL. */
export function checkLiveEndpoint(ep: EndpointConfig): void {
  if (!presetUrl(ep)) throw new Error('CRM endpoint: no URL set (CRM_WEBHOOK_URL)');
  checkEndpoint(ep);
}
