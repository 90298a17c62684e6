// Which schedule is in effect: the crontab in the override variable (RECALL_SCHEDULE)
// when it is set, else the days and times chosen in the editor.
import { envSetting } from '../settings';
import { crontab, describe, weekly, type Schedule } from './schedule';
import { resolveZone } from '../calendar/zone';

export interface ScheduleInput {
  days?: unknown;
  times?: unknown;
  /** name of the variable that overrides the editor's schedule; '' for none */
  overrideEnv?: unknown;
  /** the office time zone: a zone name ('str'), or the variable holding one ('env') */
  timeZone?: unknown;
  timeZoneType?: unknown;
}

export interface EffectiveSchedule {
  schedule: Schedule;
  /** 'env' when the variable's crontab is in effect */
  source: 'editor' | 'env';
  /** the override variable's name, when one is configured */
  overrideEnv: string;
  /** the variable's crontab when set */
  override?: string;
  timeZone: string;
  /** "Mon–Fri at 08:00, 12:00" */
  text: string;
}

/**
 * The schedule in effect. `lookup` reads a variable the way the node sees it (tab,
 * flow, then process environment); `zone` is the office time zone setting ('' = the
 * machine's). Throws naming the setting or variable that is wrong.
 */
export function effectiveSchedule(config: ScheduleInput, zone: string, lookup: (name: string) => string): EffectiveSchedule {
  const timeZone = resolveZone(zone);
  const overrideEnv = envSetting(config.overrideEnv).replace(/^\$\{(\w+)\}$/, '$1');
  if (overrideEnv && !/^\w+$/.test(overrideEnv)) throw new Error(`override variable "${overrideEnv}" is not a variable name`);
  const override = overrideEnv ? lookup(overrideEnv).trim() : '';
  let schedule: Schedule;
  if (override) {
    try {
      schedule = crontab(override);
    } catch (err) {
      throw new Error(`${overrideEnv}: ${(err as Error).message}`);
    }
  } else {
    schedule = weekly(config.days, config.times);
  }
  return { schedule, source: override ? 'env' : 'editor', overrideEnv, override: override || undefined, timeZone, text: describe(schedule) };
}

/** The schedule in effect for the node's settings: the time zone read from its variable when typed 'env'. */
export function scheduleOf(config: ScheduleInput, lookup: (name: string) => string): EffectiveSchedule {
  const zone = String(config.timeZone ?? '');
  return effectiveSchedule(config, (config.timeZoneType || 'str') === 'env' ? lookup(zone) : zone, lookup);
}
