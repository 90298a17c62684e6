// recall-schedule in a real Node-RED runtime (test helper): it fires at the set time
// in the office's time zone, the override variable wins and says so, Run now works,
// and the dialog's preview route tells the schedule in effect without leaking other variables.
import { strict as assert } from 'node:assert';
import { helper, useHelper } from '../support/helper';
import { nodeModule } from '../support/paths';
import { wallAt } from '../../nodes/lib/calendar/zone';

const scheduleNode = nodeModule('recall-schedule');

function flow(extra: Record<string, unknown> = {}): any[] {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'sched', type: 'recall-schedule', z: 'f1', name: '', days: '0,1,2,3,4,5,6', times: '03:00', timeZone: 'Asia/Tokyo', timeZoneType: 'str', overrideEnv: 'TEST_RECALL_SCHEDULE', wires: [['out']], ...extra },
    { id: 'out', type: 'helper', z: 'f1' },
  ];
}

/** "HH:MM:SS" a few seconds from now, on the wall clock of the zone. */
function soon(seconds: number, zone: string): { text: string; at: number } {
  const at = Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000;
  const w = wallAt(at, zone);
  const p = (n: number) => String(n).padStart(2, '0');
  return { text: `${p(w.hour)}:${p(w.minute)}:${p(w.second)}`, at };
}

function nextMessage(id: string): Promise<any> {
  return new Promise((resolve) => helper.getNode(id).once('input', resolve));
}

function lastStatus(id: string): Promise<{ fill?: string; shape?: string; text?: string }> {
  const node = helper.getNode(id);
  const calls = node.status.getCalls?.() ?? [];
  return Promise.resolve(calls.length ? calls[calls.length - 1].args[0] : {});
}

describe('recall-schedule node', function () {
  useHelper();
  afterEach(() => {
    delete process.env.TEST_RECALL_SCHEDULE;
    delete process.env.TEST_SECRET;
  });

  it('fires at the set time in the office time zone and shows the next run in its status', async () => {
    const zone = 'Pacific/Auckland'; // far from the machine's zone
    const t = soon(3, zone);
    await helper.load(scheduleNode, flow({ times: t.text, timeZone: zone }));
    const status = await lastStatus('sched');
    assert.match(status.text ?? '', new RegExp(`^next \\w{3} ${t.text} Pacific/Auckland$`), JSON.stringify(status));
    const msg = await nextMessage('out');
    assert.ok(msg.payload >= t.at, `fired at ${new Date(msg.payload).toISOString()}, set for ${new Date(t.at).toISOString()}`);
    assert.equal(msg.topic, 'schedule');
    assert.deepEqual(msg.schedule, { manual: false, source: 'editor', text: `every day at ${t.text}` });
    // then says when it ran, and the same time tomorrow
    const after = await lastStatus('sched');
    assert.match(after.text ?? '', new RegExp(`^ran \\w{3} ${t.text}, next \\w{3} ${t.text} Pacific/Auckland$`));
  });

  it('uses the override variable when set, and its status names it', async () => {
    process.env.TEST_RECALL_SCHEDULE = '*/2 * * * * *'; // every 2 seconds
    await helper.load(scheduleNode, flow());
    const status = await lastStatus('sched');
    assert.match(status.text ?? '', /\(TEST_RECALL_SCHEDULE\)$/);
    assert.equal(status.shape, 'ring');
    const msg = await nextMessage('out');
    assert.equal(msg.schedule.source, 'env');
  });

  it('does not run with a bad time zone or crontab, and says why', async () => {
    process.env.TEST_RECALL_SCHEDULE = '0 8 * *';
    await helper.load(scheduleNode, flow());
    const status = await lastStatus('sched');
    assert.equal(status.fill, 'red');
    assert.match(status.text ?? '', /TEST_RECALL_SCHEDULE: crontab "0 8 \* \*" must have 5 fields/);
    await helper.unload();
    delete process.env.TEST_RECALL_SCHEDULE;
    await helper.load(scheduleNode, flow({ timeZone: 'Mars/Olympus' }));
    assert.match((await lastStatus('sched')).text ?? '', /"time zone": "Mars\/Olympus" is not an IANA time zone/);
  });

  it('runs now on the button (POST /recall-schedule/<id>/run), 404 for another node', async () => {
    await helper.load(scheduleNode, flow());
    const got = nextMessage('out');
    await helper.request().post('/recall-schedule/sched/run').expect(200);
    const msg = await got;
    assert.equal(msg.schedule.manual, true);
    await helper.request().post('/recall-schedule/out/run').expect(404);
    await helper.request().post('/recall-schedule/nope/run').expect(404);
  });

  it("previews the schedule in effect for the dialog, reading only the node's own variables", async () => {
    process.env.TEST_RECALL_SCHEDULE = '0 7 * * 1-5';
    process.env.TEST_SECRET = 'do-not-show';
    await helper.load(scheduleNode, flow());
    const env = (await helper.request().get('/recall-schedule/preview').query({ id: 'sched', days: '1', times: '09:00', overrideEnv: 'TEST_RECALL_SCHEDULE', timeZone: 'Asia/Tokyo', timeZoneType: 'str' }).expect(200)).body;
    assert.equal(env.source, 'env');
    assert.equal(env.override, '0 7 * * 1-5');
    assert.equal(env.text, 'Mon–Fri at 07:00');
    assert.equal(env.timeZone, 'Asia/Tokyo');
    assert.match(env.next, /^(Mon|Tue|Wed|Thu|Fri) 07:00$/);
    const editor = (await helper.request().get('/recall-schedule/preview').query({ id: 'sched', days: '1,3', times: '09:00', overrideEnv: '', timeZone: 'Asia/Tokyo', timeZoneType: 'str' }).expect(200)).body;
    assert.equal(editor.source, 'editor');
    assert.equal(editor.text, 'Mon, Wed at 09:00');
    const leak = (await helper.request().get('/recall-schedule/preview').query({ id: 'sched', days: '1', times: '09:00', overrideEnv: 'TEST_SECRET', timeZone: 'TEST_SECRET', timeZoneType: 'env' }).expect(200)).body;
    assert.ok(!JSON.stringify(leak).includes('do-not-show'), JSON.stringify(leak));
    assert.deepEqual(leak.unknown, ['TEST_SECRET', 'TEST_SECRET']);
    const bad = (await helper.request().get('/recall-schedule/preview').query({ id: 'sched', days: '1', times: '8am', overrideEnv: '', timeZone: 'UTC', timeZoneType: 'str' }).expect(200)).body;
    assert.match(bad.error, /time "8am" must be HH:MM/);
  });
});
