import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeliveryResult, SkippedRecord } from '../../../nodes/lib/types';
import { observeRecords, reserveContacts } from '../../../nodes/lib/ledger/gate';
import { contactKey, hmacWith, recallKey, suppressionHash } from '../../../nodes/lib/ledger/keys';
import { bookingOf, outcomeLabels, recallRef, sightingsOf } from '../../../nodes/lib/ledger/outcomes';
import { SCHEMA_VERSION } from '../../../nodes/lib/ledger/schema';
import { openLedger, type SqliteLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import { FIXTURES } from '../../support/paths';
import { contact } from './contacts';
import { query } from './inspect';
import { removeTempDirs, tempDir } from './tmp';

const SECRET = 'outcomes-spec-secret';
const hmac = hmacWith(SECRET);
const delivered = (key: string): DeliveryResult => ({ key, patientId: 'p', outcome: 'delivered', attempts: 1 });

describe('outcome tracking (ledger)', () => {
  describe('labels and sightings (pure)', () => {
    it('stores keyed hashes only for the channels the message goes to', () => {
      const c = contact(1, { channels: { sms: false, email: true, voice: false } });
      const l = outcomeLabels(hmac, c, '2026-11-20');
      assert.equal(l.contactKey, contactKey(hmac, c));
      assert.equal(l.recallRef, recallRef(hmac, c));
      assert.equal(l.recallDate, '2026-11-20');
      assert.equal(l.emailHash, suppressionHash(hmac, c.email!));
      assert.equal(l.phoneHash, undefined);
      const text = JSON.stringify(l);
      for (const value of [c.firstName, c.lastName, c.phone, c.email, c.patientId]) assert.ok(!text.includes(value!), `${value} in ${text}`);
    });

    it('reads contacts and left-out records that carry their contact; passes over records naming no patient', () => {
      const seen = contact(2, { dueDate: '2027-05-20', hasFutureAppointment: true });
      const records: unknown[] = [contact(1), { reason: 'not-due', office: 'NORTH', patientId: 'P1002', contact: seen } as SkippedRecord, { reason: 'invalid', rowNumber: 3 }, null];
      const s = sightingsOf(hmac, records);
      assert.equal(s.length, 2);
      assert.deepEqual(s[1], { contactKey: contactKey(hmac, seen), recallRef: recallRef(hmac, seen), recallDate: '2027-05-20', appointment: true });
    });

    it('booked by an appointment, or by the same recall due after the contacted date; not by another recall', () => {
      const c = contact(1);
      const open = { contactKey: contactKey(hmac, c), recallRef: recallRef(hmac, c), recallDate: '2026-11-20', contactedOn: '2026-11-20' };
      const see = (over: Parameters<typeof contact>[1]) => sightingsOf(hmac, [contact(1, over)]);
      assert.equal(bookingOf(open, see({ hasFutureAppointment: true }), '2026-11-27'), 'appointment');
      assert.equal(bookingOf(open, see({ dueDate: '2027-05-27' }), '2026-12-04'), 'due-moved');
      assert.equal(bookingOf(open, see({}), '2026-11-27'), null, 'still due on the contacted date');
      assert.equal(bookingOf(open, see({ recallType: 'FMX', dueDate: '2027-11-20' }), '2026-11-27'), null, 'another recall row');
      assert.equal(bookingOf(open, sightingsOf(hmac, [contact(2, { hasFutureAppointment: true })]), '2026-11-27'), null, 'another patient');
      assert.equal(bookingOf(open, see({ hasFutureAppointment: true }), '2026-11-13'), null, 'a re-run of an earlier as-of');
    });
  });

  describe('on a real ledger file', () => {
    const open: SqliteLedger[] = [];
    const ledgerAt = async (file: string, secret = SECRET) => {
      const l = await openLedger({ file, secret });
      open.push(l);
      return l;
    };
    afterEach(async () => {
      for (const l of open.splice(0)) await l.close().catch(() => undefined);
      removeTempDirs();
    });

    it('a contact sent one week is marked booked when a later run sees the appointment; dry-run and unsent keys stay as they are', async () => {
      const file = path.join(tempDir(), 'ledger.db');
      const l = await ledgerAt(file);
      const contacts = [contact(1), contact(2), contact(3), contact(4)];
      const r = await reserveContacts(l, contacts, { leaseMs: 60_000, dryRun: false, runId: 'w1', asOf: '2026-11-20' });
      // 1-3 delivered, 4 left for the next run (retry)
      await l.commit([...r.pass.slice(0, 3).map((c) => delivered(c.key!)), { key: r.pass[3].key!, patientId: 'P1004', outcome: 'retry', attempts: 1 }]);

      const week2: unknown[] = [
        { reason: 'has-appointment', office: 'NORTH', patientId: 'P1001', contact: contact(1, { hasFutureAppointment: true }) },
        { reason: 'not-due', office: 'NORTH', patientId: 'P1002', contact: contact(2, { dueDate: '2027-05-25' }) },
        contact(3),
        { reason: 'has-appointment', office: 'NORTH', patientId: 'P1004', contact: contact(4, { hasFutureAppointment: true }) },
      ];
      assert.deepEqual(await observeRecords(l, week2, { asOf: '2026-11-27', dryRun: true }), { mode: 'observe', records: 4, sightings: 4, booked: 0 });
      assert.equal((await query(file, 'SELECT count(*) AS n FROM keys WHERE booked_on IS NOT NULL'))[0].n, 0);
      assert.equal((await observeRecords(l, week2, { asOf: '2026-11-27', dryRun: false })).booked, 2);
      // seen again a week later: already booked, not moved
      assert.equal((await observeRecords(l, week2, { asOf: '2026-12-04', dryRun: false })).booked, 0);
      const rows = await query<{ key: string; booked_on: string | null; booked_by: string | null; contacted_on: string }>(file, 'SELECT key, booked_on, booked_by, contacted_on FROM keys');
      const by = new Map(rows.map((x) => [x.key, x]));
      const k = (i: number) => recallKey(hmac, contact(i));
      assert.deepEqual([by.get(k(1))!.booked_on, by.get(k(1))!.booked_by], ['2026-11-27', 'appointment']);
      assert.deepEqual([by.get(k(2))!.booked_on, by.get(k(2))!.booked_by], ['2026-11-27', 'due-moved']);
      assert.equal(by.get(k(3))!.booked_on, null);
      assert.equal(by.get(k(4))!.booked_on, null, 'never delivered: not a contact');
      assert.equal(by.get(k(1))!.contacted_on, '2026-11-20');
    });

    it('figures rows: opted out or bounced after the contact, on a channel it went to; entries from before the contact do not count', async () => {
      const file = path.join(tempDir(), 'ledger.db');
      const l = await ledgerAt(file);
      const before = contact(3); // texted and e-mailed; its voice opt-out is older than the contact
      await l.addSuppressions([{ channel: 'voice', value: before.phone!, reason: 'opted-out' }], 'test');
      const contacts = [contact(1), contact(2), before, contact(4, { channels: { sms: true, email: false, voice: false } })];
      const r = await reserveContacts(l, contacts, { leaseMs: 60_000, dryRun: false, asOf: '2026-11-20' });
      await l.commit(r.pass.map((c) => delivered(c.key!)));
      await new Promise((res) => setTimeout(res, 5)); // added_at must be a later millisecond than sent_at
      await l.addSuppressions(
        [
          { channel: 'all', value: contact(1).phone!, reason: 'opted-out' },
          { channel: 'email', value: contact(2).email!, reason: 'bounced-email' },
          { channel: 'email', value: contact(4).email!, reason: 'opted-out' }, // 4 got no e-mail
        ],
        'test',
      );
      const rows = await l.outcomeRows('2026-11-01');
      assert.equal(rows.length, 4);
      assert.equal(rows.filter((x) => x.optedOutAfter).length, 1);
      assert.equal(rows.filter((x) => x.bouncedAfter).length, 1);
      assert.ok(rows.every((x) => x.office === 'NORTH' && x.segment === 'due-now' && x.bookedOn === null));
      assert.equal((await l.outcomeRows('2026-11-21')).length, 0);
    });

    it('migrates a ledger file written by schema 1: keys keep their state, new columns empty, new contacts are tracked', async () => {
      const dir = tempDir();
      const file = path.join(dir, 'ledger.db');
      fs.copyFileSync(path.join(FIXTURES, 'ledger', 'v1-ledger.sqlite'), file);
      assert.equal((await query<{ user_version: number }>(file, 'PRAGMA user_version'))[0].user_version, 1);
      const v1hmac = hmacWith('v1-fixture-secret');
      const old = (i: number) => recallKey(v1hmac, { office: 'NORTH', patientId: `P${1000 + i}`, segment: 'due-now', dueDate: '2026-11-20' });

      const l = await ledgerAt(file, 'v1-fixture-secret');
      assert.equal((await query<{ user_version: number }>(file, 'PRAGMA user_version'))[0].user_version, SCHEMA_VERSION);
      assert.ok(SCHEMA_VERSION >= 2);
      const states = await l.status([old(1), old(2), old(3)]);
      assert.deepEqual(Object.fromEntries(states.map((s) => [s.key, s.state])), { [old(1)]: 'sent', [old(2)]: 'failed', [old(3)]: 'reserved' });
      assert.deepEqual((await l.reserve([old(1), old(2)], 60_000)).reserved, [], 'sent and failed keys still hold');
      const legacy = await query<{ contact_key: string | null; booked_on: string | null }>(file, 'SELECT contact_key, booked_on FROM keys WHERE key = ?', [old(1)]);
      assert.deepEqual(legacy[0], { contact_key: null, booked_on: null });
      assert.equal((await l.loadSuppressions()).lookup('zq01@example.com').length, 1);
      assert.equal((await l.outcomeRows('2000-01-01')).length, 0, 'a key sent before tracking has no contact date');

      // a new contact after the upgrade is tracked end to end
      const c = { ...contact(9), office: 'NORTH' };
      const r = await reserveContacts(l, [c], { leaseMs: 60_000, dryRun: false, asOf: '2026-12-01' });
      await l.commit([delivered(r.pass[0].key!)]);
      assert.equal((await observeRecords(l, [{ ...c, hasFutureAppointment: true }], { asOf: '2026-12-08', dryRun: false })).booked, 1);
      assert.deepEqual((await l.outcomeRows('2026-12-01')).map((x) => x.bookedOn), ['2026-12-08']);
      await l.close();
      open.pop();
      // reopened: nothing to migrate again
      const again = await ledgerAt(file, 'v1-fixture-secret');
      assert.equal((await again.outcomeRows('2026-12-01')).length, 1);
    });
  });
});
