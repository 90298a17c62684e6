// recall-normalize's settings, checked once when the node starts; errors name the setting.
import type { CountryCode } from 'libphonenumber-js/max';
import { envSetting } from '../settings';
import type { Segment } from '../types';
import { checkRegion } from '../contact/phone';
import { resolveAsOf } from '../calendar/as-of';
import { checkTimeZone } from '../calendar/zone';
import { resolveMapping, type Mapping } from './mapping';
import { parseWindows, SEGMENTS, segmentEdges, type Windows, type Edges } from './segments';

export interface NormalizeConfigInput {
  preset?: string;
  mapping?: string;
  office?: string;
  timeZone?: string;
  region?: string;
  dueSoon?: string;
  dueNow?: string;
  lapsed?: string;
  /** segments to select, as booleans segDueSoon etc. (missing = selected) */
  segDueSoon?: boolean;
  segDueNow?: boolean;
  segOverdue?: boolean;
  segLapsed?: boolean;
  usePreferredName?: boolean;
}

export interface NormalizeSettings {
  preset: string;
  mapping: Mapping;
  /** '' = take msg.recall.office */
  office: string;
  /** '' = the machine's zone */
  timeZone: string;
  region: CountryCode;
  windows: Windows;
  segments: Segment[];
  usePreferredName: boolean;
}

export function normalizeSettings(c: NormalizeConfigInput, env: NodeJS.ProcessEnv = process.env): NormalizeSettings {
  const preset = envSetting(c.preset ?? 'dentrix-odbc', env) || 'dentrix-odbc';
  const timeZone = checkTimeZone(envSetting(c.timeZone, env));
  const windows = parseWindows({ dueSoon: envSetting(c.dueSoon, env), dueNow: envSetting(c.dueNow, env), lapsed: envSetting(c.lapsed, env) });
  segmentEdges('2000-03-31', windows); // the window order is checked once at start
  const flags: Record<Segment, boolean | undefined> = { 'due-soon': c.segDueSoon, 'due-now': c.segDueNow, overdue: c.segOverdue, lapsed: c.segLapsed };
  const segments = SEGMENTS.filter((s) => flags[s] !== false);
  if (segments.length === 0) throw new Error('setting "segments": select at least one segment');
  return {
    preset,
    mapping: resolveMapping(preset, c.mapping ?? ''),
    office: envSetting(c.office, env),
    timeZone,
    region: checkRegion(envSetting(c.region, env) || 'US'),
    windows,
    segments,
    usePreferredName: c.usePreferredName !== false,
  };
}

/** The edges for a run: asOf from the fixed date (RECALL_AS_OF: text, Date or '') or today in the zone. */
export function runEdges(s: NormalizeSettings, fixedAsOf: unknown, now?: Date): Edges {
  return segmentEdges(resolveAsOf(fixedAsOf, s.timeZone, now), s.windows);
}
