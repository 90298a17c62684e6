// A small in-memory SuppressionIndex for unit tests of the consent rules: a real
// implementation of the interface (keyed hashes), not canned answers. Like the SQLite
// ledger it keeps one reason per (value, channel), the latest one added.
import { createHmac } from 'node:crypto';
import type { SuppressionEntry, SuppressionHit, SuppressionIndex } from '../../nodes/lib/ledger/api';

export class MemorySuppressions implements SuppressionIndex {
  private readonly map = new Map<string, SuppressionHit[]>();
  constructor(entries: readonly SuppressionEntry[] = [], private readonly secret = 'test-secret') {
    for (const e of entries) this.add(e);
  }
  private hash(value: string): string {
    return createHmac('sha256', this.secret).update(`suppress|${value}`).digest('hex');
  }
  add(e: SuppressionEntry): void {
    const h = this.hash(e.value);
    const hits = (this.map.get(h) ?? []).filter((x) => x.channel !== e.channel);
    hits.push({ channel: e.channel, reason: e.reason });
    this.map.set(h, hits);
  }
  lookup(value: string): SuppressionHit[] {
    return value ? [...(this.map.get(this.hash(value)) ?? [])] : [];
  }
  /** (value, channel) entries, as the ledger counts them */
  get size(): number {
    let n = 0;
    for (const hits of this.map.values()) n += hits.length;
    return n;
  }
  /** no clear values are kept: only hashes */
  keys(): string[] {
    return [...this.map.keys()];
  }
}
