// The one builder of a planned request: a JSON POST carrying its Idempotency-Key, and
// for a batch the split that finds the contact a refused batch was refused for.
import { createHash } from 'node:crypto';
import type { Item, PlannedRequest } from './presets';

const JSON_HEADERS: Readonly<Record<string, string>> = { 'Content-Type': 'application/json', Accept: 'application/json' };

/** What a preset says about one request; `headers` are its own, beside JSON's and the Idempotency-Key. */
export type RequestParts = Omit<PlannedRequest, 'method' | 'headers' | 'split'> & { headers?: Record<string, string> };

/**
 * A batch's Idempotency-Key: SHA-256 of its contact keys in order, so a retried
 * request repeats the key and a different set of contacts never shares it.
 */
export function batchKey(keys: readonly string[]): string {
  return 'batch-' + createHash('sha256').update(keys.join('\n')).digest('hex');
}

export function postJson({ headers, ...parts }: RequestParts): PlannedRequest {
  return { ...parts, method: 'POST', headers: { ...JSON_HEADERS, ...headers, 'Idempotency-Key': parts.idempotencyKey } };
}

/**
 * One request for a batch of `parts` (contacts, or a preset's inputs for them). A refused
 * batch splits in halves, each built the same way, until the one at fault stands alone.
 */
export function batchRequest<T>(parts: readonly T[], build: (parts: readonly T[]) => RequestParts): PlannedRequest {
  const req = postJson(build(parts));
  if (parts.length > 1) {
    const mid = Math.ceil(parts.length / 2);
    req.split = () => [batchRequest(parts.slice(0, mid), build), batchRequest(parts.slice(mid), build)];
  }
  return req;
}

/** The items' keys, in order. */
export const keysOf = (items: readonly Item[]): string[] => items.map((i) => i.key);
