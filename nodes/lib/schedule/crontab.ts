// Crontab text (the format RECALL_SCHEDULE and Node-RED's inject node use) parsed
// into the sets of values each field allows. Five fields (minute hour day month
// weekday) or six with seconds first; `*`, lists, ranges, steps, and month/day names.

export interface Crontab {
  seconds: number[];
  minutes: number[];
  hours: number[];
  /** day of month 1-31 */
  days: number[];
  /** 1-12 */
  months: number[];
  /** 0-6, Sunday 0 */
  weekdays: number[];
  /** false when the day-of-month field is `*` (cron then matches on weekdays only, and vice versa) */
  dayRestricted: boolean;
  weekdayRestricted: boolean;
  text: string;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** value of names[0] */
  nameBase?: number;
}

const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23 };
const DAY: FieldSpec = { name: 'day of month', min: 1, max: 31 };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 };
// 7 is Sunday too, as in most crons
const WEEKDAY: FieldSpec = { name: 'weekday', min: 0, max: 7, names: WEEKDAYS, nameBase: 0 };

function value(text: string, spec: FieldSpec): number {
  const lower = text.toLowerCase();
  const named = spec.names ? spec.names.indexOf(lower) : -1;
  if (named >= 0) return named + (spec.nameBase ?? 0);
  if (!/^\d+$/.test(text)) throw new Error(`${spec.name} "${text}" is not a number`);
  const n = Number(text);
  if (n < spec.min || n > spec.max) throw new Error(`${spec.name} ${n} is outside ${spec.min}-${spec.max}`);
  return n;
}

function field(text: string, spec: FieldSpec): number[] {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === '') throw new Error(`${spec.name} "${part}" is not a crontab field`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) throw new Error(`${spec.name} step "${stepText}" must be a whole number above 0`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*' || range === '?') {
      from = spec.min;
      to = spec === WEEKDAY ? 6 : spec.max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      from = value(a, spec);
      to = value(b, spec);
      if (to < from) throw new Error(`${spec.name} range "${range}" runs backwards`);
    } else {
      from = value(range, spec);
      // "5/15" means from 5 to the end in steps of 15
      to = stepText !== undefined ? spec.max : from;
    }
    for (let v = from; v <= to; v += step) out.add(spec === WEEKDAY && v === 7 ? 0 : v);
  }
  return [...out].sort((a, b) => a - b);
}

/** Parses a crontab; throws naming the field that is wrong. */
export function parseCrontab(text: string): Crontab {
  const parts = String(text ?? '').trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new Error(`crontab "${String(text ?? '').trim()}" must have 5 fields (minute hour day month weekday) or 6 (seconds first)`);
  }
  const [sec, min, hour, day, month, weekday] = parts.length === 6 ? parts : ['0', ...parts];
  try {
    return {
      seconds: field(sec, SECOND),
      minutes: field(min, MINUTE),
      hours: field(hour, HOUR),
      days: field(day, DAY),
      months: field(month, MONTH),
      weekdays: field(weekday, WEEKDAY),
      dayRestricted: !/^[*?]$/.test(day),
      weekdayRestricted: !/^[*?]$/.test(weekday),
      text: parts.join(' '),
    };
  } catch (err) {
    throw new Error(`crontab "${parts.join(' ')}": ${(err as Error).message}`);
  }
}

/** Whether a calendar day (month 1-12, weekday 0-6) is one the crontab runs on (cron's OR rule when both are set). */
export function dayMatches(c: Crontab, month: number, day: number, weekday: number): boolean {
  if (!c.months.includes(month)) return false;
  const byDay = c.days.includes(day);
  const byWeekday = c.weekdays.includes(weekday);
  if (c.dayRestricted && c.weekdayRestricted) return byDay || byWeekday;
  return byDay && byWeekday;
}
