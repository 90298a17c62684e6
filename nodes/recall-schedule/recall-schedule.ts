// recall-schedule: starts a recall run on the days and times set in the editor, in the
// office's time zone; a crontab in RECALL_SCHEDULE overrides them. The schedule logic
// is in lib/schedule; this adapter keeps one timer, a status and two admin routes
// (the dialog's preview of the schedule in effect, and the Run now button).
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { effectiveSchedule, type EffectiveSchedule, type ScheduleInput } from '../lib/schedule/config';
import { nextRun, whenText } from '../lib/schedule/schedule';

interface ScheduleDef extends NodeDef, ScheduleInput {
  timeZone?: string;
  timeZoneType?: string;
}

/** A long wait is taken in steps, so a clock change or a sleeping machine is noticed. */
const MAX_WAIT_MS = 15 * 60_000;
const DEFAULTS: ScheduleDef = { id: '', type: 'recall-schedule', name: '', z: '', days: '1,2,3,4,5', times: '08:00', overrideEnv: 'RECALL_SCHEDULE', timeZone: 'OFFICE_TZ', timeZoneType: 'env' };

export = function (RED: NodeAPI): void {
  /** The settings of each deployed schedule node, for the dialog's preview. */
  const deployedConfigs = new Map<string, ScheduleDef>();

  /** A variable as a node sees it (its tab's env first), or the process's when no node is deployed. */
  function envOf(node: Node | null, name: string): string {
    if (!name) return '';
    const v = node ? RED.util.evaluateNodeProperty(name, 'env', node, {}) : process.env[name];
    return v === undefined || v === null ? '' : String(v);
  }

  function resolve(config: ScheduleDef, lookup: (name: string) => string): EffectiveSchedule {
    const zone = (config.timeZoneType || 'str') === 'env' ? lookup(String(config.timeZone ?? '')) : String(config.timeZone ?? '');
    return effectiveSchedule(config, zone, lookup);
  }

  function RecallSchedule(this: Node, config: ScheduleDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    deployedConfigs.set(node.id, config);
    let timer: NodeJS.Timeout | undefined;
    let next: number | null = null;
    let effective: EffectiveSchedule | undefined;
    let lastRun: number | undefined;
    try {
      effective = resolve(config, (name) => envOf(node, name));
    } catch (err) {
      node.error(`schedule not started: ${(err as Error).message}`);
      node.status({ fill: 'red', shape: 'ring', text: (err as Error).message.slice(0, 80) });
    }

    function showNext(): void {
      if (!effective) return;
      const by = effective.source === 'env' ? ` (${effective.overrideEnv})` : '';
      const now = Date.now();
      const ran = lastRun === undefined ? '' : `ran ${whenText(lastRun, effective.timeZone, now)}, `;
      if (next === null) node.status({ fill: 'grey', shape: 'ring', text: `${ran}never runs: ${effective.text}${by}`.slice(0, 80) });
      else node.status({ fill: 'blue', shape: effective.source === 'env' ? 'ring' : 'dot', text: `${ran}next ${whenText(next, effective.timeZone, now)} ${effective.timeZone}${by}` });
    }

    function arm(after: number): void {
      if (!effective) return;
      next = nextRun(effective.schedule, after, effective.timeZone);
      showNext();
      wait();
    }

    function wait(): void {
      if (next === null) return;
      timer = setTimeout(tick, Math.min(Math.max(next - Date.now(), 0), MAX_WAIT_MS));
    }

    function tick(): void {
      timer = undefined;
      if (next === null) return;
      const now = Date.now();
      if (now < next) return wait();
      fire(false);
      // runs missed while the machine slept are not caught up: one run, then the next in the future
      arm(Math.max(next, now));
    }

    function fire(manual: boolean): void {
      lastRun = Date.now();
      // one line per run in the log: an unattended service shows when runs started
      node.log(`run started (${manual ? 'Run now' : 'scheduled'}); schedule ${effective?.text ?? 'not set'}${effective ? `, ${effective.timeZone}` : ''}`);
      if (manual) showNext();
      node.send({ payload: Date.now(), topic: 'schedule', schedule: { manual, source: effective?.source ?? 'editor', text: effective?.text ?? '' } } as never);
    }

    if (effective) arm(Date.now());

    // Run now (the node's button, or POST /inject/<id> as for an inject node)
    node.on('input', (_msg, _send, done) => {
      fire(true);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      next = null;
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

  // The schedule in effect for the dialog's settings: the editor cannot read the
  // environment or compute office time itself. Variables are read only under the
  // names the deployed node (or the default flow) uses, so no other value leaks.
  routes.get('/recall-schedule/preview', auth.needsPermission('recall-schedule.read'), (req: Req, res: Res) => {
    const deployed = req.query.id ? (RED.nodes.getNode(req.query.id) as Node | null) : null;
    const base = (req.query.id && deployedConfigs.get(req.query.id)) || DEFAULTS;
    const allowed = new Set([DEFAULTS.overrideEnv, DEFAULTS.timeZone, base.overrideEnv, base.timeZoneType === 'env' ? base.timeZone : ''].map(String).filter(Boolean));
    const config: ScheduleDef = {
      ...DEFAULTS,
      days: req.query.days ?? DEFAULTS.days,
      times: req.query.times ?? DEFAULTS.times,
      overrideEnv: req.query.overrideEnv ?? DEFAULTS.overrideEnv,
      timeZone: req.query.timeZone ?? DEFAULTS.timeZone,
      timeZoneType: req.query.timeZoneType ?? DEFAULTS.timeZoneType,
    };
    const unknown: string[] = [];
    const lookup = (name: string) => {
      if (!allowed.has(name)) {
        unknown.push(name);
        return '';
      }
      return envOf(deployed, name);
    };
    try {
      const eff = resolve(config, lookup);
      const now = Date.now();
      const at = nextRun(eff.schedule, now, eff.timeZone);
      res.json({ source: eff.source, overrideEnv: eff.overrideEnv, override: eff.override ?? '', timeZone: eff.timeZone, text: eff.text, next: at === null ? '' : whenText(at, eff.timeZone, now), nextIso: at === null ? '' : new Date(at).toISOString(), unknown });
    } catch (err) {
      res.json({ error: (err as Error).message, unknown });
    }
  });

  routes.post('/recall-schedule/:id/run', auth.needsPermission('recall-schedule.write'), (req: Req, res: Res) => {
    const target = RED.nodes.getNode(req.params.id) as (Node & { type: string }) | null;
    if (!target || target.type !== 'recall-schedule') return res.status(404).send();
    target.receive({});
    res.status(200).send();
  });
};
