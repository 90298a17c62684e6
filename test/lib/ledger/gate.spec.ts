import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeliveryResult, RecallContact } from '../../../nodes/lib/types';
import { checkResults, commitResults, reserveContacts } from '../../../nodes/lib/ledger/gate';
import { recallKey } from '../../../nodes/lib/ledger/keys';
import { openLedger, type SqliteLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import { contact } from './contacts';
import { query } from './inspect';
import { removeTempDirs, sleep, tempDir } from './tmp';

const delivered = (c: RecallContact): DeliveryResult => ({ key: c.key!, patientId: c.patientId, outcome: 'delivered', attempts: 1 });

describe('idempotency-gate logic', () => {
  let ledger: SqliteLedger;
  let file: string;
  beforeEach(async () => {
    file = path.join(tempDir(), 'ledger.db');
    ledger = await openLedger({ file, secret: 'gate-secret' });
  });
  afterEach(async () => {
    await ledger.close();
    removeTempDirs();
  });

  const batch = (n: number, over: Partial<RecallContact> = {}) => Array.from({ length: n }, (_, i) => contact(i, over));
  const live = { leaseMs: 60_000, dryRun: false, runId: 'run-1' };

  it('sets each contact key, reserves them, and a second run of the same input passes nothing', async () => {
    const first = await reserveContacts(ledger, batch(5), live);
    assert.equal(first.pass.length, 5);
    first.pass.forEach((c, i) => assert.equal(c.key, recallKey(ledger.hmac, contact(i))));
    assert.equal(first.summary.leaseUntil !== null, true);
    assert.deepEqual(first.counts, { reserved: 5, 'already-sent': 0, 'failed-earlier': 0, 'leased-elsewhere': 0, 'duplicate-key': 0 });
    const c = await commitResults(async () => ledger, first.pass.map(delivered), { dryRun: false, runId: 'run-1' });
    assert.deepEqual([c.sent, c.failed, c.released], [5, 0, 0]);

    const second = await reserveContacts(ledger, batch(5), { ...live, runId: 'run-2' });
    assert.equal(second.pass.length, 0);
    assert.equal(second.held.length, 5);
    assert.ok(second.held.every((h) => h.ledgerState === 'sent' && h.key));
  });

  it('a new segment or a new due date is a new key and is sent', async () => {
    const first = await reserveContacts(ledger, [contact(1)], live);
    await commitResults(async () => ledger, first.pass.map(delivered), { dryRun: false });
    const next = await reserveContacts(ledger, [contact(1), contact(1, { segment: 'overdue' }), contact(1, { dueDate: '2027-05-20' })], live);
    assert.deepEqual(next.held.map((h) => h.ledgerState), ['sent']);
    assert.equal(next.pass.length, 2);
    assert.notEqual(next.pass[0].key, next.pass[1].key);
  });

  it('a crash between send and commit: the lease runs out and the same key is reserved again', async () => {
    const first = await reserveContacts(ledger, batch(3), { ...live, leaseMs: 1 });
    // no commit: the run died
    await sleep(10);
    const again = await reserveContacts(ledger, batch(3), { ...live, runId: 'run-2' });
    assert.deepEqual(again.pass.map((c) => c.key), first.pass.map((c) => c.key));
  });

  it('holds back contacts leased by a live run and repeats within the batch', async () => {
    await reserveContacts(ledger, [contact(0)], live);
    const r = await reserveContacts(ledger, [contact(0), contact(1), contact(1, { recallType: 'PERIO' })], { ...live, runId: 'run-2' });
    assert.deepEqual(r.pass.map((c) => c.patientId), ['P1001']);
    assert.deepEqual(r.held.map((c) => [c.patientId, c.ledgerState]).sort(), [['P1000', 'leased'], ['P1001', 'duplicate']]);
    assert.equal(r.summary.leasedElsewhere, 1);
    assert.equal(r.summary.duplicateKey, 1);
  });

  it('dry-run writes nothing but still sets keys and holds back what was sent', async () => {
    const first = await reserveContacts(ledger, [contact(0)], live);
    await commitResults(async () => ledger, first.pass.map(delivered), { dryRun: false });
    const before = await query(file, 'SELECT * FROM keys ORDER BY key');
    const dry = await reserveContacts(ledger, batch(3), { ...live, dryRun: true });
    assert.deepEqual(dry.pass.map((c) => c.patientId), ['P1001', 'P1002']);
    assert.ok(dry.pass.every((c) => /^[0-9a-f]{64}$/.test(c.key!)));
    assert.deepEqual(dry.held.map((c) => c.ledgerState), ['sent']);
    assert.equal(dry.summary.leaseUntil, null);
    assert.equal(dry.counts['would-reserve'], 2);
    const asDry = dry.pass.map((c): DeliveryResult => ({ ...delivered(c), outcome: 'dry-run' }));
    let opened = false;
    const commit = await commitResults(async () => ((opened = true), ledger), asDry, { dryRun: true });
    assert.deepEqual([commit.sent, commit.ignored, opened], [0, 2, false]);
    assert.deepEqual(await query(file, 'SELECT * FROM keys ORDER BY key'), before);
  });

  it('records a delivery even when the run says dry-run (a request did reach the CRM)', async () => {
    const dry = await reserveContacts(ledger, batch(1), { ...live, dryRun: true });
    const c = await commitResults(async () => ledger, dry.pass.map(delivered), { dryRun: true });
    assert.equal(c.sent, 1);
    assert.equal((await reserveContacts(ledger, batch(1), live)).held[0].ledgerState, 'sent');
  });

  it('counts deliveries the sink already checkpointed as sent (the run summary tells the whole run)', async () => {
    const r = await reserveContacts(ledger, batch(4), live);
    // the sink marked the first two sent during the run
    await ledger.commit(r.pass.slice(0, 2).map(delivered), { runId: 'run-1' });
    const results: DeliveryResult[] = [
      ...r.pass.slice(0, 3).map(delivered),
      { key: r.pass[3].key!, patientId: r.pass[3].patientId, outcome: 'retry', attempts: 3, error: 'HTTP 503' },
    ];
    const s = await commitResults(async () => ledger, results, { dryRun: false, runId: 'run-1' });
    assert.deepEqual([s.sent, s.failed, s.released], [3, 0, 1]);
    const rows = await query<{ state: string }>(file, 'SELECT state FROM keys');
    assert.deepEqual(rows.map((x) => x.state).sort(), ['reserved', 'sent', 'sent', 'sent']);
  });

  it('names the contact whose key cannot be computed', async () => {
    await assert.rejects(reserveContacts(ledger, [contact(0), contact(1, { segment: '' as 'due-now' })], live), /contact 2 of the batch has no segment/);
  });

  it('checks the results contract, naming the element at fault', () => {
    assert.throws(() => checkResults({}), /array of delivery results/);
    assert.throws(() => checkResults([{ key: 'k', outcome: 'delivered' }, { outcome: 'delivered' }]), /delivery result 2 has no key/);
    assert.throws(() => checkResults([{ key: 'k' }]), /delivery result 1 has no outcome/);
    assert.equal(checkResults([{ key: 'k', outcome: 'retry' }]).length, 1);
  });

  it('commits failed with its reason and releases retries for the next run', async () => {
    const r = await reserveContacts(ledger, batch(3), live);
    const results: DeliveryResult[] = [
      { ...delivered(r.pass[0]) },
      { key: r.pass[1].key!, patientId: 'P1001', outcome: 'failed', status: 422, attempts: 1, error: 'HTTP 422 invalid' },
      { key: r.pass[2].key!, patientId: 'P1002', outcome: 'retry', status: 503, attempts: 4, error: 'HTTP 503' },
    ];
    const s = await commitResults(async () => ledger, results, { dryRun: false, runId: 'run-1' });
    assert.deepEqual([s.sent, s.failed, s.released, s.results], [1, 1, 1, 3]);
    assert.deepEqual(s.outcomes, { delivered: 1, failed: 1, retry: 1 });
    const next = await reserveContacts(ledger, batch(3), { ...live, runId: 'run-2' });
    assert.deepEqual(next.pass.map((c) => c.patientId), ['P1002']);
    assert.deepEqual(next.held.map((c) => c.ledgerState).sort(), ['failed', 'sent']);
  });

  it('leaves no name, phone or e-mail in the database files', async () => {
    const contacts = batch(40);
    const r = await reserveContacts(ledger, contacts, live);
    await commitResults(
      async () => ledger,
      r.pass.map((c, i): DeliveryResult => (i % 2 ? delivered(c) : { key: c.key!, patientId: c.patientId, outcome: 'failed', attempts: 1, error: `422 duplicate contact ${c.email} ${c.phone}` })),
      { dryRun: false },
    );
    await ledger.addSuppressions(contacts.flatMap((c) => [{ channel: 'sms' as const, value: c.phone!, reason: 'opted-out' as const }, { channel: 'all' as const, value: c.email!, reason: 'opted-out' as const }]), 'test');
    assert.equal((await ledger.loadSuppressions()).lookup(contacts[3].email!).length, 1);
    // read the bytes while open (WAL) and after close (checkpointed into the main file)
    const scan = (): void => {
      const files = fs.readdirSync(path.dirname(file)).map((f) => path.join(path.dirname(file), f));
      assert.ok(files.length >= 1);
      const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f))).toString('latin1');
      assert.ok(bytes.includes(r.pass[1].key!), 'the scan reads the data that was written');
      for (const c of contacts) {
        for (const v of [c.firstName, c.lastName, c.email!, c.phone!, c.phone!.slice(2)]) assert.equal(bytes.includes(v), false, `found ${v}`);
      }
    };
    scan();
    await ledger.close();
    scan();
    ledger = await openLedger({ file, secret: 'gate-secret' });
  });
});
