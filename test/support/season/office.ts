// A synthetic dental office that lives through a season of weekly recall runs: households
// sharing a phone or an e-mail, recall rows that fall due, patients who book a few weeks
// after a message and whose visit moves the due date on, STOP replies and a bounce that
// reach the CRM's suppression feed, new patients, one who goes inactive, one with a stale
// and a current recall row. Seeded: the same seed gives the same season.
// The rows it hands over have the columns of the Dentrix ODBC preset (docs/contracts.md).
import { createHmac } from 'node:crypto';
import { prng } from '../random';

export type RawRow = Record<string, string | number | null>;

const DAY = 86_400_000;
export const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const ms = (date: string): number => Date.parse(`${date}T00:00:00Z`);
export const addDays = (date: string, days: number): string => iso(ms(date) + days * DAY);
/** `months` later, on a day of the month no later than the 28th (no month-end ambiguity). */
export function addMonths(date: string, months: number): string {
  const d = new Date(ms(date));
  const day = Math.min(d.getUTCDate(), 28);
  return iso(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, day));
}

const FIRST = [
  'Ada', 'Bram', 'Cleo', 'Dario', 'Elsa', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Lior', 'Mina', 'Nils', 'Olga', 'Pavel',
  'Quinn', 'Rosa', 'Sami', 'Tove', 'Umar', 'Vera', 'Wim', 'Xena', 'Yuki', 'Zora', 'Anouk', 'Boris', 'Carla', 'Dmitri', 'Edda', 'Felix',
  'Gaia', 'Hanno', 'Ilse', 'Jarek', 'Kaija', 'Lasse', 'Maren', 'Noor', 'Otto', 'Pia', 'Rafe', 'Saskia', 'Timo', 'Ulla', 'Viggo', 'Wanda',
  'Yannick', 'Zelda', 'Aurel', 'Bettina', 'Casimir', 'Doris', 'Emil', 'Frida', 'Gustav', 'Hedda', 'Ivo', 'Jutta', 'Konrad', 'Lotte',
  'Malte', 'Nora', 'Oskar', 'Petra', 'Ruben', 'Sonja', 'Till', 'Uschi', 'Valentin', 'Wilma', 'Xaver', 'Yara', 'Zeno', 'Alma', 'Bela',
];
const LAST = ['Abara', 'Brennholt', 'Castellano', 'Dufresne', 'Eklund', 'Fairweather', 'Gallo', 'Haverkamp', 'Ishikawa', 'Jovanovic', 'Kessler',
  'Lindqvist', 'Moreau', 'Nakamura', 'Oyelaran', 'Petrov', 'Quintero', 'Rasmussen', 'Szabo', 'Tremblay', 'Ulbrich', 'Varga', 'Whitcombe', 'Zamora'];

export interface Recall {
  type: string;
  due: string;
  /** months from a visit to the next due date */
  every: number;
}

export interface Patient {
  id: string;
  householdId: string;
  firstName: string;
  lastName: string;
  birthDate: string;
  /** E.164; a household may share one */
  mobile?: string;
  home?: string;
  email?: string;
  status: 'active' | 'inactive';
  recalls: Recall[];
  lastVisit: string;
  /** a booked visit: from `bookedOn` the practice system shows a future appointment until `visitOn` */
  booking?: { bookedOn: string; visitOn: string };
}

export interface Booking {
  patientId: string;
  /** the office date the booking was made, and of the visit */
  bookedOn: string;
  visitOn: string;
  /** the week whose run contacted the patient (undefined: booked without a message) */
  afterWeek?: number;
}

/** An entry of the CRM's suppression feed, with the week from whose run on it is served. */
export interface FeedEntry {
  /** sms, email, voice or all; a CRM's own words (e.g. "text") may come through too */
  channel: string;
  value: string;
  /** opted-out, bad-number or bounced-email; or a CRM's own word (e.g. "dnd") */
  reason: string;
  fromWeek: number;
}

/** What one run's messages told the office: who was reached, on which channels. */
export interface Reached {
  patientId: string;
  channels: string[];
  phone: string | null;
  email: string | null;
  /** listed on another patient's message (household) rather than the addressee */
  listed: boolean;
}

export class Office {
  readonly patients: Patient[] = [];
  readonly bookings: Booking[] = [];
  readonly feed: FeedEntry[] = [];
  private readonly rand: () => number;
  private names = 0;
  private households = 0;
  private phones = 0;
  /** patients with a fixed part to play */
  readonly roles: { stale?: string; inactive?: string; bounce?: string; stop?: string; dnd?: string; grandma?: string } = {};
  private bounced = false;
  private stopped = false;
  private dnd = false;

  constructor(readonly code: string, readonly start: string, seed = 20261201) {
    this.rand = prng(seed);
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)];
  }
  private phone(): string {
    this.phones++;
    // 801-555-01xx..: fictional, valid US numbers
    return `+1801555${String(1000 + this.phones).slice(-4)}`;
  }

  /** A household of `size`: one guarantor (the oldest), one shared mobile and/or e-mail. */
  addHousehold(size: number, asOf: string, opts: { dueSpreadDays?: number } = {}): Patient[] {
    const hh = ++this.households;
    const last = LAST[(hh - 1) % LAST.length];
    const sharedPhone = this.rand() < 0.85 ? this.phone() : undefined;
    const sharedEmail = this.rand() < 0.6 || !sharedPhone ? `${last.toLowerCase()}.${hh}@example.com` : undefined;
    const home = this.rand() < 0.3 ? this.phone() : undefined;
    const members: Patient[] = [];
    const spread = opts.dueSpreadDays ?? 120;
    for (let m = 0; m < size; m++) {
      const id = `${this.code}${100 + this.patients.length + members.length + 1}`;
      const adult = m < 2;
      const birthDate = adult ? `19${this.int(45, 92)}-0${this.int(1, 9)}-1${this.int(0, 9)}` : `20${this.int(10, 20)}-0${this.int(1, 9)}-2${this.int(0, 8)}`;
      const due = addDays(asOf, this.int(-60, spread));
      const p: Patient = {
        id,
        householdId: '',
        firstName: FIRST[this.names++ % FIRST.length],
        lastName: last,
        birthDate,
        mobile: m === 0 || this.rand() < 0.5 ? sharedPhone : undefined,
        home,
        email: m === 0 || this.rand() < 0.5 ? sharedEmail : undefined,
        status: 'active',
        recalls: [{ type: 'PROPHY', due: addMonths(due, 0), every: 6 }],
        lastVisit: addMonths(due, -6),
      };
      if (!p.mobile && !p.home && !p.email) p.mobile = sharedPhone ?? this.phone();
      if (this.rand() < 0.25) p.recalls.push({ type: 'BWX', due: addMonths(addDays(asOf, this.int(0, 200)), 0), every: 12 });
      members.push(p);
    }
    // the guarantor is the oldest member; the household id is their chart number
    members.sort((a, b) => (a.birthDate < b.birthDate ? -1 : 1));
    for (const p of members) p.householdId = members[0].id;
    this.patients.push(...members);
    return members;
  }

  /** The starting office: >= 50 patients, including the patients with a part to play. */
  static opening(code: string, start: string, seed?: number): Office {
    const o = new Office(code, start, seed);
    while (o.patients.length < 52) o.addHousehold(o.int(1, 4), start);
    // a lapsed grandmother at the head of a household whose grandchild falls due later
    const [grandma, mother, kid] = o.addHousehold(3, start);
    grandma.birthDate = '1941-04-14';
    grandma.recalls = [{ type: 'PROPHY', due: addMonths(start, -30), every: 6 }];
    mother.recalls = [{ type: 'PROPHY', due: addDays(start, 10), every: 6 }];
    kid.recalls = [{ type: 'PROPHY', due: addDays(start, 45), every: 6 }];
    for (const p of [grandma, mother, kid]) p.householdId = grandma.id;
    o.roles.grandma = grandma.id;
    // a stale lapsed FMX row (from 2021) beside a current PROPHY recall
    const [stale] = o.addHousehold(1, start);
    stale.recalls = [{ type: 'FMX', due: '2021-03-15', every: 36 }, { type: 'PROPHY', due: addDays(start, 20), every: 6 }];
    o.roles.stale = stale.id;
    o.roles.inactive = o.patients[3].id;
    o.roles.bounce = o.patients.find((p) => p.email && p.recalls[0].due <= addDays(start, 30))?.id;
    o.roles.stop = o.patients.find((p) => p.mobile && p.id !== o.roles.bounce && p.recalls[0].due <= addDays(start, 30))?.id;
    o.roles.dnd = o.patients.find((p) => p.mobile && p.mobile !== o.patients.find((q) => q.id === o.roles.stop)?.mobile && p.id !== o.roles.bounce && p.recalls[0].due <= addDays(start, 30))?.id;
    return o;
  }

  /** The office date of week `w` (0-based). */
  asOf(w: number): string {
    return addDays(this.start, 7 * w);
  }

  /** The practice system's rows on that date: one per recall row, every patient on file. */
  rows(asOf: string): RawRow[] {
    const out: RawRow[] = [];
    for (const p of this.patients) {
      const appt = p.booking && p.booking.bookedOn <= asOf && asOf < p.booking.visitOn ? 1 : 0;
      for (const r of p.recalls) {
        out.push({
          patient_id: p.id, first_name: p.firstName, last_name: p.lastName, preferred_name: null,
          status: p.status === 'active' ? '1' : '3', birth_date: p.birthDate, email: p.email ?? null,
          mobile_phone: p.mobile ?? null, home_phone: p.home ?? null, work_phone: null, guar_id: p.householdId,
          privacy_flags: 0, last_visit_date: p.lastVisit, recall_type: r.type, due_date: r.due, has_future_appt: appt,
        });
      }
    }
    return out;
  }

  /** The feed as served at the start of week `w`'s run. */
  feedAt(w: number): Omit<FeedEntry, 'fromWeek'>[] {
    return this.feed.filter((e) => e.fromWeek <= w).map(({ channel, value, reason }) => ({ channel, value, reason }));
  }

  /**
   * After week `w`'s run: the patients it reached may book (a few weeks later) or reply
   * STOP; an e-mail bounces; visits that fell due move the recall on; the office changes.
   */
  afterRun(w: number, reached: readonly Reached[]): void {
    const today = this.asOf(w);
    const next = this.asOf(w + 1);
    // requests arrive in any order (the sink sends in parallel): sort, so a seed is one season
    const sorted = [...reached].sort((a, b) => (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : Number(a.listed) - Number(b.listed)));
    for (const r of sorted) {
      const p = this.patients.find((x) => x.id === r.patientId);
      if (!p) continue;
      if (!p.booking && this.rand() < 0.55) {
        const bookedOn = addDays(today, 7 * this.int(1, 4) - this.int(0, 3));
        const b = { bookedOn, visitOn: addDays(bookedOn, this.int(7, 28)) };
        p.booking = b;
        this.bookings.push({ patientId: p.id, ...b, afterWeek: w });
      }
      if (r.listed) continue;
      const stop = (p.id === this.roles.stop && !this.stopped) || this.rand() < 0.08;
      if (stop && r.channels.includes('sms') && r.phone && !this.feed.some((e) => e.value === r.phone && e.channel === 'sms')) {
        if (p.id === this.roles.stop) this.stopped = true;
        this.feed.push({ channel: 'sms', value: r.phone, reason: 'opted-out', fromWeek: w + 1 });
      }
      // the CRM's do-not-disturb flag, exported in its own words: not a channel or reason of the feed's
      if (p.id === this.roles.dnd && !this.dnd && r.phone) {
        this.dnd = true;
        this.feed.push({ channel: 'text', value: r.phone, reason: 'dnd', fromWeek: w + 1 });
      }
      if (p.id === this.roles.bounce && !this.bounced && r.channels.includes('email') && r.email) {
        this.bounced = true;
        this.feed.push({ channel: 'email', value: r.email, reason: 'bounced-email', fromWeek: w + 1 });
      }
    }
    // a few book on their own, without a message
    for (const p of this.patients) {
      if (p.booking || p.status !== 'active') continue;
      if (p.recalls.some((r) => r.due <= addDays(next, 45)) && this.rand() < 0.02) {
        const b = { bookedOn: addDays(today, this.int(1, 6)), visitOn: addDays(today, this.int(10, 30)) };
        p.booking = b;
        this.bookings.push({ patientId: p.id, ...b });
      }
    }
    // visits that took place before the next run: every recall due by then moves on
    for (const p of this.patients) {
      if (!p.booking || p.booking.visitOn >= next) continue;
      const visit = p.booking.visitOn;
      for (const r of p.recalls) if (r.due <= addDays(visit, 60) && !(p.id === this.roles.stale && r.type === 'FMX')) r.due = addMonths(visit, r.every);
      p.lastVisit = visit;
      p.booking = undefined;
    }
    // the office changes: new patients, one goes inactive
    if (w === 4 || w === 11 || w === 19) this.addHousehold(this.int(1, 3), next, { dueSpreadDays: 60 });
    if (w === 7 && this.roles.inactive) this.patients.find((p) => p.id === this.roles.inactive)!.status = 'inactive';
  }
}

/** HMAC-SHA256(secret, parts joined by '|'), hex: how the CRM's contactKey is made (written here again, not imported). */
export function keyedHash(secret: string, ...parts: string[]): string {
  return createHmac('sha256', secret).update(parts.join('|')).digest('hex');
}
