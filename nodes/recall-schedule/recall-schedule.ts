// recall-schedule: starts a recall run on the days and times set in the editor, in the
// office's time zone; a crontab in RECALL_SCHEDULE overrides them. The schedule logic
// is in lib/schedule (the timer, the status, the preview); this adapter keeps one timer
// per node and two admin routes (the dialog's preview, and the Run now button).
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { envAsSeen } from '../kit/setting';
import { scheduleOf, type EffectiveSchedule, type ScheduleInput } from '../lib/schedule/config';
import { brokenStatus, nextStatus, previewSchedule } from '../lib/schedule/report';
import { ScheduleTimer } from '../lib/schedule/timer';

type ScheduleDef = NodeDef & ScheduleInput;

export = function (RED: NodeAPI): void {
  /** The settings of each deployed schedule node, for the dialog's preview. */
  const deployedConfigs = new Map<string, ScheduleDef>();

  function RecallSchedule(this: Node, config: ScheduleDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    deployedConfigs.set(node.id, config);
    let effective: EffectiveSchedule | undefined;
    let timer: ScheduleTimer | undefined;
    let lastRun: number | undefined;
    try {
      effective = scheduleOf(config, (name) => envAsSeen(RED, node, name));
    } catch (err) {
      node.error(`schedule not started: ${(err as Error).message}`);
      node.status(brokenStatus(err as Error));
    }

    const showNext = (): void => void (effective && node.status(nextStatus(effective, timer?.next ?? null, lastRun, Date.now())));

    function fire(manual: boolean): void {
      lastRun = Date.now();
      // one line per run in the log: an unattended service shows when runs started
      node.log(`run started (${manual ? 'Run now' : 'scheduled'}); schedule ${effective?.text ?? 'not set'}${effective ? `, ${effective.timeZone}` : ''}`);
      if (manual) showNext();
      node.send({ payload: Date.now(), topic: 'schedule', schedule: { manual, source: effective?.source ?? 'editor', text: effective?.text ?? '' } } as never);
    }

    if (effective) {
      timer = new ScheduleTimer(effective, { onRun: () => fire(false), onArmed: showNext });
      timer.start();
    }

    // Run now (the node's button, or POST /inject/<id> as for an inject node)
    node.on('input', (_msg, _send, done) => {
      fire(true);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      timer?.stop();
      deployedConfigs.delete(node.id);
      done();
    });
  }

  RED.nodes.registerType('recall-schedule', RecallSchedule);

  const routes = RED.httpAdmin as unknown as {
    get(path: string, ...handlers: unknown[]): void;
    post(path: string, ...handlers: unknown[]): void;
  };
  const auth = (RED as unknown as { auth: { needsPermission(p: string): unknown } }).auth;
  type Req = { params: Record<string, string>; query: Record<string, string | undefined> };
  type Res = { json(v: unknown): void; status(n: number): Res; send(v?: unknown): void };

  routes.get('/recall-schedule/preview', auth.needsPermission('recall-schedule.read'), (req: Req, res: Res) => {
    const id = req.query.id;
    const deployed = id ? (RED.nodes.getNode(id) as Node | null) : null;
    res.json(previewSchedule(req.query, (id && deployedConfigs.get(id)) || undefined, (name) => envAsSeen(RED, deployed, name), Date.now()));
  });

  routes.post('/recall-schedule/:id/run', auth.needsPermission('recall-schedule.write'), (req: Req, res: Res) => {
    const target = RED.nodes.getNode(req.params.id) as (Node & { type: string }) | null;
    if (!target || target.type !== 'recall-schedule') return res.status(404).send();
    target.receive({});
    res.status(200).send();
  });
};
