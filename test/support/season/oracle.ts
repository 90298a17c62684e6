// The season's judge, written apart from the pack: its own reading of the rows, its own
// segment windows, its own idea of who may be reached. Nothing from nodes/lib is imported.
// What it checks across the season:
//  - missed: a (patient, segment, due date) due in a run and not reached by the end of it
//    (reached = the addressee of a message, or a row listed on one: household, otherRecalls);
//  - suppressed: a message on a channel the feed suppressed before that run;
//  - repeats: a (patient, segment, due date) reached by two messages;
//  - same-run duplicates: two messages to one phone or one e-mail in one run;
//  - appointment leaks: a message reaching a patient who had a future appointment.
import type { CrmRequest } from '../crm-server';
import { addDays, addMonths, keyedHash, type RawRow } from './office';

export interface SeasonFigures {
  runs: number;
  patients: number;
  messages: number;
  /** distinct (patient, segment, due date) that were due in some run */
  due: number;
  misses: number;
  suppressedSends: number;
  repeats: number;
  sameRunDuplicates: number;
  appointmentLeaks: number;
  /** one line per finding, for the failure message */
  findings: string[];
}

export interface JudgedWeek {
  asOf: string;
  rows: RawRow[];
  feed: { channel: string; value: string; reason: string }[];
  requests: CrmRequest[];
}

interface Body {
  contactKey: string;
  segment: string;
  dueDate: string | null;
  phone: string | null;
  email: string | null;
  channels: string[];
  household?: { firstName: string; segment?: string; dueDate?: string | null }[];
  otherRecalls?: { segment: string; dueDate: string | null }[];
}

/** The office's segment rule, restated: windows of 30 days around today, lapsed after 18 months. */
export function segmentOf(due: string, asOf: string): string | undefined {
  if (due > addDays(asOf, 30)) return undefined;
  if (due > asOf) return 'due-soon';
  if (due >= addDays(asOf, -30)) return 'due-now';
  if (due >= addMonths(asOf, -18)) return 'overdue';
  return 'lapsed';
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v).trim());

/** Judges a season; `office` and `secret` give the CRM's contactKey of each chart number. */
export function judgeSeason(weeks: readonly JudgedWeek[], office: string, secret: string): SeasonFigures {
  const f: SeasonFigures = { runs: weeks.length, patients: 0, messages: 0, due: 0, misses: 0, suppressedSends: 0, repeats: 0, sameRunDuplicates: 0, appointmentLeaks: 0, findings: [] };
  const reachedAt = new Map<string, number>(); // triple -> first week reached
  const timesReached = new Map<string, number>();
  const dueTriples = new Set<string>();
  const missed = new Set<string>();
  const patients = new Set<string>();

  weeks.forEach((wk, w) => {
    const rowsOf = new Map<string, RawRow[]>();
    for (const r of wk.rows) {
      const id = text(r.patient_id);
      patients.add(id);
      rowsOf.set(id, [...(rowsOf.get(id) ?? []), r]);
    }
    const byKey = new Map([...rowsOf.keys()].map((id) => [keyedHash(secret, office, id), id]));
    const byName = new Map([...rowsOf.entries()].map(([id, rows]) => [text(rows[0].first_name), id]));
    // the feed read fail-closed: a channel it does not name means every channel, a reason it does not name an opt-out
    const feed = wk.feed.map((e) => ({
      value: e.value,
      channel: ['sms', 'email', 'voice', 'all'].includes(e.channel) ? e.channel : 'all',
      reason: ['opted-out', 'bad-number', 'bounced-email'].includes(e.reason) ? e.reason : 'opted-out',
    }));
    const blocked = (value: string | null, channel: string) =>
      !!value && feed.some((e) => e.value === value && (e.channel === channel || e.channel === 'all' || (e.reason !== 'opted-out' && (channel === 'email') === value.includes('@'))));

    // what this run's messages reached
    const phones = new Map<string, number>();
    const emails = new Map<string, number>();
    for (const req of wk.requests) {
      const b = req.json as Body;
      f.messages++;
      const id = byKey.get(b.contactKey);
      if (!id) {
        f.findings.push(`week ${w}: a message to nobody on file (${b.contactKey.slice(0, 8)})`);
        continue;
      }
      if (b.phone) phones.set(b.phone, (phones.get(b.phone) ?? 0) + 1);
      if (b.email) emails.set(b.email, (emails.get(b.email) ?? 0) + 1);
      for (const ch of b.channels) {
        const value = ch === 'email' ? b.email : b.phone;
        if (blocked(value, ch)) {
          f.suppressedSends++;
          f.findings.push(`week ${w} (${wk.asOf}): ${ch} to ${id}, suppressed by the feed before the run`);
        }
      }
      const triples: [string, string, string][] = [[id, b.segment, b.dueDate ?? '']];
      for (const o of b.otherRecalls ?? []) triples.push([id, o.segment, o.dueDate ?? '']);
      for (const m of b.household ?? []) {
        const mid = byName.get(m.firstName);
        if (!mid) continue;
        if (m.segment) triples.push([mid, m.segment, m.dueDate ?? '']);
        else {
          // a listing without its row (older payloads): take it as covering every row of that member due now
          for (const r of rowsOf.get(mid) ?? []) {
            const s = segmentOf(text(r.due_date), wk.asOf);
            if (s) triples.push([mid, s, text(r.due_date)]);
          }
        }
      }
      const inMessage = new Set<string>();
      for (const [pid, seg, due] of triples) {
        const t = `${pid} ${seg} ${due}`;
        if (inMessage.has(t)) continue;
        inMessage.add(t);
        timesReached.set(t, (timesReached.get(t) ?? 0) + 1);
        if (!reachedAt.has(t)) reachedAt.set(t, w);
        else {
          f.repeats++;
          f.findings.push(`week ${w} (${wk.asOf}): ${t} reached again (first in week ${reachedAt.get(t)})`);
        }
        if ((rowsOf.get(pid) ?? []).some((r) => Number(r.has_future_appt) === 1)) {
          f.appointmentLeaks++;
          f.findings.push(`week ${w} (${wk.asOf}): ${pid} reached while booked`);
        }
      }
    }
    for (const [value, n] of [...phones, ...emails]) {
      if (n > 1) {
        f.sameRunDuplicates += n - 1;
        f.findings.push(`week ${w} (${wk.asOf}): ${n} messages to one ${value.includes('@') ? 'e-mail' : 'phone'}`);
      }
    }

    // what was due in this run and must have been reached by its end
    for (const [id, rows] of rowsOf) {
      const r0 = rows[0];
      if (text(r0.status) !== '1') continue;
      if (rows.some((r) => Number(r.has_future_appt) === 1)) continue;
      const phone = text(r0.mobile_phone) || text(r0.home_phone) || null;
      const email = text(r0.email) || null;
      const reachable = (!!phone && (!blocked(phone, 'voice') || !blocked(phone, 'sms'))) || (!!email && !blocked(email, 'email'));
      if (!reachable) continue;
      for (const r of rows) {
        const due = text(r.due_date);
        const seg = due ? segmentOf(due, wk.asOf) : undefined;
        if (!seg) continue;
        const t = `${id} ${seg} ${due}`;
        dueTriples.add(t);
        const at = reachedAt.get(t);
        if ((at === undefined || at > w) && !missed.has(t)) {
          missed.add(t);
          f.findings.push(`week ${w} (${wk.asOf}): ${t} (${text(r.recall_type)}) was due and not reached`);
        }
      }
    }
  });
  f.patients = patients.size;
  f.due = dueTriples.size;
  f.misses = missed.size;
  return f;
}

export function figuresLine(f: SeasonFigures): string {
  return `runs ${f.runs}, patients ${f.patients}, messages ${f.messages}, due ${f.due}, misses ${f.misses}, suppressed sends ${f.suppressedSends}, repeats ${f.repeats}, same-run duplicates ${f.sameRunDuplicates}, appointment leaks ${f.appointmentLeaks}`;
}
