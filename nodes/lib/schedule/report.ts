// What the schedule node shows and answers: its status (the next run, the last one), and
// the dialog's preview of the schedule in effect, which reads only the node's own variables.
import { scheduleOf, type EffectiveSchedule, type ScheduleInput } from './config';
import { nextRun, whenText } from './schedule';

/** A node status as Node-RED takes it (fill, shape, text). */
export interface ScheduleStatus {
  fill: 'grey' | 'blue' | 'red';
  shape: 'ring' | 'dot';
  text: string;
}

/** The settings of a node that has none saved (the default flow's). */
export const SCHEDULE_DEFAULTS = { days: '1,2,3,4,5', times: '08:00', overrideEnv: 'RECALL_SCHEDULE', timeZone: 'OFFICE_TZ', timeZoneType: 'env' } as const;

/** "ran Mon 08:00, next Tue 08:00 America/Chicago (RECALL_SCHEDULE)"; a ring when the variable's crontab is in effect. */
export function nextStatus(eff: EffectiveSchedule, next: number | null, lastRun: number | undefined, now: number): ScheduleStatus {
  const by = eff.source === 'env' ? ` (${eff.overrideEnv})` : '';
  const ran = lastRun === undefined ? '' : `ran ${whenText(lastRun, eff.timeZone, now)}, `;
  if (next === null) return { fill: 'grey', shape: 'ring', text: `${ran}never runs: ${eff.text}${by}`.slice(0, 80) };
  return { fill: 'blue', shape: eff.source === 'env' ? 'ring' : 'dot', text: `${ran}next ${whenText(next, eff.timeZone, now)} ${eff.timeZone}${by}` };
}

export function brokenStatus(err: Error): ScheduleStatus {
  return { fill: 'red', shape: 'ring', text: err.message.slice(0, 80) };
}

export interface Preview {
  source?: string;
  overrideEnv?: string;
  override?: string;
  timeZone?: string;
  text?: string;
  next?: string;
  nextIso?: string;
  error?: string;
  /** variables asked for that the node does not use: not read */
  unknown: string[];
}

/**
 * The schedule in effect for the dialog's settings (`query`): the editor cannot read the
 * environment or compute office time itself. Variables are read (`env`) only under the
 * names the deployed node (`deployed`, else the defaults) uses, so no other value leaks.
 */
export function previewSchedule(query: Record<string, string | undefined>, deployed: ScheduleInput | undefined, env: (name: string) => string, now: number): Preview {
  const base = deployed ?? SCHEDULE_DEFAULTS;
  const d = SCHEDULE_DEFAULTS;
  const allowed = new Set([d.overrideEnv, d.timeZone, base.overrideEnv, base.timeZoneType === 'env' ? base.timeZone : ''].map(String).filter(Boolean));
  const config: ScheduleInput = {
    days: query.days ?? d.days,
    times: query.times ?? d.times,
    overrideEnv: query.overrideEnv ?? d.overrideEnv,
    timeZone: query.timeZone ?? d.timeZone,
    timeZoneType: query.timeZoneType ?? d.timeZoneType,
  };
  const unknown: string[] = [];
  const lookup = (name: string) => {
    if (allowed.has(name)) return env(name);
    unknown.push(name);
    return '';
  };
  try {
    const eff = scheduleOf(config, lookup);
    const at = nextRun(eff.schedule, now, eff.timeZone);
    return { source: eff.source, overrideEnv: eff.overrideEnv, override: eff.override ?? '', timeZone: eff.timeZone, text: eff.text, next: at === null ? '' : whenText(at, eff.timeZone, now), nextIso: at === null ? '' : new Date(at).toISOString(), unknown };
  } catch (err) {
    return { error: (err as Error).message, unknown };
  }
}
