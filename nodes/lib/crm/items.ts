// msg.payload as the sink's items: each recall contact with its idempotency key, its
// CRM payload (allow-listed, neutralized) and the channels the CRM must not use.
import type { Channel, RecallContact } from '../types';
import { contactKey, recallKey, type Hmac } from '../ledger/keys';
import { neutralizePayload } from './neutralize';
import { buildPayload, type AllowableField } from './payload';
import type { Item } from './presets';

export interface Items {
  /** each with its position in the input */
  items: Item[];
  /** the first entry that is not a recall contact, -1 when all are */
  bad: number;
}

export function isContact(x: unknown): x is RecallContact {
  const c = x as RecallContact;
  return !!c && typeof c === 'object' && typeof c.patientId === 'string' && c.patientId !== '' && typeof c.office === 'string';
}

/**
 * The contacts of `input`, in order. A contact without a key (it did not pass a gate)
 * gets its recall key in a dry-run; outside one it stays keyless and the run refuses it.
 */
export function toItems(input: readonly unknown[], allow: readonly AllowableField[], hmac: Hmac, dryRun: boolean): Items {
  const items: Item[] = [];
  let bad = -1;
  input.forEach((raw, at) => {
    if (!isContact(raw)) {
      if (bad < 0) bad = at;
      return;
    }
    const key = raw.key || (dryRun ? recallKey(hmac, raw) : '');
    const payload = neutralizePayload(buildPayload(raw, contactKey(hmac, raw), allow));
    items.push({ key, patientId: raw.patientId, at, payload, blocked: blockedChannels(raw) });
  });
  return { items, bad };
}

/**
 * The channels the CRM must be told not to use: those consent dropped with a reason,
 * and any other that is off although the patient has the address (fail safe). A channel
 * off for want of an address says nothing about consent and is left alone.
 */
export function blockedChannels(c: RecallContact): Item['blocked'] {
  const out: Item['blocked'] = [];
  for (const channel of ['sms', 'voice', 'email'] as Channel[]) {
    if (c.channels?.[channel] === true) continue;
    const reason = c.channelReasons?.[channel];
    const hasAddress = channel === 'email' ? !!c.email : !!c.phone;
    if (reason || hasAddress) out.push({ channel, reason: reason ?? 'not consented' });
  }
  return out;
}
