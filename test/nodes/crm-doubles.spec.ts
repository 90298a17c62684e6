// A season of runs through the real nodes (gate reserve -> crm-webhook-out -> gate
// commit, real SQLite ledger) against the GoHighLevel and HubSpot doubles, judged on the
// CRM's FINAL STATE: consent in the CRM's own do-not-contact fields, the office's tags
// intact, no duplicate contacts, nothing `failed` by a configuration error.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Channel, ChannelReason, DeliveryResult, RecallContact } from '../../nodes/lib/types';
import { contact, TEST_SECRET } from '../support/contacts';
import { query } from '../lib/ledger/inspect';
import { GhlDouble } from '../support/crm-doubles/ghl';
import { HubspotDouble } from '../support/crm-doubles/hubspot';
import { helper, useHelper } from '../support/helper';
import { nodeModule } from '../support/paths';

const MODULES = ['recall-ledger', 'idempotency-gate', 'crm-endpoint', 'crm-webhook-out'].map(nodeModule);
const TOKEN = 'double-token';
const LOCATION = 'loc-office-1';
const FAST = { max: 100, windowMs: 1000, daily: 200_000 };

function flow(file: string, endpoint: Record<string, unknown>, sink: Record<string, unknown> = {}): any[] {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'L', type: 'recall-ledger', z: 'f1', file, secretEnv: '' },
    { id: 'ep', type: 'crm-endpoint', z: 'f1', tokenEnv: '', secretEnv: '', concurrency: '4', rateLimit: '95', rateInterval: '1', ...endpoint },
    { id: 'gateIn', type: 'idempotency-gate', z: 'f1', ledger: 'L', mode: 'reserve', modeType: 'mode', leaseMinutes: '15', dryRun: 'false', wires: [['sink'], []] },
    { id: 'sink', type: 'crm-webhook-out', z: 'f1', endpoint: 'ep', dryRun: 'false', maxPerRun: '5000', batchSize: '1', maxAttempts: '3', timeout: '5', maxRetryAfter: '60', allowList: '', wires: [['gateOut']], ...sink },
    { id: 'gateOut', type: 'idempotency-gate', z: 'f1', ledger: 'L', mode: 'commit', modeType: 'mode', dryRun: 'false', wires: [['committed'], []] },
    { id: 'committed', type: 'helper', z: 'f1' },
    { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ];
}

type Kind = 'all' | 'sms-opt-out' | 'landline' | 'privacy' | 'phone-only' | 'email-only' | 'phone-withheld' | 'office-tagged';
const KINDS: Kind[] = ['all', 'sms-opt-out', 'landline', 'privacy', 'phone-only', 'email-only', 'phone-withheld', 'office-tagged'];

/** A patient as consent-filter hands it on for one run (channels trimmed, reasons set). */
function patient(i: number, kind: Kind, dueDate: string, segment: RecallContact['segment']): RecallContact {
  const ch = (sms: boolean, email: boolean, voice: boolean) => ({ sms, email, voice });
  const base = contact(i, { dueDate, segment, key: undefined as unknown as string, channels: ch(true, true, true) });
  const reasons = (r: Partial<Record<Channel, ChannelReason>>) => ({ channelReasons: r });
  switch (kind) {
    case 'sms-opt-out':
      return { ...base, channels: ch(false, true, true), ...reasons({ sms: 'sms-opt-out' }) };
    case 'landline':
      return { ...base, phoneType: 'home', channels: ch(false, true, true), ...reasons({ sms: 'landline' }) };
    case 'privacy':
      return { ...base, channels: ch(false, false, true), ...reasons({ sms: 'privacy-flag', email: 'privacy-flag' }) };
    case 'phone-only':
      return { ...base, email: undefined, channels: ch(true, false, true) };
    case 'email-only':
      return { ...base, phone: undefined, phoneType: undefined, channels: ch(false, true, false) };
    case 'phone-withheld':
      return { ...base, channels: ch(false, true, false), ...reasons({ sms: 'sms-opt-out', voice: 'voice-opt-out' }) };
    default:
      return base;
  }
}

/** Phones unique per patient (the fixture's repeat every 100). */
function cohort(n: number, dueDate: string, segment: RecallContact['segment'], kindOf: (i: number) => Kind): RecallContact[] {
  return Array.from({ length: n }, (_, j) => {
    const i = j + 1;
    const p = patient(i, kindOf(i), dueDate, segment);
    if (p.phone) p.phone = `+1202555${String(1000 + i).padStart(4, '0')}`;
    return p;
  });
}

const next = (id: string): Promise<any> => new Promise((resolve) => helper.getNode(id).once('input', resolve));
let runNo = 0;
const runMsg = (batch: RecallContact[]) => ({ payload: batch, recall: { runId: `season-${++runNo}`, office: 'OFF1', source: 'odbc', counts: {} } });

/** One run: resolves with the commit's message, or the Catch's when the run stopped. */
async function run(batch: RecallContact[]): Promise<{ committed?: any; caught?: any }> {
  const committed = next('committed').then((m) => ({ committed: m, caught: undefined as any }));
  const caught = next('caught').then((m) => ({ caught: m, committed: undefined as any }));
  helper.getNode('gateIn').receive(runMsg(batch));
  const first = await Promise.race([committed, caught]);
  // a stopped run still sends its results to the commit gate; a refused one sends nothing
  if (first.caught && /CRM run stopped/.test(first.caught.error?.message)) return { caught: first.caught, committed: (await committed).committed };
  return first;
}

describe('CRM presets against GoHighLevel and HubSpot doubles (final state after a season)', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  let ghl: GhlDouble | undefined;
  let hs: HubspotDouble | undefined;

  useHelper();
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-doubles-'));
    file = path.join(dir, 'ledger.db');
  });
  afterEach(async () => {
    await ghl?.close();
    await hs?.close();
    ghl = hs = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const failedKeys = async () => (await query<{ n: number }>(file, "SELECT COUNT(*) AS n FROM keys WHERE state = 'failed'"))[0].n;
  /** The decision of the last run that delivered each patient (the CRM's state must match it). */
  function lastDecision(runs: { batch: RecallContact[]; results: DeliveryResult[] }[]): Map<string, RecallContact> {
    const m = new Map<string, RecallContact>();
    for (const r of runs) {
      const delivered = new Set(r.results.filter((x) => x.outcome === 'delivered').map((x) => x.patientId));
      for (const c of r.batch) if (delivered.has(c.patientId)) m.set(c.patientId, c);
    }
    return m;
  }

  it('GoHighLevel: four runs; DND per dropped channel, office tags survive, one contact per patient, nothing failed', async () => {
    ghl = await new GhlDouble(LOCATION, TOKEN, FAST).start();
    ghl.workflows.add('wf-recall');
    const N = 32;
    const kindOf = (i: number) => KINDS[i % KINDS.length];
    // the office's own contacts: exclusion and VIP tags, set in GoHighLevel by hand
    for (let i = 1; i <= N; i++) {
      if (kindOf(i) === 'office-tagged' || kindOf(i) === 'sms-opt-out') ghl.seed({ email: `patient${i}@example.com`, firstName: `First${i}`, tags: ['vip', 'do-not-text'] });
    }
    await helper.load(MODULES, flow(file, { preset: 'gohighlevel', url: ghl.url, locationId: LOCATION, workflowId: 'wf-recall', fieldPrefix: 'recall_' }), { L: { secret: TEST_SECRET }, ep: { token: TOKEN } });
    const runs: { batch: RecallContact[]; results: DeliveryResult[] }[] = [];
    const season: RecallContact[][] = [
      cohort(N, '2026-12-20', 'due-soon', kindOf),
      cohort(N, '2026-12-20', 'due-soon', kindOf), // the same export again
      // a month on: some who were textable have since opted out of SMS
      cohort(N, '2027-01-20', 'due-now', (i) => (i % 5 === 0 && kindOf(i) === 'all' ? 'sms-opt-out' : kindOf(i))),
      cohort(N, '2027-02-20', 'due-now', (i) => (i % 3 === 0 ? 'landline' : kindOf(i))),
    ];
    for (const batch of season) {
      const out = await run(batch);
      assert.equal(out.caught, undefined, `run stopped: ${out.caught?.error?.message}`);
      const sink = out.committed.recall['crm-webhook-out'];
      runs.push({ batch, results: (await Promise.resolve(out.committed.payload)) as DeliveryResult[] });
      void sink;
    }
    const decided = lastDecision(runs);
    assert.equal(decided.size, N, 'every patient delivered at least once');

    let textableButMustNot = 0;
    let tagsLost = 0;
    for (const [pid, c] of decided) {
      const key = runs[0].batch.find((x) => x.patientId === pid)!;
      const crm = (key.email && ghl.findByEmail(key.email)) || ghl.findByPhone(key.phone!);
      assert.ok(crm, `patient ${pid} is in GoHighLevel`);
      const smsDnd = crm!.dndSettings.SMS?.status === 'active';
      if (!c.channels.sms && c.phone && !smsDnd) textableButMustNot++;
      if (c.channelReasons?.voice && crm!.dndSettings.Call?.status !== 'active') textableButMustNot++;
      assert.ok(crm!.tags.includes('dentrix-recall') && crm!.tags.includes(c.segment), `recall tags added on ${crm!.id}: ${crm!.tags}`);
    }
    for (const seeded of ghl.contacts.filter((c) => c.id === 'ghl-1' || c.tags.includes('vip'))) {
      if (!seeded.tags.includes('do-not-text')) tagsLost++;
    }
    const byKey = new Map<string, number>();
    for (const c of ghl.contacts) if (c.customFields.recall_contact_key) byKey.set(c.customFields.recall_contact_key, (byKey.get(c.customFields.recall_contact_key) ?? 0) + 1);
    const duplicates = [...byKey.values()].filter((n) => n > 1).length;
    const seededCount = ghl.contacts.filter((c) => c.tags.includes('vip')).length;
    assert.equal(textableButMustNot, 0, 'textable contacts who must not be texted');
    assert.equal(seededCount, 8, 'office tags lost');
    assert.equal(tagsLost, 0, 'office tags lost');
    assert.equal(duplicates, 0, 'duplicate CRM contacts');
    assert.equal(ghl.contacts.length, N, 'one GoHighLevel contact per patient');
    assert.equal(await failedKeys(), 0, 'contacts failed');
    // three new recalls, three enrolments each; the repeated export enrolled no one again
    assert.ok([...ghl.enrolments.values()].every((w) => w.length === 3), JSON.stringify([...ghl.enrolments.values()].map((w) => w.length)));
    assert.ok(ghl.seen.every((s) => !(s.path === '/contacts/upsert' && 'tags' in (s.json as object))), 'an upsert carried tags (it overwrites them)');
    console.log(`      GHL season: ${N} patients, ${ghl.contacts.length} contacts, ${ghl.seen.length} requests, 429s ${ghl.count(429)}, textable-but-must-not ${textableButMustNot}, tags lost ${tagsLost}, duplicates ${duplicates}, failed ${await failedKeys()}`);
  });

  it('GoHighLevel without a Location ID: red at deploy, nothing sent, nothing failed', async () => {
    ghl = await new GhlDouble(LOCATION, TOKEN, FAST).start();
    await helper.load(MODULES, flow(file, { preset: 'gohighlevel', url: ghl.url, locationId: '' }), { L: { secret: TEST_SECRET }, ep: { token: TOKEN } });
    const out = await run(cohort(4, '2026-12-20', 'due-soon', () => 'all'));
    assert.match(out.caught.error.message, /Location ID/);
    assert.equal(ghl.seen.length, 0);
    assert.equal(await failedKeys(), 0);
  });

  it('GoHighLevel with a wrong Location ID or an unknown workflow: the run stops with an error naming it, nobody failed', async () => {
    ghl = await new GhlDouble(LOCATION, TOKEN, FAST).start();
    ghl.workflows.add('wf-recall');
    await helper.load(MODULES, flow(file, { preset: 'gohighlevel', url: ghl.url, locationId: 'loc-typo', concurrency: '1' }), { L: { secret: TEST_SECRET }, ep: { token: TOKEN } });
    const batch = cohort(10, '2026-12-20', 'due-soon', () => 'all');
    const out = await run(batch);
    assert.match(out.caught.error.message, /CRM run stopped: HTTP 403/);
    assert.equal(ghl.seen.length, 1, 'kept sending to a location the token cannot reach');
    assert.equal(await failedKeys(), 0);
    await helper.unload();
    await helper.load(MODULES, flow(file, { preset: 'gohighlevel', url: ghl.url, locationId: LOCATION, workflowId: 'wf-typo', concurrency: '1' }), { L: { secret: TEST_SECRET }, ep: { token: TOKEN } });
    const again = await run(batch);
    assert.match(again.caught.error.message, /does not know the workflow id/);
    assert.ok((again.committed.payload as DeliveryResult[]).every((r) => r.outcome === 'retry'));
    assert.equal(await failedKeys(), 0);
  });

  it('GoHighLevel daily quota spent: the run stops with an error, the rest is released, the next day delivers it', async () => {
    ghl = await new GhlDouble(LOCATION, TOKEN, { ...FAST, daily: 21 }).start();
    await helper.load(MODULES, flow(file, { preset: 'gohighlevel', url: ghl.url, locationId: LOCATION }, { maxAttempts: '5' }), { L: { secret: TEST_SECRET }, ep: { token: TOKEN } });
    const batch = cohort(20, '2026-12-20', 'due-soon', () => 'all');
    const out = await run(batch);
    assert.match(out.caught.error.message, /daily API limit spent/);
    const results: DeliveryResult[] = out.committed.payload;
    assert.ok(results.filter((r) => r.outcome === 'delivered').length <= 10);
    assert.equal(results.filter((r) => r.outcome === 'failed').length, 0);
    assert.ok(ghl.count(429) <= 4, `retried a spent daily quota: ${ghl.count(429)} answers 429`);
    ghl.dailyUsed = 0; // midnight
    ghl.limits.daily = 200_000;
    const again = await run(batch);
    assert.equal(again.caught, undefined, again.caught?.error?.message);
    assert.equal(ghl.contacts.length, 20);
    assert.equal(await failedKeys(), 0);
  });

  it('HubSpot: a season by e-mail; consent properties match, phone-only patients left unsent (not failed), one bad value fails alone', async () => {
    hs = await new HubspotDouble(TOKEN, FAST).start();
    const N = 240; // three batches
    const kindOf = (i: number) => KINDS[i % KINDS.length];
    for (let i = 7; i <= N; i += 8) hs.seed({ email: `patient${i}@example.com`, firstname: `First${i}`, lifecyclestage: 'customer', hs_office_tag: 'vip' });
    await helper.load(MODULES, flow(file, { preset: 'hubspot', url: hs.url }), { L: { secret: TEST_SECRET }, ep: { token: TOKEN } });
    const season = [
      cohort(N, '2026-12-20', 'due-soon', kindOf),
      cohort(N, '2027-01-20', 'due-now', (i) => (i % 5 === 0 && kindOf(i) === 'all' ? 'sms-opt-out' : kindOf(i))),
    ];
    // HubSpot's own validation refuses this one address: its batch answers 400 whole
    season[1][7].email = 'patient8@example.invalidtld';
    hs.invalid = new Set(['patient8@example.invalidtld']);
    const runs: { batch: RecallContact[]; results: DeliveryResult[] }[] = [];
    for (const batch of season) {
      const out = await run(batch);
      assert.equal(out.caught, undefined, `run stopped: ${out.caught?.error?.message}`);
      runs.push({ batch, results: out.committed.payload });
    }
    const phoneOnly = runs[1].results.filter((r) => /no e-mail/.test(r.error ?? ''));
    // phone-only patients, and those whose e-mail consent dropped (privacy flag)
    assert.equal(phoneOnly.length, season[1].filter((c) => !c.channels.email).length, 'patients without a usable e-mail left unsent with a reason');
    assert.ok(phoneOnly.every((r) => r.outcome === 'retry'));
    const failed = runs[1].results.filter((r) => r.outcome === 'failed');
    assert.deepEqual(failed.map((r) => r.patientId), [season[1][7].patientId], 'only the bad value failed');
    const decided = lastDecision(runs);
    let textableButMustNot = 0;
    for (const [, c] of decided) {
      const crm = hs.find('email', c.email!)!;
      assert.ok(crm, `${c.patientId} in HubSpot`);
      if (!c.channels.sms && crm.properties.recall_sms_ok !== 'false') textableButMustNot++;
      if (c.channels.sms && crm.properties.recall_sms_ok !== 'true') textableButMustNot++;
    }
    const seededIntact = hs.contacts.filter((c) => c.properties.hs_office_tag === 'vip' && c.properties.lifecyclestage === 'customer').length;
    const emails = hs.contacts.map((c) => c.properties.email).filter(Boolean);
    assert.equal(textableButMustNot, 0);
    assert.equal(seededIntact, N / 8, 'office properties lost');
    assert.equal(new Set(emails).size, emails.length, 'duplicate CRM contacts');
    assert.equal(hs.count(400) > 0, true, 'the bad value made HubSpot refuse a batch whole');
    console.log(`      HubSpot season: ${N} patients, ${hs.contacts.length} contacts, ${hs.seen.length} requests (${hs.count(400)} refused whole), textable-but-must-not ${textableButMustNot}, failed ${await failedKeys()} (the bad value)`);
  });

  it('HubSpot with a custom id property: a 207 is matched by objectWriteTraceId, so nothing is re-sent next run', async () => {
    hs = await new HubspotDouble(TOKEN, FAST).start();
    hs.defineUnique('dentrix_contact_key');
    hs.seed({ email: 'patient3@example.com', firstname: 'Office-made' }); // e-mail taken: that input conflicts (207)
    await helper.load(MODULES, flow(file, { preset: 'hubspot', url: hs.url, idProperty: 'dentrix_contact_key' }, { batchSize: '100' }), { L: { secret: TEST_SECRET }, ep: { token: TOKEN } });
    const batch = cohort(5, '2026-12-20', 'due-soon', () => 'all');
    const first = await run(batch);
    const outcomes = (first.committed.payload as DeliveryResult[]).map((r) => r.outcome);
    assert.deepEqual(outcomes, ['delivered', 'delivered', 'retry', 'delivered', 'delivered']);
    const sent = hs.seen.length;
    await run(batch);
    const resent = (hs.seen[sent].json as { inputs: unknown[] }).inputs.length;
    assert.equal(resent, 1, 'only the conflicting contact goes again');
    assert.equal(await failedKeys(), 0);
  });

  it('HubSpot by a custom id property: a patient whose e-mail and SMS consent drop later is still updated (recall_sms_ok false)', async () => {
    hs = await new HubspotDouble(TOKEN, FAST).start();
    hs.defineUnique('dentrix_contact_key');
    await helper.load(MODULES, flow(file, { preset: 'hubspot', url: hs.url, idProperty: 'dentrix_contact_key' }), { L: { secret: TEST_SECRET }, ep: { token: TOKEN } });
    await run(cohort(3, '2026-12-20', 'due-soon', () => 'all'));
    assert.ok(hs.contacts.every((c) => c.properties.recall_sms_ok === 'true'));
    const out = await run(cohort(3, '2027-01-20', 'due-now', () => 'privacy'));
    assert.equal(out.committed.recall['crm-webhook-out'].delivered, 3);
    assert.equal(hs.contacts.length, 3, 'duplicate CRM contacts');
    assert.ok(hs.contacts.every((c) => c.properties.recall_sms_ok === 'false' && c.properties.recall_email_ok === 'false'), JSON.stringify(hs.contacts));
  });

  it('HubSpot portal without the consent properties: the run stops naming them, nobody failed', async () => {
    hs = await new HubspotDouble(TOKEN, FAST).start();
    hs.defined.delete('recall_sms_ok');
    await helper.load(MODULES, flow(file, { preset: 'hubspot', url: hs.url }), { L: { secret: TEST_SECRET }, ep: { token: TOKEN } });
    const out = await run(cohort(150, '2026-12-20', 'due-soon', () => 'all'));
    assert.match(out.caught.error.message, /create recall_sms_ok, recall_email_ok, recall_voice_ok/);
    assert.equal(await failedKeys(), 0);
    assert.ok(hs.seen.length <= 2, `${hs.seen.length} requests`);
  });

  it("a CRM window spent by someone else (its limit below ours): each preset reads its own 429 and headers, waits, delivers everyone", async () => {
    // another app on the account leaves us 10 per second: our own limiter (95) does not know
    ghl = await new GhlDouble(LOCATION, TOKEN, { max: 10, windowMs: 1000, daily: 200_000 }).start();
    await helper.load(MODULES, flow(file, { preset: 'gohighlevel', url: ghl.url, locationId: LOCATION }, { maxAttempts: '10' }), { L: { secret: TEST_SECRET }, ep: { token: TOKEN } });
    const out = await run(cohort(15, '2026-12-20', 'due-soon', () => 'all'));
    assert.equal(out.caught, undefined, out.caught?.error?.message);
    assert.equal(out.committed.recall['crm-webhook-out'].delivered, 15);
    assert.equal(ghl.contacts.length, 15);
    // X-RateLimit-Remaining 0 pauses every request for one interval: few refusals, not a storm
    assert.ok(ghl.count(429) <= 8, `${ghl.count(429)} answers 429 for 30 calls`);
    await helper.unload();

    hs = await new HubspotDouble(TOKEN, { max: 1, windowMs: 1000, daily: 250_000 }).start();
    await helper.load(MODULES, flow(file, { preset: 'hubspot', url: hs.url }, { maxAttempts: '10' }), { L: { secret: TEST_SECRET }, ep: { token: TOKEN } });
    const hub = await run(cohort(250, '2027-01-20', 'due-now', () => 'all'));
    assert.equal(hub.caught, undefined, hub.caught?.error?.message);
    assert.equal(hub.committed.recall['crm-webhook-out'].delivered, 250);
    assert.ok(hs.count(429) <= 3, `${hs.count(429)} answers 429 (TEN_SECONDLY_ROLLING) for 3 batches`);
  });

  it('HubSpot daily quota (429 policy DAILY): the run stops at once, the rest is released', async () => {
    hs = await new HubspotDouble(TOKEN, { ...FAST, daily: 1 }).start();
    await helper.load(MODULES, flow(file, { preset: 'hubspot', url: hs.url, concurrency: '1' }), { L: { secret: TEST_SECRET }, ep: { token: TOKEN } });
    const out = await run(cohort(250, '2026-12-20', 'due-soon', () => 'all'));
    assert.match(out.caught.error.message, /daily API limit spent/);
    // the answer that spent it says Daily-Remaining 0: the run stops before asking again
    assert.ok(hs.count(429) <= 1, 'a spent daily quota was retried');
    assert.equal(hs.seen.length, 1);
    const results: DeliveryResult[] = out.committed.payload;
    assert.equal(results.filter((r) => r.outcome === 'failed').length, 0);
    assert.ok(results.filter((r) => r.outcome === 'delivered').length <= 100);
  });
});
