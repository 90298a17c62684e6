import { strict as assert } from 'node:assert';
import { RunSerializer } from '../../../nodes/lib/odbc/serializer';

/** A run that ends when the test says so. */
function gate(): { task: () => Promise<void>; open: () => void; started: () => boolean } {
  let open!: () => void;
  let started = false;
  const p = new Promise<void>((r) => (open = r));
  return { task: () => ((started = true), p), open: () => open(), started: () => started };
}
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('odbc run serializer', () => {
  it('queues triggers that arrive during a run and runs them one after another', async () => {
    const s = new RunSerializer('queue');
    const a = gate();
    const b = gate();
    const c = gate();
    assert.deepEqual(s.submit(a.task, () => assert.fail('not cancelled')), { state: 'started' });
    assert.deepEqual(s.submit(b.task, () => assert.fail('not cancelled')), { state: 'queued', position: 1 });
    assert.deepEqual(s.submit(c.task, () => assert.fail('not cancelled')), { state: 'queued', position: 2 });
    assert.deepEqual([a.started(), b.started(), c.started()], [true, false, false]);
    a.open();
    await tick();
    assert.deepEqual([b.started(), c.started()], [true, false], 'b starts only after a ended');
    b.open();
    await tick();
    assert.equal(c.started(), true);
    c.open();
    await tick();
    assert.equal(s.busy, false);
  });

  it('drops triggers during a run in drop mode', () => {
    const s = new RunSerializer('drop');
    const a = gate();
    s.submit(a.task, () => undefined);
    assert.deepEqual(s.submit(gate().task, () => undefined), { state: 'dropped' });
  });

  it('drops beyond the queue limit', () => {
    const s = new RunSerializer('queue', 1);
    s.submit(gate().task, () => undefined);
    assert.equal(s.submit(gate().task, () => undefined).state, 'queued');
    assert.equal(s.submit(gate().task, () => undefined).state, 'dropped');
  });

  it('on drain, cancels queued runs and waits for the current one', async () => {
    const s = new RunSerializer('queue');
    const a = gate();
    const b = gate();
    const cancelled: string[] = [];
    s.submit(a.task, () => undefined);
    s.submit(b.task, (why) => cancelled.push(why));
    let drained = false;
    const d = s.drain('flow stopped').then(() => (drained = true));
    assert.deepEqual(cancelled, ['flow stopped']);
    await tick();
    assert.equal(drained, false, 'still running');
    a.open();
    await d;
    assert.equal(b.started(), false);
    assert.equal(s.busy, false);
  });

  it('keeps going after a failing run', async () => {
    const s = new RunSerializer('queue');
    const b = gate();
    s.submit(() => Promise.reject(new Error('run failed')), () => undefined);
    s.submit(b.task, () => undefined);
    await tick();
    await tick();
    assert.equal(b.started(), true);
  });
});
