// Standard Webhooks signatures (https://www.standardwebhooks.com/):
// webhook-signature = "v1," + base64(HMAC-SHA256(secret bytes, `${id}.${timestamp}.${body}`)).
import { createHmac } from 'node:crypto';

/** Secret bytes: `whsec_<base64>` as the spec issues them, otherwise the raw text (UTF-8). */
export function signingKey(secret: string): Buffer {
  if (secret.startsWith('whsec_')) {
    const b64 = secret.slice('whsec_'.length);
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length === 0 || bytes.toString('base64').replace(/=+$/, '') !== b64.replace(/=+$/, '')) {
      throw new Error('signing secret: "whsec_" must be followed by base64 bytes');
    }
    return bytes;
  }
  if (secret.length === 0) throw new Error('signing secret is empty');
  return Buffer.from(secret, 'utf8');
}

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** Headers for one attempt; `timestampSec` is the attempt's time (receivers reject stale ones). */
export function signatureHeaders(key: Buffer, id: string, timestampSec: number, body: string): SignatureHeaders {
  const ts = String(Math.floor(timestampSec));
  const mac = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1,${mac}` };
}
