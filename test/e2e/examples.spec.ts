// Every flow under examples/ as Import > Examples offers it (the runtime's
// examples library), checked against the node types the runtime has, then deployed.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../support/paths';
import { startRuntime, type StartedRuntime } from '../support/runtime';

const PACK = 'node-red-contrib-dentrix-recall';
const NODE_TYPES = ['recall-schedule', 'dentrix-odbc-in', 'batch-export-in', 'recall-normalize', 'consent-filter', 'idempotency-gate', 'crm-webhook-out'];
/** types that are not nodes of a module */
const STRUCTURAL = new Set(['tab', 'subflow', 'group', 'junction']);

interface FlowNode { id: string; type: string; z?: string; d?: boolean }
interface NodeSetInfo { module: string; types: string[]; enabled: boolean; err?: string }
type Listing = (string | { fn: string })[];

function exampleFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...exampleFiles(path.join(dir, e.name), `${prefix}${e.name}/`));
    else if (e.name.endsWith('.json')) out.push(`${prefix}${e.name.replace(/\.json$/, '')}`);
  }
  return out.sort();
}

describe('examples (Import > Examples)', function () {
  this.timeout(120_000);
  let red: StartedRuntime;
  let known: Set<string>;
  const files = exampleFiles(path.join(ROOT, 'examples'));

  before(async () => {
    // a runtime with an empty flow, so each example is deployed on its own
    red = await startRuntime({ flow: [], env: { RECALL_WATCH_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'recall-examples-watch-')) } });
    const sets = await red.api<NodeSetInfo[]>('GET', '/nodes');
    known = new Set(sets.filter((s) => s.enabled && !s.err).flatMap((s) => s.types));
  });
  after(async () => red && (await red.stop()));

  it('ships the default flow and one example per node type', () => {
    assert.ok(files.includes('default-recall-flow'), `examples: ${files}`);
    for (const type of NODE_TYPES) assert.ok(files.includes(`nodes/${type}`), `examples/nodes/${type}.json exists`);
  });

  it('the runtime lists every example file in its examples library', async () => {
    const top = await red.api<Listing>('GET', `/library/examples/flows/${PACK}`);
    const names = top.map((e) => (typeof e === 'string' ? `${e}/` : e.fn));
    assert.ok(names.includes('default-recall-flow'), `top level: ${names}`);
    if (files.some((f) => f.startsWith('nodes/'))) {
      const sub = await red.api<Listing>('GET', `/library/examples/flows/${PACK}/nodes`);
      const subNames = sub.map((e) => (typeof e === 'string' ? e : e.fn)).map((n) => `nodes/${n}`);
      for (const f of files.filter((x) => x.startsWith('nodes/'))) assert.ok(subNames.includes(f), `${f} listed`);
    }
  });

  for (const file of files) {
    it(`${file}: only known node types, wired to existing nodes, and it deploys`, async () => {
      const flow = await red.api<FlowNode[]>('GET', `/library/examples/flows/${PACK}/${file}`);
      assert.ok(Array.isArray(flow) && flow.length > 0, 'an importable array of nodes');
      const ids = new Set(flow.map((n) => n.id));
      assert.equal(ids.size, flow.length, 'node ids are unique');
      const unknown = [...new Set(flow.map((n) => n.type))].filter((t) => !STRUCTURAL.has(t) && !t.startsWith('subflow:') && !known.has(t));
      assert.deepEqual(unknown, [], 'node types the runtime does not know');
      for (const n of flow as (FlowNode & { wires?: string[][] })[]) {
        if (n.z !== undefined) assert.ok(ids.has(n.z), `${n.type} ${n.id} sits on a tab of the example`);
        for (const out of n.wires ?? []) for (const target of out) assert.ok(ids.has(target), `${n.id} wires to missing ${target}`);
      }
      assert.ok(flow.some((n) => n.type === 'tab'), 'nodes are on a tab');
      const before = red.output().length;
      const res = await red.api<{ rev: string }>('POST', '/flows', { flows: flow }, { 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' });
      assert.ok(res.rev);
      // the runtime says so when it is waiting for a type it does not have
      const [started] = await red.waitForOutput(/Started flows|Waiting for missing types/, before);
      assert.equal(started, 'Started flows', red.output().slice(before));
    });
  }
});
