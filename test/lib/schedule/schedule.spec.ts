import { strict as assert } from 'node:assert';
import { parseCrontab } from '../../../nodes/lib/schedule/crontab';
import { effectiveSchedule } from '../../../nodes/lib/schedule/config';
import { crontab, describe as describeSchedule, nextRun, parseTimes, weekly, whenText } from '../../../nodes/lib/schedule/schedule';
import { instantOf, resolveZone, wallAt } from '../../../nodes/lib/calendar/zone';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const at = (text: string) => Date.parse(text);

describe('schedule: crontab', () => {
  it('reads five fields (seconds 0) and six (seconds first), names, ranges, steps and lists', () => {
    const c = parseCrontab('0 8-16/2 * * 1-5');
    assert.deepEqual(c.seconds, [0]);
    assert.deepEqual(c.hours, [8, 10, 12, 14, 16]);
    assert.deepEqual(c.weekdays, [1, 2, 3, 4, 5]);
    assert.equal(c.dayRestricted, false);
    const six = parseCrontab('30 */15 9 1,15 jan-mar SUN,sat');
    assert.deepEqual(six.seconds, [30]);
    assert.deepEqual(six.minutes, [0, 15, 30, 45]);
    assert.deepEqual(six.months, [1, 2, 3]);
    assert.deepEqual(six.weekdays, [0, 6]);
    assert.deepEqual(parseCrontab('0 0 * * 7').weekdays, [0], '7 is Sunday');
    assert.deepEqual(parseCrontab('5/20 * * * *').minutes, [5, 25, 45]);
  });

  it('refuses a bad crontab naming the field', () => {
    assert.throws(() => parseCrontab('0 8 * *'), /must have 5 fields/);
    assert.throws(() => parseCrontab('0 25 * * *'), /hour 25 is outside 0-23/);
    assert.throws(() => parseCrontab('0 8 * * mon-xyz'), /weekday "xyz" is not a number/);
    assert.throws(() => parseCrontab('*/0 8 * * *'), /step "0"/);
    assert.throws(() => parseCrontab('0 16-8 * * *'), /runs backwards/);
  });
});

describe('schedule: next run in the office time zone', () => {
  const chicago = 'America/Chicago';

  it('runs at office time, not machine time (Chicago 08:00 CST = 14:00 UTC)', () => {
    const s = weekly('1,2,3,4,5', '08:00, 12:30');
    // Friday 2026-12-04 13:00 UTC is 07:00 in Chicago
    assert.equal(iso(nextRun(s, at('2026-12-04T13:00:00Z'), chicago)), '2026-12-04T14:00:00.000Z');
    assert.equal(iso(nextRun(s, at('2026-12-04T14:00:00Z'), chicago)), '2026-12-04T18:30:00.000Z', 'strictly after');
    // after Friday 12:30, the next is Monday 08:00
    assert.equal(iso(nextRun(s, at('2026-12-04T18:30:00Z'), chicago)), '2026-12-07T14:00:00.000Z');
    assert.equal(iso(nextRun(s, at('2026-12-04T13:00:00Z'), 'Asia/Tokyo')), '2026-12-06T23:00:00.000Z', 'already Friday 22:00 in Tokyo: Monday 08:00 there');
  });

  it('follows daylight saving: 08:00 stays 08:00 across the change', () => {
    const s = weekly('0,1,2,3,4,5,6', '08:00');
    assert.equal(iso(nextRun(s, at('2026-03-07T15:00:00Z'), chicago)), '2026-03-08T13:00:00.000Z', '08:00 CDT after the spring change');
    assert.equal(iso(nextRun(s, at('2026-10-31T14:00:00Z'), chicago)), '2026-11-01T14:00:00.000Z', '08:00 CST after the fall change');
  });

  it('runs a time the clock skips once, after the jump, and a time that happens twice once', () => {
    const skipped = weekly('0', '02:30');
    // 2026-03-08 02:30 does not exist in Chicago: runs at 03:30 CDT (08:30 UTC)
    assert.equal(iso(nextRun(skipped, at('2026-03-08T06:00:00Z'), chicago)), '2026-03-08T08:30:00.000Z');
    const twice = weekly('0', '01:30');
    const first = nextRun(twice, at('2026-11-01T05:00:00Z'), chicago)!;
    assert.equal(iso(first), '2026-11-01T06:30:00.000Z', 'the first 01:30 (CDT)');
    assert.equal(iso(nextRun(twice, first, chicago)), '2026-11-08T07:30:00.000Z', 'not again an hour later, next Sunday');
  });

  it('runs a crontab the way cron does (day of month OR weekday when both are set)', () => {
    const c = crontab('0 9 13 * 5'); // the 13th, and every Friday
    assert.equal(iso(nextRun(c, at('2026-12-01T00:00:00Z'), 'UTC')), '2026-12-04T09:00:00.000Z', 'Friday the 4th');
    assert.equal(iso(nextRun(c, at('2026-12-11T10:00:00Z'), 'UTC')), '2026-12-13T09:00:00.000Z', 'Sunday the 13th');
    assert.equal(iso(nextRun(crontab('0 0 29 2 *'), at('2026-03-01T00:00:00Z'), 'UTC')), '2028-02-29T00:00:00.000Z', 'leap day');
    assert.equal(nextRun(crontab('0 0 31 2 *'), at('2026-03-01T00:00:00Z'), 'UTC'), null, 'never');
    assert.equal(iso(nextRun(crontab('*/20 * * * * *'), at('2026-12-01T10:00:05Z'), 'UTC')), '2026-12-01T10:00:20.000Z', 'seconds');
  });

  it('never runs with no day or no time set', () => {
    assert.equal(nextRun(weekly('', '08:00'), at('2026-12-01T00:00:00Z'), chicago), null);
    assert.equal(nextRun(weekly('1', ''), at('2026-12-01T00:00:00Z'), chicago), null);
  });

  it('maps wall-clock time to the instant and back', () => {
    const t = instantOf({ year: 2026, month: 7, day: 1, hour: 8, minute: 0, second: 0 }, chicago);
    assert.equal(iso(t), '2026-07-01T13:00:00.000Z');
    assert.deepEqual(wallAt(t, chicago), { year: 2026, month: 7, day: 1, hour: 8, minute: 0, second: 0 });
  });
});

describe('schedule: words and settings', () => {
  it('says the schedule in one line', () => {
    assert.equal(describeSchedule(weekly('1,2,3,4,5', '08:00,10:00')), 'Mon–Fri at 08:00, 10:00');
    assert.equal(describeSchedule(weekly('1,3,5', '07:30')), 'Mon, Wed, Fri at 07:30');
    assert.equal(describeSchedule(weekly('0,6', '09:00')), 'Sat, Sun at 09:00');
    assert.equal(describeSchedule(weekly('0,1,2,3,4,5,6', '18:00:30')), 'every day at 18:00:30');
    assert.equal(describeSchedule(crontab('0 8-16/2 * * 1-5')), 'Mon–Fri at 08:00, 10:00, 12:00, 14:00, 16:00');
    assert.equal(describeSchedule(crontab('*/5 * * * *')), 'every day, 288 times a day from 00:00 to 23:55');
    assert.equal(describeSchedule(crontab('0 9 1 * *')), 'crontab "0 9 1 * *"');
    assert.match(describeSchedule(weekly('', '08:00')), /^never/);
  });

  it('reads times and refuses a bad one naming it', () => {
    assert.deepEqual(parseTimes('12:30 08:00,08:00'), [8 * 3600, 12 * 3600 + 1800]);
    assert.throws(() => parseTimes('8am'), /time "8am" must be HH:MM/);
    assert.throws(() => parseTimes('24:00'), /time "24:00"/);
    assert.throws(() => weekly('1,9', '08:00'), /day "9"/);
  });

  it('names the next run in office time', () => {
    const now = at('2026-12-04T13:00:00Z');
    assert.equal(whenText(at('2026-12-04T14:00:00Z'), 'America/Chicago', now), 'Fri 08:00');
    assert.equal(whenText(at('2027-01-04T14:00:00Z'), 'America/Chicago', now), 'Mon 2027-01-04 08:00');
  });

  it('uses the override variable when it is set, the editor schedule when not', () => {
    const env: Record<string, string> = { RECALL_SCHEDULE: '0 7 * * 1-5' };
    const lookup = (n: string) => env[n] ?? '';
    const cfg = { days: '1,3', times: '09:00', overrideEnv: 'RECALL_SCHEDULE' };
    const withEnv = effectiveSchedule(cfg, 'America/Chicago', lookup);
    assert.equal(withEnv.source, 'env');
    assert.equal(withEnv.override, '0 7 * * 1-5');
    assert.equal(withEnv.text, 'Mon–Fri at 07:00');
    env.RECALL_SCHEDULE = '  ';
    const editor = effectiveSchedule(cfg, 'America/Chicago', lookup);
    assert.equal(editor.source, 'editor');
    assert.equal(editor.text, 'Mon, Wed at 09:00');
    assert.equal(effectiveSchedule({ ...cfg, overrideEnv: '' }, 'UTC', () => '0 7 * * *').source, 'editor', 'no override variable');
    env.RECALL_SCHEDULE = '0 8 * *';
    assert.throws(() => effectiveSchedule(cfg, 'UTC', lookup), /^Error: RECALL_SCHEDULE: crontab "0 8 \* \*" must have 5 fields/);
    assert.throws(() => effectiveSchedule(cfg, 'Mars/Olympus', lookup), /"time zone": "Mars\/Olympus" is not an IANA time zone/);
    assert.equal(resolveZone(''), Intl.DateTimeFormat().resolvedOptions().timeZone, "the machine's zone when unset");
  });
});
