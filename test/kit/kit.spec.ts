// nodes/kit in a real Node-RED runtime: a small node built only from the kit reads its
// settings, looks up a config node, creates msg.recall and splits its output.
import { strict as assert } from 'node:assert';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { atDeploy, configNode } from '../../nodes/kit/config-node';
import { recallOf, sendSplit, type RunMsg } from '../../nodes/kit/run';
import { envAsSeen, envTyped, readText, readValue } from '../../nodes/kit/setting';
import { progressStatus, showStatus, STATUS_MAX, statusText } from '../../nodes/kit/status';
import { helper, useHelper } from '../support/helper';

interface Probe { ping(): string }
type KitDef = NodeDef & { probe?: string; value?: string; valueType?: string };

function kitNodes(RED: NodeAPI): void {
  RED.nodes.registerType('kit-probe', function (this: Node & Probe, config: NodeDef) {
    RED.nodes.createNode(this, config);
    this.ping = () => 'pong';
  } as never);
  RED.nodes.registerType('kit-user', function (this: Node, config: KitDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const setup = atDeploy(node, () => configNode<Probe>(RED, config.probe, 'probe', 'kit-probe', 'ping'));
    node.on('input', async (msg: RunMsg, send, done) => {
      try {
        if (setup.problem) throw new Error(setup.problem);
        const text = await readText(RED, node, 'value', config.value, config.valueType, msg);
        const raw = await readValue(RED, node, 'value', config.value, config.valueType, msg);
        const recall = recallOf(msg);
        showStatus(node, 'ok', `${setup.value!.ping()} ${text}`, { dryRun: recall.dryRun });
        sendSplit(RED, send, msg, [text, typeof raw], Array.isArray(msg.payload) ? msg.payload : []);
        done();
      } catch (err) {
        showStatus(node, 'failed', (err as Error).message);
        done(err as Error);
      }
    });
  } as never);
  // deploy-time readers: its status shows what they read
  RED.nodes.registerType('kit-env', function (this: Node, config: KitDef) {
    RED.nodes.createNode(this, config);
    const seen = [envTyped(RED, this, config.value, config.valueType), envAsSeen(RED, this, 'FLOW_ONLY'), envAsSeen(RED, null, 'FLOW_ONLY')];
    showStatus(this, 'ready', JSON.stringify(seen));
  } as never);
}

const flow = (user: Record<string, unknown>) => [
  { id: 'f', type: 'tab', env: [{ name: 'FLOW_ONLY', type: 'str', value: 'from-flow-env' }] },
  { id: 'p', type: 'kit-probe', z: 'f' },
  { id: 'u', type: 'kit-user', z: 'f', probe: 'p', wires: [['o1'], ['o2']], ...user },
  { id: 'o1', type: 'helper', z: 'f' },
  { id: 'o2', type: 'helper', z: 'f' },
];

/** Output 1, and output 2 when `second` says one is expected. */
async function run(user: Record<string, unknown>, msg: Record<string, unknown>, second = false): Promise<{ out1: any; out2: any }> {
  await helper.load(kitNodes as never, flow(user));
  const o2: any[] = [];
  helper.getNode('o2').on('input', (m: unknown) => o2.push(m));
  const out2 = second ? new Promise<any>((resolve) => helper.getNode('o2').once('input', resolve)) : undefined;
  const out1 = new Promise<any>((resolve) => helper.getNode('o1').once('input', resolve));
  helper.getNode('u').receive(msg);
  const first = await out1;
  // output 2 is sent with output 1 in one send(): when it came, it came before the helper node after o1 ran
  return { out1: first, out2: out2 ? await out2 : o2[0] };
}

describe('nodes/kit', function () {
  useHelper();
  afterEach(() => {
    delete process.env.KIT_TEST_VAR;
  });

  it('expands ${VAR} in typed text, never in a value taken from the message', async () => {
    process.env.KIT_TEST_VAR = 'expanded';
    const typed = await run({ value: 'a-${KIT_TEST_VAR}', valueType: 'str' }, { payload: 'x' });
    assert.equal(typed.out1.payload[0], 'a-expanded');
    await helper.unload();
    const fromMsg = await run({ value: 'field', valueType: 'msg' }, { payload: 'x', field: ' a-${KIT_TEST_VAR} ' });
    assert.equal(fromMsg.out1.payload[0], 'a-${KIT_TEST_VAR}');
  });

  it('reads env (with the flow env), num and jsonata through one reader; a number stays a number raw', async () => {
    assert.deepEqual((await run({ value: 'FLOW_ONLY', valueType: 'env' }, { payload: 'x' })).out1.payload, ['from-flow-env', 'string']);
    await helper.unload();
    assert.deepEqual((await run({ value: '42', valueType: 'num' }, { payload: 'x' })).out1.payload, ['42', 'number']);
    await helper.unload();
    assert.deepEqual((await run({ value: 'n * 2', valueType: 'jsonata' }, { payload: 'x', n: 21 })).out1.payload, ['42', 'number']);
  });

  it('creates msg.recall with a run id and the contacts\' source; output 2 is a deep copy with the rest', async () => {
    const contacts = [{ patientId: 'P1', source: 'odbc' }];
    const { out1, out2 } = await run({ value: 'v' }, { payload: contacts, topic: 't', deep: { a: 1 } }, true);
    assert.equal(out1.recall.source, 'odbc');
    assert.match(out1.recall.runId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(out2.payload, contacts);
    assert.equal(out2.recall.runId, out1.recall.runId);
    assert.equal(out2.topic, 't');
    assert.notEqual(out2.deep, out1.deep);
    assert.notEqual(out2._msgid, undefined);
  });

  it('sends nothing on output 2 when there is nothing for it', async () => {
    const { out2 } = await run({ value: 'v' }, { payload: 'not-a-list' });
    assert.equal(out2, undefined);
  });

  it('a missing config node is a clear deploy-time error, shown red and passed to Catch on input', async () => {
    await helper.load(kitNodes as never, flow({ probe: 'gone' }));
    const u = helper.getNode('u');
    const err = await new Promise<Error>((resolve) => {
      u.on('call:error', (call: { args: unknown[] }) => resolve(call.args[0] as Error));
      u.receive({ payload: [] });
    });
    assert.match(String(err), /setting "probe": the kit-probe node gone is not deployed/);
    assert.deepEqual(u.status.getCall(0).args[0], { fill: 'red', shape: 'ring', text: 'setting "probe": the kit-probe node gone is not deployed' });
  });

  it('cuts every status text at one length and shows dry runs as rings', () => {
    const seen: any[] = [];
    const node = { status: (s: unknown) => seen.push(s) };
    showStatus(node, 'ok', 'x'.repeat(100), { dryRun: true });
    assert.equal(seen[0].text.length, STATUS_MAX);
    assert.ok(seen[0].text.endsWith('…'));
    assert.deepEqual([seen[0].fill, seen[0].shape], ['green', 'ring']);
    assert.equal(statusText('short'), 'short');
  });

  it('reads a setting lib parses itself: an env one as the node sees it, any other as saved', async () => {
    const shown = async (value: unknown, valueType?: string): Promise<unknown> => {
      await helper.load(kitNodes as never, [{ id: 'f', type: 'tab', env: [{ name: 'FLOW_ONLY', type: 'str', value: 'from-flow-env' }] }, { id: 'e', type: 'kit-env', z: 'f', value, valueType }]);
      const status = helper.getNode('e').status.getCall(0).args[0] as { text: string };
      await helper.unload();
      return JSON.parse(status.text);
    };
    // the tab's env is seen by the node, not by the process
    assert.deepEqual(await shown('FLOW_ONLY', 'env'), ['from-flow-env', 'from-flow-env', '']);
    assert.deepEqual(await shown(true, 'bool'), [true, 'from-flow-env', '']);
    // not a variable name: text Node-RED may already have substituted
    assert.deepEqual(await shown('${OLD}', 'env'), ['${OLD}', 'from-flow-env', '']);
  });

  it('shows progress at most every interval, and the last at once', () => {
    const seen: string[] = [];
    let now = 1000;
    const progress = progressStatus({ status: (s: { text?: string }) => seen.push(s.text!) } as never, 250, () => now);
    progress('1');
    now += 100;
    progress('2');
    progress('3', true);
    now += 249;
    progress('4');
    now += 1;
    progress('5');
    assert.deepEqual(seen, ['1', '3', '5']);
  });
});
