// An independent count of what the recall brought in a season, from the CRM test
// server's requests, the rows each run read and the office's suppression feed; nothing
// from nodes/lib, nothing read from the ledger. Its rules, restated from docs/outcomes.md:
//  - a contact is a recall row (patient, segment, due date) a message the CRM accepted
//    was about: the addressee's row, and the rows it lists (household, otherRecalls),
//    each counted once, on the office date of the week that sent it;
//  - booked: the first later run that shows the patient with a future appointment, or
//    that recall type due after the contacted date; booked on that run's office date;
//  - opted out after contact / bounced: a feed entry served from a later week on a phone
//    (texted or called) or an e-mail (e-mailed) the message went to; an unknown channel
//    counts as all, an unknown reason as opted-out (the feed fails closed);
//  - windows: contacts of the last 30 / 90 days up to the last run's office date.
import type { CrmRequest } from '../crm-server';
import { keyedHash, type FeedEntry, type Office, type RawRow } from './office';

export interface CountedWeek {
  week: number;
  asOf: string;
  rows: RawRow[];
  requests: CrmRequest[];
}

export interface CountedFigure {
  office: string;
  segment: string;
  days: number;
  contacted: number;
  bookedWithin30: number;
  conversionPct: number;
  medianDaysToBooking: number | null;
  optedOutAfterContact: number;
  bounced: number;
}

interface Contact {
  patientId: string;
  segment: string;
  recallType: string | null;
  dueDate: string;
  week: number;
  asOf: string;
  phone: string | null;
  email: string | null;
  channels: string[];
}

interface Body {
  contactKey: string;
  segment: string;
  recallType: string | null;
  dueDate: string | null;
  phone: string | null;
  email: string | null;
  channels: string[];
  household?: { firstName: string; recallType: string | null; dueDate: string | null; segment: string }[];
  otherRecalls?: { recallType: string | null; dueDate: string | null; segment: string }[];
}

const DAY = 86_400_000;
const days = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);

function contactsOf(office: Office, weeks: readonly CountedWeek[], secret: string): Contact[] {
  const byKey = new Map(office.patients.map((p) => [keyedHash(secret, office.code, p.id), p]));
  const byName = new Map(office.patients.map((p) => [p.firstName, p]));
  const seen = new Set<string>();
  const out: Contact[] = [];
  const add = (c: Contact) => {
    const id = `${c.patientId}|${c.segment}|${c.dueDate}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push(c);
  };
  for (const w of weeks) {
    for (const r of w.requests) {
      if (typeof r.answer !== 'number' || r.answer >= 300) continue; // not taken: nobody was told
      const b = r.json as Body;
      const p = byKey.get(b.contactKey);
      if (!p) throw new Error(`week ${w.week}: a request for an unknown contactKey`);
      const via = { week: w.week, asOf: w.asOf, phone: b.phone, email: b.email, channels: b.channels };
      add({ patientId: p.id, segment: b.segment, recallType: b.recallType, dueDate: String(b.dueDate), ...via });
      for (const o of b.otherRecalls ?? []) add({ patientId: p.id, segment: o.segment, recallType: o.recallType, dueDate: String(o.dueDate), ...via });
      for (const m of b.household ?? []) {
        const q = byName.get(m.firstName);
        if (!q) throw new Error(`week ${w.week}: a household member ${m.firstName} the office does not know`);
        add({ patientId: q.id, segment: m.segment, recallType: m.recallType, dueDate: String(m.dueDate), ...via });
      }
    }
  }
  return out;
}

/** The office date of the first later run that shows the contact's patient booked, or null. */
function bookedOn(c: Contact, weeks: readonly CountedWeek[]): string | null {
  for (const w of weeks) {
    if (w.week <= c.week) continue;
    const mine = w.rows.filter((r) => r.patient_id === c.patientId);
    if (mine.some((r) => Number(r.has_future_appt) === 1)) return w.asOf;
    if (mine.some((r) => r.recall_type === c.recallType && String(r.due_date) > c.dueDate)) return w.asOf;
  }
  return null;
}

const CHANNELS = ['sms', 'email', 'voice', 'all'];
const REASONS = ['opted-out', 'bad-number', 'bounced-email'];

function laterEntries(c: Contact, feed: readonly FeedEntry[]): { reason: string }[] {
  const phoneUsed = c.phone && (c.channels.includes('sms') || c.channels.includes('voice'));
  const emailUsed = c.email && c.channels.includes('email');
  return feed
    .filter((e) => e.fromWeek > c.week)
    .map((e) => ({ value: e.value.trim().toLowerCase(), channel: CHANNELS.includes(e.channel) ? e.channel : 'all', reason: REASONS.includes(e.reason) ? e.reason : 'opted-out' }))
    .filter(
      (e) =>
        (phoneUsed && e.value === c.phone!.toLowerCase() && ['sms', 'voice', 'all'].includes(e.channel)) ||
        (emailUsed && e.value === c.email!.toLowerCase() && ['email', 'all'].includes(e.channel)),
    );
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Per segment and in all ('all'), for each window, as of the last week's office date. */
export function countOutcomes(office: Office, weeks: readonly CountedWeek[], feed: readonly FeedEntry[], secret: string, windows = [30, 90]): { asOf: string; figures: CountedFigure[]; contacts: number } {
  const asOf = weeks[weeks.length - 1].asOf;
  const all = contactsOf(office, weeks, secret).map((c) => {
    const booked = bookedOn(c, weeks);
    const later = laterEntries(c, feed);
    return { ...c, booked: booked !== null && booked <= asOf ? booked : null, optedOut: later.some((e) => e.reason === 'opted-out'), bounced: later.some((e) => e.reason !== 'opted-out') };
  });
  const figures: CountedFigure[] = [];
  for (const d of windows) {
    const inWindow = all.filter((c) => days(c.asOf, asOf) >= 0 && days(c.asOf, asOf) < d);
    const segments = [...new Set(inWindow.map((c) => c.segment))].sort();
    for (const segment of [...segments, 'all']) {
      const group = inWindow.filter((c) => segment === 'all' || c.segment === segment);
      if (group.length === 0) continue;
      const waits = group.filter((c) => c.booked).map((c) => days(c.asOf, c.booked!));
      const within = waits.filter((x) => x <= 30).length;
      figures.push({
        office: office.code,
        segment,
        days: d,
        contacted: group.length,
        bookedWithin30: within,
        conversionPct: Math.round((1000 * within) / group.length) / 10,
        medianDaysToBooking: median(waits),
        optedOutAfterContact: group.filter((c) => c.optedOut).length,
        bounced: group.filter((c) => c.bounced).length,
      });
    }
  }
  return { asOf, figures, contacts: all.length };
}

/** Messages the CRM took per week (Monday of the office date) and segment: the chart's count. */
export function sendsPerWeek(weeks: readonly CountedWeek[]): { week: string; segment: string; sent: number }[] {
  const counts = new Map<string, number>();
  for (const w of weeks) {
    const d = new Date(`${w.asOf}T00:00:00Z`);
    const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY).toISOString().slice(0, 10);
    for (const r of w.requests) {
      if (typeof r.answer !== 'number' || r.answer >= 300) continue;
      const k = `${monday}|${(r.json as Body).segment}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return [...counts].map(([k, sent]) => ({ week: k.split('|')[0], segment: k.split('|')[1], sent }));
}
