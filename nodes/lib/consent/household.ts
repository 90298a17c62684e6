// One message per household (SPEC §3). Two contacts are one household when they have
// the same householdId (guarantor); a contact WITHOUT householdId joins another that
// shares its valid phone or e-mail. Two different householdIds are never merged, even
// when they share a phone ("same householdId, else same phone or e-mail").
// The member kept is the oldest: earliest birth date; members without a birth date
// come after those with one; then the household head (patientId = householdId);
// then the first in the batch. Rows of the same patient (several recall types) are
// one member: the first row is kept, the others are not listed in `household`.
import type { HouseholdMember, RecallContact } from '../types';
import { isValidE164 } from '../contact/phone';

export interface Folded {
  contact: RecallContact;
  /** index (in the input) of the member kept for this one's household; undefined when kept */
  keptBy?: number;
  /** how it is linked to the kept member (for the detail text) */
  link?: string;
}

class Sets {
  private parent: number[];
  private hh: (string | undefined)[];
  constructor(n: number, hh: (string | undefined)[]) {
    this.parent = Array.from({ length: n }, (_, i) => i);
    this.hh = [...hh];
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]];
      i = this.parent[i];
    }
    return i;
  }
  /** joins unless that would put two different householdIds in one set */
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    const ha = this.hh[ra];
    const hb = this.hh[rb];
    if (ha !== undefined && hb !== undefined && ha !== hb) return;
    const [root, child] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent[child] = root;
    this.hh[root] = ha ?? hb;
  }
}

function householdKey(c: RecallContact): string | undefined {
  return c.householdId ? `${c.office}|${c.householdId}` : undefined;
}

/** Sort key: lower is kept first. */
function older(a: { c: RecallContact; i: number }, b: { c: RecallContact; i: number }): number {
  const ba = a.c.birthDate;
  const bb = b.c.birthDate;
  if (ba && bb && ba !== bb) return ba < bb ? -1 : 1;
  if (ba && !bb) return -1;
  if (!ba && bb) return 1;
  const ha = a.c.householdId !== undefined && a.c.householdId === a.c.patientId;
  const hb = b.c.householdId !== undefined && b.c.householdId === b.c.patientId;
  if (ha !== hb) return ha ? -1 : 1;
  return a.i - b.i;
}

function linkText(kept: RecallContact, c: RecallContact): string {
  if (kept.householdId && kept.householdId === c.householdId) return 'same household id';
  if (kept.phone && kept.phone === c.phone) return 'same phone';
  if (kept.email && kept.email === c.email) return 'same e-mail';
  return 'linked through another member';
}

/** `validPhone` defaults to isValidE164; consent passes its per-run memo of it. */
export function foldHouseholds(contacts: readonly RecallContact[], validPhone: (phone: string) => boolean = isValidE164): Folded[] {
  const sets = new Sets(contacts.length, contacts.map(householdKey));
  const first = new Map<string, number>();
  const link = (key: string, i: number) => {
    const j = first.get(key);
    if (j === undefined) first.set(key, i);
    else sets.union(j, i);
  };
  contacts.forEach((c, i) => {
    const hk = householdKey(c);
    if (hk) link(`h:${hk}`, i);
  });
  contacts.forEach((c, i) => {
    if (c.phone && validPhone(c.phone)) link(`p:${c.office}|${c.phone}`, i);
    if (c.email) link(`e:${c.office}|${c.email}`, i);
  });

  const groups = new Map<number, number[]>();
  contacts.forEach((_, i) => {
    const r = sets.find(i);
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  });

  const out: Folded[] = contacts.map((contact) => ({ contact }));
  for (const members of groups.values()) {
    if (members.length === 1) continue;
    const keptIndex = members.map((i) => ({ c: contacts[i], i })).sort(older)[0].i;
    const kept = contacts[keptIndex];
    const listed = new Set<string>([kept.patientId, ...(kept.household ?? []).map((h) => h.patientId)]);
    const household: HouseholdMember[] = [...(kept.household ?? [])];
    for (const i of members) {
      if (i === keptIndex) continue;
      const c = contacts[i];
      out[i] = { contact: c, keptBy: keptIndex, link: linkText(kept, c) };
      if (!listed.has(c.patientId)) {
        listed.add(c.patientId);
        household.push({ patientId: c.patientId, firstName: c.firstName });
      }
    }
    out[keptIndex] = { contact: household.length > 0 ? { ...kept, household } : kept };
  }
  return out;
}
