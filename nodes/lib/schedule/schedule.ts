// The recall schedule: days of the week and times of day set in the editor, or a
// crontab (RECALL_SCHEDULE) that overrides them; when it next runs, in the office's
// time zone, and how to say it in one line.
import { dayMatches, parseCrontab, type Crontab } from './crontab';
import { instantOf, wallAt } from '../calendar/zone';

export interface WeeklySchedule {
  kind: 'weekly';
  /** 0-6, Sunday 0, ascending */
  days: number[];
  /** seconds after midnight, ascending */
  times: number[];
}

export interface CronSchedule {
  kind: 'crontab';
  cron: Crontab;
}

export type Schedule = WeeklySchedule | CronSchedule;

export const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** How far ahead to look for the next run: a crontab for 29 February runs within 8 years. */
const SEARCH_DAYS = 366 * 8;

/** Days as the editor stores them: "1,2,3,4,5" or [1,2,3,4,5]. */
export function parseDays(value: unknown): number[] {
  const list = Array.isArray(value) ? value : String(value ?? '').split(/[\s,]+/).filter(Boolean);
  const days = new Set<number>();
  for (const item of list) {
    const n = Number(item);
    if (!Number.isInteger(n) || n < 0 || n > 6) throw new Error(`day "${item}" must be 0 (Sunday) to 6 (Saturday)`);
    days.add(n);
  }
  return [...days].sort((a, b) => a - b);
}

/** Times as the editor stores them: "08:00, 12:30" (seconds allowed: "08:00:30"). */
export function parseTimes(value: unknown): number[] {
  const times = new Set<number>();
  for (const item of String(value ?? '').split(/[\s,;]+/).filter(Boolean)) {
    const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(item);
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) throw new Error(`time "${item}" must be HH:MM (24-hour clock)`);
    times.add(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0));
  }
  return [...times].sort((a, b) => a - b);
}

export function weekly(days: unknown, times: unknown): WeeklySchedule {
  return { kind: 'weekly', days: parseDays(days), times: parseTimes(times) };
}

export function crontab(text: string): CronSchedule {
  return { kind: 'crontab', cron: parseCrontab(text) };
}

/** Seconds after midnight at which the schedule runs on a calendar day (none when it does not run that day). */
function timesOn(s: Schedule, month: number, day: number, weekday: number): number[] {
  if (s.kind === 'weekly') return s.days.includes(weekday) ? s.times : [];
  const c = s.cron;
  if (!dayMatches(c, month, day, weekday)) return [];
  const out: number[] = [];
  for (const h of c.hours) for (const m of c.minutes) for (const sec of c.seconds) out.push(h * 3600 + m * 60 + sec);
  return out;
}

/** The first run strictly after `after` (ms), in the zone; null when the schedule never runs. */
export function nextRun(s: Schedule, after: number, timeZone: string): number | null {
  const start = wallAt(after, timeZone);
  const startSecs = start.hour * 3600 + start.minute * 60 + start.second;
  for (let i = 0; i < SEARCH_DAYS; i++) {
    const date = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
    const times = timesOn(s, date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCDay());
    for (const secs of times) {
      // on the first day, skip what is clearly past (2 h covers a clock change)
      if (i === 0 && secs < startSecs - 7200) continue;
      const at = instantOf(
        { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: Math.floor(secs / 3600), minute: Math.floor(secs / 60) % 60, second: secs % 60 },
        timeZone,
      );
      if (at > after) return at;
    }
  }
  return null;
}

function clock(secs: number): string {
  const hm = `${String(Math.floor(secs / 3600)).padStart(2, '0')}:${String(Math.floor(secs / 60) % 60).padStart(2, '0')}`;
  return secs % 60 ? `${hm}:${String(secs % 60).padStart(2, '0')}` : hm;
}

/** "Mon–Fri", "Mon, Wed, Fri", "every day": weeks read Monday first. */
export function daysText(days: number[]): string {
  if (days.length === 7) return 'every day';
  if (days.length === 0) return 'no day';
  const order = [1, 2, 3, 4, 5, 6, 0].filter((d) => days.includes(d));
  const pos = (d: number) => (d + 6) % 7;
  const runs: number[][] = [];
  for (const d of order) {
    const last = runs[runs.length - 1];
    if (last && pos(d) === pos(last[last.length - 1]) + 1) last.push(d);
    else runs.push([d]);
  }
  return runs.map((r) => (r.length >= 3 ? `${DAY_NAMES[r[0]]}–${DAY_NAMES[r[r.length - 1]]}` : r.map((d) => DAY_NAMES[d]).join(', '))).join(', ');
}

function timesText(times: number[]): string {
  if (times.length <= 12) return ` at ${times.map(clock).join(', ')}`;
  return `, ${times.length} times a day from ${clock(times[0])} to ${clock(times[times.length - 1])}`;
}

/** One line for the editor and the status: "Mon–Fri at 08:00, 12:00". */
export function describe(s: Schedule): string {
  if (s.kind === 'weekly') return s.days.length && s.times.length ? `${daysText(s.days)}${timesText(s.times)}` : 'never (no day or no time set)';
  const c = s.cron;
  if (c.dayRestricted || c.months.length !== 12) return `crontab "${c.text}"`;
  const times: number[] = [];
  for (const h of c.hours) for (const m of c.minutes) for (const sec of c.seconds) times.push(h * 3600 + m * 60 + sec);
  return `${daysText(c.weekdays)}${timesText(times.sort((a, b) => a - b))}`;
}

/** "Tue 08:00" (with the date when more than 6 days away), in the zone. */
export function whenText(at: number, timeZone: string, now: number): string {
  const w = wallAt(at, timeZone);
  const weekday = DAY_NAMES[new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay()];
  const time = clock(w.hour * 3600 + w.minute * 60 + w.second);
  const far = at - now > 6 * 86_400_000;
  return far ? `${weekday} ${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')} ${time}` : `${weekday} ${time}`;
}
