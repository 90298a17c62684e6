// What the schedule node shows, and the dialog's preview that reads only the node's variables.
import { strict as assert } from 'node:assert';
import { effectiveSchedule } from '../../../nodes/lib/schedule/config';
import { brokenStatus, nextStatus, previewSchedule } from '../../../nodes/lib/schedule/report';

const at = (text: string) => Date.parse(text);

describe('schedule report', () => {
  const editor = effectiveSchedule({ days: '1', times: '08:00' }, 'UTC', () => '');
  const byEnv = effectiveSchedule({ days: '1', times: '08:00', overrideEnv: 'RECALL_SCHEDULE' }, 'UTC', () => '0 7 * * 1-5');
  const now = at('2026-01-05T06:00:00Z'); // a Monday

  it('shows the next run, the last one, and which schedule is in effect (a ring for the variable)', () => {
    assert.deepEqual(nextStatus(editor, at('2026-01-05T08:00:00Z'), undefined, now), { fill: 'blue', shape: 'dot', text: 'next Mon 08:00 UTC' });
    const env = nextStatus(byEnv, at('2026-01-05T07:00:00Z'), at('2026-01-02T07:00:00Z'), now);
    assert.equal(env.shape, 'ring');
    assert.match(env.text, /^ran Fri 07:00, next Mon 07:00 UTC \(RECALL_SCHEDULE\)$/);
    assert.deepEqual(nextStatus(editor, null, undefined, now), { fill: 'grey', shape: 'ring', text: 'never runs: Mon at 08:00' });
    assert.deepEqual(brokenStatus(new Error('x'.repeat(90))), { fill: 'red', shape: 'ring', text: 'x'.repeat(80) });
  });

  it('previews with the variables the node uses, and names the others without reading them', () => {
    const env: Record<string, string> = { RECALL_SCHEDULE: '0 7 * * 1-5', OFFICE_TZ: 'Asia/Tokyo', SECRET: 'do-not-show' };
    const read = (name: string) => env[name] ?? '';
    const p = previewSchedule({ days: '1', times: '09:00' }, undefined, read, now);
    assert.deepEqual([p.source, p.override, p.timeZone, p.text, p.unknown], ['env', '0 7 * * 1-5', 'Asia/Tokyo', 'Mon–Fri at 07:00', []]);
    const leak = previewSchedule({ overrideEnv: 'SECRET', timeZone: 'SECRET', timeZoneType: 'env' }, undefined, read, now);
    assert.ok(!JSON.stringify(leak).includes('do-not-show'));
    assert.deepEqual(leak.unknown, ['SECRET', 'SECRET']);
    // a deployed node's own variable names are allowed
    const own = previewSchedule({ overrideEnv: 'SECRET', timeZone: 'UTC', timeZoneType: 'str' }, { overrideEnv: 'SECRET' }, read, now);
    assert.match(own.error!, /^SECRET: crontab "do-not-show" must have 5 fields/);
    assert.match(previewSchedule({ times: '8am', overrideEnv: '', timeZone: 'UTC', timeZoneType: 'str' }, undefined, read, now).error!, /time "8am" must be HH:MM/);
  });
});
