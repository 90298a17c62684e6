// consent-filter through Node-RED (test helper) with the real recall-ledger config
// node on a SQLite file and a real HTTP server on 127.0.0.1 as the CRM's feed.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { helper, useHelper } from '../support/helper';
import { nodeModule, ROOT } from '../support/paths';
import { startFeedServer, type FeedServer } from '../lib/consent/feed-server';

const consent = nodeModule('consent-filter');
const ledgerNode = nodeModule('recall-ledger');
const normalize = nodeModule('recall-normalize');

interface Msg {
  payload: any;
  recall?: any;
  error?: { message: string; source: { id: string } };
  [k: string]: unknown;
}

function contact(over: Record<string, unknown> = {}) {
  return {
    office: 'SLC', patientId: '1', firstName: 'Maria', lastName: 'Garcia', phone: '+18015550199', phoneType: 'mobile', email: 'maria@example.com',
    hasFutureAppointment: false, status: 'active', channels: { sms: true, email: true, voice: true }, segment: 'overdue', source: 'odbc', ...over,
  };
}

describe('consent-filter node', () => {
  let dir: string;
  let feed: FeedServer;

  function flow(node: Record<string, unknown>, extra: object[] = []) {
    return [
      { id: 'f1', type: 'tab' },
      { id: 'L', type: 'recall-ledger', file: path.join(dir, 'ledger.db'), secretEnv: '' },
      { id: 'n1', z: 'f1', type: 'consent-filter', ledger: 'L', url: '', urlType: 'str', wires: [['out1'], ['out2']], ...node },
      { id: 'out1', z: 'f1', type: 'helper' },
      { id: 'out2', z: 'f1', type: 'helper' },
      { id: 'c1', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f1', type: 'helper' },
      ...extra,
    ];
  }
  const creds = { L: { secret: 'node-test-secret' } };
  const next = (id: string) => new Promise<Msg>((r) => helper.getNode(id).once('input', r));

  useHelper();
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consent-node-'));
    feed = await startFeedServer();
  });
  afterEach(async () => {
    await feed.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pulls the feed, applies msg.suppress, splits the batch and counts by reason', async () => {
    feed.answer = { body: [{ channel: 'email', value: 'MARIA@example.com', reason: 'opted-out' }] };
    await helper.load([ledgerNode, consent], flow({ url: feed.url }), creds);
    const o1 = next('out1');
    const o2 = next('out2');
    helper.getNode('n1').receive({
      payload: [contact(), contact({ patientId: '2', phone: '+18015550142', email: undefined }), contact({ patientId: '3', hasFutureAppointment: true })],
      suppress: [{ channel: 'sms', value: '(801) 555-0142', reason: 'opted-out' }, { channel: 'voice', value: '801-555-0142' }],
      recall: { runId: 'r1', office: 'SLC', source: 'odbc', dryRun: true, counts: { 'not-due': 4 } },
    });
    const [a, b] = await Promise.all([o1, o2]);
    assert.deepEqual(a.payload.map((c: any) => [c.patientId, c.channels, c.channelReasons]), [['1', { sms: true, email: false, voice: true }, { email: 'email-opt-out' }]]);
    assert.deepEqual(b.payload.map((s: any) => [s.patientId, s.reason]), [['2', 'opted-out'], ['3', 'has-appointment']]);
    assert.deepEqual(a.recall.counts, { 'not-due': 4, 'opted-out': 1, 'has-appointment': 1, 'email-opt-out': 1 });
    assert.equal(a.recall.dryRun, true, 'dry-run passes along unchanged');
    assert.equal(a.suppress, undefined, 'msg.suppress is consumed');
    assert.deepEqual(a.recall['consent-filter'], { contacts: 3, contactable: 1, suppressed: 2, fromMessage: 2, pulled: 1, badEntries: 0, widenedEntries: 0, pullFailed: false, listSize: 3, ledgerHeld: 0 });
    assert.equal(feed.requests.length, 1);
    const status = helper.getNode('n1').status.lastCall.args[0];
    assert.equal(status.fill, 'green');
    assert.match(status.text, /^1 contactable, /);
  });

  it('a message without msg.recall gets whole run metadata (a run id, the contacts\' source), not a bare object', async () => {
    await helper.load([ledgerNode, consent], flow({}), creds);
    const o1 = next('out1');
    helper.getNode('n1').receive({ payload: [contact()] });
    const a = await o1;
    assert.match(a.recall.runId, /^[0-9a-f-]{36}$/);
    assert.equal(a.recall.source, 'odbc');
    assert.equal(a.recall['consent-filter'].contacts, 1);
  });

  it('keeps the list in the ledger: the next run (no pull, no msg.suppress) still suppresses', async () => {
    await helper.load([ledgerNode, consent], flow({}), creds);
    let o1 = next('out1');
    helper.getNode('n1').receive({ payload: [contact()], suppress: { channel: 'all', value: '+18015550199' } });
    assert.deepEqual((await o1).payload[0].channelReasons, { sms: 'sms-opt-out', voice: 'voice-opt-out' });
    o1 = next('out1');
    helper.getNode('n1').receive({ payload: [contact()] });
    assert.deepEqual((await o1).payload[0].channelReasons, { sms: 'sms-opt-out', voice: 'voice-opt-out' });
  });

  for (const [name, answer] of [
    ['HTTP 500', { status: 500 }],
    ['invalid JSON', { text: '{oops' }],
    ['no answer (timeout)', { hang: true }],
  ] as [string, object][]) {
    it(`a failed pull (${name}) stops the run: nothing sent, the error reaches Catch`, async () => {
      feed.answer = answer;
      await helper.load([ledgerNode, consent], flow({ url: feed.url, pullTimeout: '1' }), creds);
      let sent = 0;
      helper.getNode('out1').on('input', () => sent++);
      helper.getNode('out2').on('input', () => sent++);
      const caught = next('caught');
      helper.getNode('n1').receive({ payload: [contact()] });
      const m = await caught;
      assert.match(m.error!.message, /suppression pull from http:\/\/127\.0\.0\.1:\d+\/suppressions.*nothing was passed on/);
      assert.equal(sent, 0);
      assert.equal(helper.getNode('n1').status.lastCall.args[0].fill, 'red');
    });
  }

  it('"continue on a failed pull": goes on with the stored list, warns, yellow status', async () => {
    feed.answer = { status: 502 };
    await helper.load([ledgerNode, consent], flow({ url: feed.url, continueOnPullFailure: true }), creds);
    const o1 = next('out1');
    helper.getNode('n1').receive({ payload: [contact()] });
    const a = await o1;
    assert.equal(a.payload.length, 1);
    assert.equal(a.recall['consent-filter'].pullFailed, true);
    const n1 = helper.getNode('n1');
    assert.match(String(n1.warn.lastCall.args[0]), /HTTP 502.*stored suppression list/);
    assert.equal(n1.status.lastCall.args[0].fill, 'yellow');
  });

  it('the URL can come from the environment (${CRM_SUPPRESSION_URL})', async () => {
    process.env.CRM_SUPPRESSION_URL_TEST = feed.url;
    feed.answer = { body: [{ channel: 'all', value: '+18015550199' }, { channel: 'all', value: 'maria@example.com' }] };
    try {
      await helper.load([ledgerNode, consent], flow({ url: '${CRM_SUPPRESSION_URL_TEST}' }), creds);
      const o2 = next('out2');
      helper.getNode('n1').receive({ payload: [contact()] });
      assert.deepEqual((await o2).payload.map((s: any) => s.reason), ['opted-out']);
    } finally {
      delete process.env.CRM_SUPPRESSION_URL_TEST;
    }
  });

  it('a URL taken from the message is used as it is: ${VAR} in it is not filled from the environment', async () => {
    process.env.SECRET_FOR_URL_TEST = 's3cr3t-token';
    feed.answer = { body: [] };
    try {
      await helper.load([ledgerNode, consent], flow({ url: 'feedUrl', urlType: 'msg' }), creds);
      const done = Promise.race([next('out1'), next('caught')]);
      helper.getNode('n1').receive({ payload: [contact()], feedUrl: `${feed.url}?k=\${SECRET_FOR_URL_TEST}` });
      await done;
      assert.equal(feed.requests.length, 1);
      assert.ok(!feed.requests[0].path.includes('s3cr3t-token'), `the secret left in the URL: ${feed.requests[0].path}`);
    } finally {
      delete process.env.SECRET_FOR_URL_TEST;
    }
  });

  for (const [name, cfg, creds2, why] of [
    ['no ledger chosen', { ledger: '' }, {}, /setting "ledger"/],
    ['a ledger without a secret', {}, {}, /no key secret/],
    ['plain http to another machine', { url: 'http://crm.example.com/dnd' }, creds, /plain http/],
    ['a bad region', { region: 'XX' }, creds, /phone region/],
  ] as [string, object, object, RegExp][]) {
    it(`bad configuration (${name}): red status, the run fails to a Catch node`, async () => {
      await helper.load([ledgerNode, consent], flow(cfg as Record<string, unknown>), creds2);
      const n1 = helper.getNode('n1');
      assert.equal(n1.status.lastCall.args[0].fill, 'red');
      const caught = next('caught');
      n1.receive({ payload: [contact()] });
      assert.match((await caught).error!.message, why);
    });
  }

  describe('the feed fails closed (real pull from 127.0.0.1)', () => {
    it('unknown channel and reason suppress; an entry without a usable value is counted, warned and shown', async () => {
      feed.answer = { body: [{ channel: 'text', value: '(801) 555-0199', reason: 'unsubscribed' }, { channel: 'email', email: 'maria@example.com' }] };
      await helper.load([ledgerNode, consent], flow({ url: feed.url }), creds);
      const o1 = next('out1');
      helper.getNode('n1').receive({ payload: [contact()], recall: { runId: 'r1', office: 'SLC', source: 'odbc', counts: {} } });
      const a = await o1;
      assert.deepEqual(a.payload[0].channelReasons, { sms: 'sms-opt-out', voice: 'voice-opt-out' });
      assert.equal(a.recall.counts['suppression-unusable'], 1);
      assert.equal(a.recall['consent-filter'].badEntries, 1);
      assert.equal(a.recall['consent-filter'].widenedEntries, 1);
      const n1 = helper.getNode('n1');
      const warned = n1.warn.getCalls().map((c: any) => String(c.args[0])).join('\n');
      assert.match(warned, /1 entries of the suppression feed have no usable value and were not stored: entry 2: no value/);
      assert.match(warned, /channel "text" read as all, reason "unsubscribed" read as opted-out/);
      assert.ok(!warned.includes('555-0199') && !warned.includes('maria@'), 'no values in warnings');
      const status = n1.status.lastCall.args[0];
      assert.equal(status.fill, 'yellow');
      assert.match(status.text, /1 suppression entries unusable/);
    });
    it('an entry with only a value (no channel, no reason) is an opt-out of every channel of that value, without a warning', async () => {
      feed.answer = { body: [{ value: '(801) 555-0199' }] };
      await helper.load([ledgerNode, consent], flow({ url: feed.url }), creds);
      const o1 = next('out1');
      helper.getNode('n1').receive({ payload: [contact()] });
      const a = await o1;
      assert.deepEqual(a.payload[0].channelReasons, { sms: 'sms-opt-out', voice: 'voice-opt-out' });
      assert.deepEqual([a.recall['consent-filter'].widenedEntries, a.recall['consent-filter'].badEntries], [0, 0]);
      assert.equal(helper.getNode('n1').warn.callCount, 0);
    });
    for (const [name, answer] of [
      ['a feed in which no entry is usable', { body: [{ phone: '+18015550199' }, { phone: '+18015550142' }] }],
      ['a feed that is not an array of entries', { body: { items: [{ channel: 'all', value: '+18015550199' }] } }],
    ] as [string, object][]) {
      it(`${name} stops the run: nothing sent, the error reaches Catch`, async () => {
        feed.answer = answer;
        await helper.load([ledgerNode, consent], flow({ url: feed.url }), creds);
        let sent = 0;
        helper.getNode('out1').on('input', () => sent++);
        const caught = next('caught');
        helper.getNode('n1').receive({ payload: [contact()] });
        assert.match((await caught).error!.message, /suppression pull from http:\/\/127\.0\.0\.1:\d+\/suppressions failed: the answer: .*nothing was passed on/);
        assert.equal(sent, 0);
      });
    }
    it('msg.suppress: same rules (nothing usable stops the run)', async () => {
      await helper.load([ledgerNode, consent], flow({}), creds);
      const caught = next('caught');
      helper.getNode('n1').receive({ payload: [contact()], suppress: [{ phone: '+18015550199' }] });
      assert.match((await caught).error!.message, /msg.suppress: none of its 1 entries has a usable value/);
    });
  });

  describe('the pull token and redirects', () => {
    it('sends the token of the dialog (credential store) as a bearer token', async () => {
      await helper.load([ledgerNode, consent], flow({ url: feed.url }), { ...creds, n1: { token: 'feed-t0k' } });
      const o1 = next('out1');
      helper.getNode('n1').receive({ payload: [contact()] });
      await o1;
      assert.equal(feed.requests[0].headers.authorization, 'Bearer feed-t0k');
    });
    it('the token field may name an environment variable: ${VAR}', async () => {
      process.env.FEED_TOKEN_TEST = 'env-t0k';
      try {
        await helper.load([ledgerNode, consent], flow({ url: feed.url }), { ...creds, n1: { token: '${FEED_TOKEN_TEST}' } });
        const o1 = next('out1');
        helper.getNode('n1').receive({ payload: [contact()] });
        await o1;
        assert.equal(feed.requests[0].headers.authorization, 'Bearer env-t0k');
      } finally {
        delete process.env.FEED_TOKEN_TEST;
      }
    });
    it('a token naming an unset variable is a configuration error (no pull without it)', async () => {
      await helper.load([ledgerNode, consent], flow({ url: feed.url }), { ...creds, n1: { token: '${FEED_TOKEN_UNSET_TEST}' } });
      const n1 = helper.getNode('n1');
      assert.equal(n1.status.lastCall.args[0].fill, 'red');
      const caught = next('caught');
      n1.receive({ payload: [contact()] });
      assert.match((await caught).error!.message, /setting "token": environment variable FEED_TOKEN_UNSET_TEST is not set/);
      assert.equal(feed.requests.length, 0);
    });
    it('a redirect to plain http on another machine stops the run', async () => {
      feed.answer = { redirect: 'http://feed.example.invalid/dnd' };
      await helper.load([ledgerNode, consent], flow({ url: feed.url }), { ...creds, n1: { token: 'feed-t0k' } });
      const caught = next('caught');
      helper.getNode('n1').receive({ payload: [contact()] });
      assert.match((await caught).error!.message, /redirect to http:\/\/feed\.example\.invalid\/dnd: plain http/);
    });
  });

  it('a payload that is not an array reaches Catch', async () => {
    await helper.load([ledgerNode, consent], flow({}), creds);
    const caught = next('caught');
    helper.getNode('n1').receive({ payload: { not: 'an array' } });
    assert.match((await caught).error!.message, /msg.payload must be an array/);
  });

  it('normalize -> consent over large generated batches: every row ends in exactly one place', async () => {
    const wires = [
      { id: 'norm', z: 'f1', type: 'recall-normalize', preset: 'dentrix-odbc', office: 'SLC', timeZone: 'UTC', asOf: '2025-06-15', asOfType: 'str', wires: [['n1'], ['skipped']] },
      { id: 'skipped', z: 'f1', type: 'helper' },
    ];
    await helper.load([ledgerNode, consent, normalize], flow({}, wires), creds);
    const row = fc.record({
      first_name: fc.constantFrom('Maria', 'Leo', ''),
      last_name: fc.constantFrom('Garcia', 'Lee'),
      status: fc.constantFrom(1, 1, 1, 2, 3, 9),
      birth_date: fc.constantFrom('1970-01-01', '2012-05-05', ''),
      email: fc.constantFrom('a@example.com', 'b@example.com', '', 'bad@'),
      mobile_phone: fc.constantFrom('(801)555-0101', '(801)555-0102', '', '(801)155-0101'),
      home_phone: fc.constantFrom('(801)555-0103', ''),
      guar_id: fc.constantFrom('G1', 'G2', 'G3', ''),
      privacy_flags: fc.constantFrom(0, 0, 1, 2, 3),
      last_visit_date: fc.constantFrom('2020-01-01', '2025-01-01', ''),
      recall_type: fc.constantFrom('PROPHY', 'BWX'),
      due_date: fc.constantFrom('2025-06-01', '2025-04-01', '2022-01-01', '2025-09-01', '', 'bad'),
      has_future_appt: fc.constantFrom(0, 0, 0, 1),
    });
    const batches = fc.sample(fc.array(row, { minLength: 300, maxLength: 600 }), { numRuns: 5, seed: 20251115 });
    for (const [b, rows] of batches.entries()) {
      const input = rows.map((r, i) => ({ ...r, patient_id: `P${b}-${i}` }));
      // with batches this size every output carries something, so each of the three messages comes
      const skippedP = next('skipped');
      const contactableP = next('out1');
      const suppressedP = next('out2');
      helper.getNode('norm').receive({ payload: input, suppress: [{ channel: 'all', value: '(801)555-0102' }, { channel: 'email', value: 'b@example.com' }] });
      const [skipped, contactable, suppressed] = await Promise.all([skippedP, contactableP, suppressedP]);
      const ids = new Map<string, number>();
      const add = (id: string) => ids.set(id, (ids.get(id) ?? 0) + 1);
      skipped.payload.forEach((s: any) => add(s.patientId ?? `row${s.rowNumber}`));
      suppressed.payload.forEach((s: any) => add(`${s.patientId}`));
      contactable.payload.forEach((c: any) => add(c.patientId));
      assert.equal(skipped.payload.length + suppressed.payload.length + contactable.payload.length, input.length, `batch ${b}`);
      assert.equal(ids.size, input.length);
      for (const c of contactable.payload) {
        assert.ok(c.phone !== '+18015550102' || (!c.channels.sms && !c.channels.voice), 'a suppressed phone reaches output 1 only with its channels off');
        assert.ok(c.email !== 'b@example.com' || !c.channels.email);
      }
      const counts = contactable.recall.counts;
      const patientReasons = ['invalid', 'not-due', 'has-appointment', 'inactive', 'opted-out', 'no-channel', 'duplicate-household', 'duplicate-recall'];
      assert.equal(patientReasons.reduce((n, k) => n + (counts[k] ?? 0), 0), skipped.payload.length + suppressed.payload.length);
    }
  });

  it('examples/nodes/consent-filter.json does what its description says', async () => {
    const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'nodes', 'consent-filter.json'), 'utf8')) as any[];
    const inject = example.find((n) => n.type === 'inject');
    // debug and inject nodes become helper nodes; the ledger file goes to the temp folder
    const nodes = example
      .filter((n) => n.type !== 'inject')
      .map((n) => (n.type === 'debug' ? { id: n.id, z: n.z, type: 'helper' } : n.type === 'recall-ledger' ? { ...n, file: path.join(dir, 'example.db'), secretEnv: '' } : n));
    await helper.load([ledgerNode, consent], nodes, { 'ex-cf-ledger': { secret: 'example-secret' } });
    const ok = next('ex-cf-ok');
    const out = next('ex-cf-out');
    const suppress = JSON.parse(inject.props.find((p: any) => p.p === 'suppress').v);
    helper.getNode('ex-cf-node').receive({ payload: JSON.parse(inject.payload), suppress });
    const [a, b] = await Promise.all([ok, out]);
    const channelsOn = (c: any) => Object.keys(c.channels).filter((k) => c.channels[k]).join('+');
    assert.deepEqual(a.payload.map((c: any) => [c.firstName, channelsOn(c)]), [['Luis', 'sms+email+voice'], ['Pat', 'email'], ['Ann', 'voice']]);
    assert.deepEqual(a.payload[0].household, [{ patientId: 'GA0012', firstName: 'Maria', dueDate: '2025-04-15', segment: 'overdue' }]);
    assert.deepEqual(a.payload[1].channelReasons, { voice: 'privacy-flag', sms: 'landline' });
    assert.deepEqual(b.payload.map((s: any) => [s.patientId, s.reason]), [['GA0012', 'duplicate-household'], ['NG0003', 'has-appointment']]);
  });
});
