// Folded rows are covered by the contact that carries them: reserved with it, marked sent
// when it is delivered, released when it is not. Real SQLite files; consent and gate as the
// nodes call them.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { runConsent } from '../../../nodes/lib/consent/run';
import { commitResults, reserveContacts } from '../../../nodes/lib/ledger/gate';
import { recallKey } from '../../../nodes/lib/ledger/keys';
import { openLedger, type SqliteLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import type { DeliveryOutcome, RecallContact } from '../../../nodes/lib/types';
import { contact } from './contacts';
import { query, stateOf } from './inspect';
import { removeTempDirs, sleep, tempDir } from './tmp';

/** A household of four sharing one mobile, all due the same week. */
function family(over: Partial<RecallContact>[] = []): RecallContact[] {
  const births = ['1975-02-02', '1977-03-03', '2012-04-04', '2015-05-05'];
  return births.map((birthDate, i) => contact(i, { householdId: 'G1', birthDate, phone: '+18015550142', email: undefined, dueDate: '2026-11-18', ...(over[i] ?? {}) }));
}

describe('coverage: a contact carries its folded rows through the ledger', () => {
  let ledger: SqliteLedger;
  let file: string;
  beforeEach(async () => {
    file = path.join(tempDir(), 'ledger.db');
    ledger = await openLedger({ file, secret: 'coverage-secret' });
  });
  afterEach(async () => {
    await ledger.close();
    removeTempDirs();
  });

  /** consent -> reserve -> (sink) -> commit, as the default flow wires them; returns what was passed on. */
  async function run(contacts: RecallContact[], opts: { dryRun?: boolean; outcome?: DeliveryOutcome; runId?: string } = {}) {
    const consent = await runConsent({ contacts, ledger, region: 'US', pullUrl: '', pullTimeoutMs: 1000, continueOnPullFailure: false, warn: () => undefined });
    const runId = opts.runId ?? `run-${Math.random()}`;
    const r = await reserveContacts(ledger, consent.contactable, { leaseMs: 60_000, dryRun: !!opts.dryRun, runId });
    const outcome = opts.dryRun ? 'dry-run' : opts.outcome ?? 'delivered';
    const c = await commitResults(async () => ledger, r.pass.map((p) => ({ key: p.key!, patientId: p.patientId, outcome, attempts: 1 })), { dryRun: !!opts.dryRun, runId });
    return { consent, reserve: r, commit: c };
  }

  it('a household of four due the same week: one message listing three, then nothing more for those due dates', async () => {
    const first = await run(family());
    assert.deepEqual(first.reserve.pass.map((c) => c.patientId), ['P1000']);
    assert.deepEqual(first.reserve.pass[0].household?.map((h) => h.firstName), ['First1', 'First2', 'First3']);
    assert.equal(first.reserve.summary.covered, 3);
    assert.equal(first.commit.coveredSent, 3);
    const keys = family().map((c) => recallKey(ledger.hmac, c));
    assert.deepEqual([...(await stateOf(file, keys)).values()], ['sent', 'sent', 'sent', 'sent']);
    const carrier = (await query<{ covered_by: string }>(file, 'SELECT covered_by FROM keys WHERE key = ?', [keys[2]]))[0];
    assert.equal(carrier.covered_by, keys[0], 'the ledger knows which contact covered the row');

    const again = await run(family());
    assert.equal(again.reserve.pass.length, 0);
    assert.equal(again.consent.suppressed.length, 0, 'nobody is folded under a contact the ledger holds back');
    assert.equal(again.consent.summary.ledgerHeld, 4);
    assert.deepEqual(again.reserve.held.map((h) => h.ledgerState), ['sent', 'sent', 'sent', 'sent']);
  });

  it('a child due a month later gets a message then; the parents already contacted do not hide it', async () => {
    await run(family());
    const later = family([{}, {}, {}, { dueDate: '2026-12-18' }]);
    const next = await run(later);
    assert.deepEqual(next.reserve.pass.map((c) => `${c.patientId} ${c.dueDate}`), ['P1003 2026-12-18']);
    assert.equal(next.reserve.pass[0].household, undefined);
  });

  it('a carrier not delivered (retry or failed) leaves its rows unsent: the next run folds them again', async () => {
    const retry = await run(family(), { outcome: 'retry' });
    assert.equal(retry.reserve.pass.length, 1);
    const keys = family().map((c) => recallKey(ledger.hmac, c));
    const free = await query<{ key: string; lease_until: string | null; state: string }>(file, `SELECT key, state, lease_until FROM keys`);
    assert.ok(free.every((r) => r.state === 'reserved' && r.lease_until === null), JSON.stringify(free));
    const failed = await run(family(), { outcome: 'failed' });
    assert.deepEqual(failed.reserve.pass.map((c) => c.patientId), ['P1000']);
    const states = await stateOf(file, keys);
    assert.deepEqual(keys.map((k) => states.get(k)), ['failed', 'reserved', 'reserved', 'reserved']);
    // the failed carrier is held back now; the next oldest carries the other two
    const after = await run(family());
    assert.deepEqual(after.reserve.pass.map((c) => c.patientId), ['P1001']);
    assert.deepEqual(after.reserve.pass[0].household?.map((h) => h.patientId), ['P1002', 'P1003']);
    assert.deepEqual(after.reserve.held.map((h) => `${h.patientId} ${h.ledgerState}`), ['P1000 failed']);
  });

  it('a row released with its carrier is not marked sent by a later delivery that no longer lists it', async () => {
    // found by the runs-in-sequence property: the carrier was retried, the member then booked
    await run(family(), { outcome: 'retry' });
    const booked = family([{}, {}, {}, { hasFutureAppointment: true }]);
    const next = await run(booked);
    assert.deepEqual(next.reserve.pass[0].household?.map((h) => h.patientId), ['P1001', 'P1002']);
    const kidKey = recallKey(ledger.hmac, family()[3]);
    assert.equal((await stateOf(file, [kidKey])).get(kidKey), 'reserved', 'the booked child was not in the message');
    // after the visit is cancelled the child is due again, and is sent
    const after = await run(family());
    assert.deepEqual(after.reserve.pass.map((c) => c.patientId), ['P1003']);
  });

  it('rows left by a crashed run are not carried by a later run that does not list them', async () => {
    const consent = await runConsent({ contacts: family(), ledger, region: 'US', pullUrl: '', pullTimeoutMs: 1000, continueOnPullFailure: false, warn: () => undefined });
    await reserveContacts(ledger, consent.contactable, { leaseMs: 1, dryRun: false, runId: 'crashed' });
    await sleep(10);
    const later = await run([family()[0]], { runId: 'later' });
    assert.deepEqual(later.reserve.pass.map((c) => c.patientId), ['P1000']);
    assert.equal(later.commit.coveredSent, 0);
    const keys = family().map((c) => recallKey(ledger.hmac, c));
    const states = await stateOf(file, keys);
    assert.deepEqual(keys.map((k) => states.get(k)), ['sent', 'reserved', 'reserved', 'reserved']);
  });

  it('renew and release of a carrier apply to the rows it carries', async () => {
    const consent = await runConsent({ contacts: family(), ledger, region: 'US', pullUrl: '', pullTimeoutMs: 1000, continueOnPullFailure: false, warn: () => undefined });
    const r = await reserveContacts(ledger, consent.contactable, { leaseMs: 60_000, dryRun: false, runId: 'r1' });
    const before = await query<{ lease_until: string }>(file, 'SELECT lease_until FROM keys WHERE covered_by IS NOT NULL');
    await sleep(5);
    assert.equal(await ledger.renew([r.pass[0].key!], 3_600_000, { runId: 'r1' }), 4);
    const renewed = await query<{ lease_until: string }>(file, 'SELECT lease_until FROM keys WHERE covered_by IS NOT NULL');
    assert.ok(renewed.every((x, i) => x.lease_until > before[i].lease_until));
    assert.equal(await ledger.release([r.pass[0].key!], { runId: 'other-run' }), 0);
    await ledger.release([r.pass[0].key!], { runId: 'r1' });
    const rows = await query<{ lease_until: string | null }>(file, 'SELECT lease_until FROM keys');
    assert.ok(rows.every((x) => x.lease_until === null));
  });

  it('a delivery checkpointed by the sink marks the covered rows sent in the same write', async () => {
    const consent = await runConsent({ contacts: family(), ledger, region: 'US', pullUrl: '', pullTimeoutMs: 1000, continueOnPullFailure: false, warn: () => undefined });
    const r = await reserveContacts(ledger, consent.contactable, { leaseMs: 60_000, dryRun: false, runId: 'r1' });
    // the checkpoint calls ledger.commit with the delivered results only (crash right after)
    const out = await ledger.commit([{ key: r.pass[0].key!, patientId: 'P1000', outcome: 'delivered', attempts: 1 }], { runId: 'r1' });
    assert.equal(out.coveredSent, 3);
  });

  it('dry-run folds exactly as a live run would, and reserves nothing', async () => {
    await run(family([{ dueDate: '2026-10-01', segment: 'overdue' }]));
    const input = [...family(), contact(9, { householdId: 'G1', birthDate: '1940-01-01', phone: '+18015550142', email: undefined, segment: 'lapsed', dueDate: '2023-01-01' })];
    const dry = await run(input, { dryRun: true });
    const rows = await query(file, 'SELECT key FROM keys');
    const live = await run(input);
    const view = (x: typeof dry) => ({
      pass: x.reserve.pass.map((c) => [c.patientId, c.key, c.household?.map((h) => h.key), c.otherRecalls]),
      left: x.consent.suppressed.map((s) => [s.patientId, s.reason]),
      held: x.reserve.held.map((h) => [h.patientId, h.ledgerState]),
    });
    assert.deepEqual(view(dry), view(live));
    assert.equal(rows.length, 4, 'the dry-run added no key');
    assert.deepEqual(view(live).pass.map((p) => p[0]), ['P1009']);
  });

  it('a carrier another run holds when the gate reserves: the rows it would carry are released for the next run', async () => {
    const consent = await runConsent({ contacts: family(), ledger, region: 'US', pullUrl: '', pullTimeoutMs: 1000, continueOnPullFailure: false, warn: () => undefined });
    // another run took the carrier's key between consent and the gate
    await ledger.reserve([recallKey(ledger.hmac, family()[0])], 60_000, { runId: 'other' });
    const r = await reserveContacts(ledger, consent.contactable, { leaseMs: 60_000, dryRun: false, runId: 'mine' });
    assert.deepEqual(r.held.map((h) => h.ledgerState), ['leased']);
    const rows = await query<{ key: string; lease_until: string | null; run_id: string }>(file, "SELECT key, lease_until, run_id FROM keys WHERE run_id = 'mine'");
    assert.equal(rows.length, 3);
    assert.ok(rows.every((x) => x.lease_until === null));
  });
});
