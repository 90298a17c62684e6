// One message per patient and per household, over time. Two folds, decided per run and
// only among rows the ledger would still let through in this run (`held` says which it
// would not: key already sent, failed, or leased by another run). A row held back takes
// no part: it goes on unchanged (the gate holds it), so a row or member contacted for
// its current due date never hides another row's or member's new recall.
//  1. one patient, several recall rows: the most urgent row is kept (due-now, overdue,
//     due-soon, lapsed; then the earliest due date; then the first row); the others leave
//     as `duplicate-recall` and are listed on it as `otherRecalls`.
//  2. one household: the same householdId (guarantor); a contact WITHOUT householdId joins
//     another that shares its valid phone or e-mail. Two different householdIds are never
//     merged. The member kept is the oldest: earliest birth date; members without a birth
//     date after those with one; then the household head (patientId = householdId); then
//     the first row. The others leave as `duplicate-household`; their rows (and their own
//     other rows) are listed on the kept contact as `household`.
// Every listed row is covered by the contact that carries it: the gate reserves its key
// with the carrier's and the ledger marks it sent when the carrier is delivered.
import type { CoveredRecall, RecallContact, Segment } from '../types';
import { isValidE164 } from '../contact/phone';

export interface FoldOptions {
  /** true when the ledger would hold this row back in this run; default: none is */
  held?: (c: RecallContact) => boolean;
  /** defaults to isValidE164; consent passes its per-run memo of it */
  validPhone?: (phone: string) => boolean;
}

export interface Folded {
  contact: RecallContact;
  /** set when the row leaves: why, and the input index of the contact that carries it */
  reason?: 'duplicate-recall' | 'duplicate-household';
  carriedBy?: number;
  /** words for the detail text */
  link?: string;
}

const URGENCY: Record<Segment, number> = { 'due-now': 0, overdue: 1, 'due-soon': 2, lapsed: 3 };

/** Sort key of one patient's rows: lower is kept first. */
function moreUrgent(a: { c: RecallContact; i: number }, b: { c: RecallContact; i: number }): number {
  const ua = URGENCY[a.c.segment] ?? 9;
  const ub = URGENCY[b.c.segment] ?? 9;
  if (ua !== ub) return ua - ub;
  const da = a.c.dueDate;
  const db = b.c.dueDate;
  if (da && db && da !== db) return da < db ? -1 : 1;
  if (da && !db) return -1;
  if (!da && db) return 1;
  return a.i - b.i;
}

/** Sort key of a household's members: lower is kept first. */
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

/** Households as disjoint sets of kept rows; a set never holds two different householdIds. */
class Sets {
  private readonly parent: Int32Array;
  /** per root: a member with a householdId (-1: none), whose id is the set's */
  private readonly idRow: Int32Array;
  constructor(n: number, hasId: (k: number) => boolean, private readonly sameId: (a: number, b: number) => boolean) {
    this.parent = new Int32Array(n);
    this.idRow = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      this.parent[k] = k;
      this.idRow[k] = hasId(k) ? k : -1;
    }
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
    const ha = this.idRow[ra];
    const hb = this.idRow[rb];
    if (ha >= 0 && hb >= 0 && !this.sameId(ha, hb)) return;
    const [root, child] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent[child] = root;
    this.idRow[root] = ha >= 0 ? ha : hb;
  }
}

/**
 * Row numbers by office and value, the first one seen of each: no key text is built per
 * row (a run of 100k rows made 300k of them), and an office can never run into a value.
 */
class FirstSeen {
  private readonly byOffice = new Map<string, Map<string, number>>();
  /** the office asked last and its values: a run is mostly one office, asked row after row */
  private lastOffice: string | undefined;
  private lastValues: Map<string, number> | undefined;
  /** the first row seen with this value, or undefined after recording `k` as the first */
  take(office: string, value: string, k: number): number | undefined {
    let values = office === this.lastOffice ? this.lastValues : this.byOffice.get(office);
    if (!values) this.byOffice.set(office, (values = new Map()));
    this.lastOffice = office;
    this.lastValues = values;
    const first = values.get(value);
    if (first === undefined) values.set(value, k);
    return first;
  }
}

function linkText(kept: RecallContact, c: RecallContact): string {
  if (kept.householdId && kept.householdId === c.householdId) return 'same household id';
  if (kept.phone && kept.phone === c.phone) return 'same phone';
  if (kept.email && kept.email === c.email) return 'same e-mail';
  return 'linked through another member';
}

/** The listed form of a row: what the key and the CRM need, nothing else. */
export function coveredRow(c: RecallContact): CoveredRecall {
  const r: CoveredRecall = { patientId: c.patientId, firstName: c.firstName, segment: c.segment };
  if (c.recallType !== undefined) r.recallType = c.recallType;
  if (c.dueDate !== undefined) r.dueDate = c.dueDate;
  if (c.lastVisit !== undefined) r.lastVisit = c.lastVisit;
  return r;
}

/** Folds one run's contactable rows; one entry per input, in input order. */
export function foldRun(contacts: readonly RecallContact[], opts: FoldOptions = {}): Folded[] {
  const held = opts.held ?? (() => false);
  const validPhone = opts.validPhone ?? isValidE164;
  const out: Folded[] = contacts.map((contact) => ({ contact }));
  const open = contacts.map((_, i) => i).filter((i) => !held(contacts[i]));

  // 1. one patient's rows: the most urgent one stays (most patients have one row: nothing to sort or carry)
  const patients = new FirstSeen();
  const firsts: number[] = [];
  const rowsOf = new Map<number, number[]>();
  open.forEach((i) => {
    const first = patients.take(contacts[i].office, contacts[i].patientId, i);
    if (first === undefined) return void firsts.push(i);
    const rows = rowsOf.get(first);
    if (rows) rows.push(i);
    else rowsOf.set(first, [first, i]);
  });
  const others = new Map<number, number[]>();
  const kept: number[] = [];
  for (const i of firsts) {
    const rows = rowsOf.get(i);
    if (!rows) {
      kept.push(i);
      continue;
    }
    const sorted = rows.map((j) => ({ c: contacts[j], i: j })).sort(moreUrgent);
    const winner = sorted[0];
    kept.push(winner.i);
    others.set(winner.i, sorted.slice(1).map((r) => r.i));
    for (const r of sorted.slice(1)) out[r.i] = { contact: r.c, reason: 'duplicate-recall', carriedBy: winner.i, link: 'same patient' };
  }
  kept.sort((a, b) => a - b);

  // 2. one household among the patients still open
  const row = (k: number) => contacts[kept[k]];
  const sets = new Sets(kept.length, (k) => !!row(k).householdId, (a, b) => row(a).office === row(b).office && row(a).householdId === row(b).householdId);
  const households = new FirstSeen();
  const phones = new FirstSeen();
  const emails = new FirstSeen();
  const link = (seen: FirstSeen, value: string, k: number) => {
    const j = seen.take(row(k).office, value, k);
    if (j !== undefined) sets.union(j, k);
  };
  let withoutId = false;
  for (let k = 0; k < kept.length; k++) {
    const id = row(k).householdId;
    if (id) link(households, id, k);
    else withoutId = true;
  }
  // a shared phone or e-mail joins a row only to a set without a householdId or with its
  // own (already joined above): when every row has one (Dentrix gives every patient a
  // guarantor) no link could change anything, and the two maps of a run are not built
  if (withoutId) {
    for (let k = 0; k < kept.length; k++) {
      const c = row(k);
      if (c.phone && validPhone(c.phone)) link(phones, c.phone, k);
      if (c.email) link(emails, c.email, k);
    }
  }

  // the members of each household of two or more; a patient alone only when it carries its own rows
  const membersOf = new Map<number, number[]>();
  const roots = Int32Array.from(kept, (_, k) => sets.find(k));
  const size = new Int32Array(kept.length);
  for (const r of roots) size[r]++;
  roots.forEach((r, k) => {
    if (size[r] === 1 && !others.get(kept[k])?.length) return;
    const members = membersOf.get(r);
    if (members) members.push(k);
    else membersOf.set(r, [k]);
  });

  for (const members of membersOf.values()) {
    const sorted = members.map((k) => ({ c: contacts[kept[k]], i: kept[k] })).sort(older);
    const carrier = sorted[0];
    const c = carrier.c;
    const ownOthers = (others.get(carrier.i) ?? []).map((i) => coveredRow(contacts[i]));
    const household: CoveredRecall[] = [];
    for (const m of sorted.slice(1).sort((a, b) => a.i - b.i)) {
      out[m.i] = { contact: m.c, reason: 'duplicate-household', carriedBy: carrier.i, link: linkText(c, m.c) };
      household.push(coveredRow(m.c));
      for (const j of others.get(m.i) ?? []) {
        out[j] = { ...out[j], carriedBy: carrier.i };
        household.push(coveredRow(contacts[j]));
      }
    }
    if (ownOthers.length === 0 && household.length === 0) continue;
    const next: RecallContact = { ...c };
    if (ownOthers.length > 0) next.otherRecalls = [...(c.otherRecalls ?? []), ...ownOthers];
    if (household.length > 0) next.household = [...(c.household ?? []), ...household];
    out[carrier.i] = { contact: next };
  }
  return out;
}
