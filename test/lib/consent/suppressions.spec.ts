import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runConsent } from '../../../nodes/lib/consent/run';
import { normalizeEntry, parseFeed } from '../../../nodes/lib/consent/suppressions';
import type { Ledger } from '../../../nodes/lib/ledger/api';
import { openLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import { checkRegion } from '../../../nodes/lib/contact/phone';
import type { RecallContact } from '../../../nodes/lib/types';
import { startFeedServer, type FeedServer } from './feed-server';

const US = checkRegion('US');

describe('consent/suppressions', () => {
  describe('normalizeEntry: fail closed', () => {
    const good: [unknown, object][] = [
      [{ channel: 'sms', value: '(801) 555-0199', reason: 'opted-out' }, { channel: 'sms', value: '+18015550199', reason: 'opted-out' }],
      [{ channel: 'ALL', value: ' Maria@Example.COM ', reason: 'opted-out' }, { channel: 'all', value: 'maria@example.com', reason: 'opted-out' }],
      [{ channel: 'email', value: 'pat@example.com', reason: 'bounced-email' }, { channel: 'email', value: 'pat@example.com', reason: 'bounced-email' }],
      [{ channel: 'voice', value: '+18015550101', reason: 'bad-number' }, { channel: 'voice', value: '+18015550101', reason: 'bad-number' }],
      [{ value: '801-555-0101' }, { channel: 'all', value: '+18015550101', reason: 'opted-out' }],
      [{ channel: 'sms', value: 8015550101, reason: 'opted-out' }, { channel: 'sms', value: '+18015550101', reason: 'opted-out' }],
    ];
    for (const [input, out] of good) it(`${JSON.stringify(input)} -> ${JSON.stringify(out)}`, () => assert.deepEqual(normalizeEntry(input, US), { entry: out }));
    // usable value, channel or reason unknown or not fitting: suppress more, never less
    const widened: [unknown, object, RegExp][] = [
      [{ channel: 'text', value: '+18015550101', reason: 'opted-out' }, { channel: 'all', value: '+18015550101', reason: 'opted-out' }, /channel "text" read as all/],
      [{ channel: 'whatsapp', value: '+18015550101' }, { channel: 'all', value: '+18015550101', reason: 'opted-out' }, /channel "whatsapp"/],
      [{ channel: 'sms', value: '+18015550101', reason: 'unsubscribed' }, { channel: 'sms', value: '+18015550101', reason: 'opted-out' }, /reason "unsubscribed" read as opted-out/],
      [{ channel: 'email', value: 'a@example.com', reason: 'dnd' }, { channel: 'email', value: 'a@example.com', reason: 'opted-out' }, /reason "dnd"/],
      [{ channel: 'sms', value: 'a@example.com' }, { channel: 'all', value: 'a@example.com', reason: 'opted-out' }, /channel "sms" read as all/],
      [{ channel: 'email', value: '+18015550101' }, { channel: 'all', value: '+18015550101', reason: 'opted-out' }, /channel "email" read as all/],
      [{ value: 'a@example.com', reason: 'bad-number' }, { channel: 'all', value: 'a@example.com', reason: 'opted-out' }, /reason "bad-number" read as opted-out/],
      [{ value: '+18015550101', reason: 'bounced-email' }, { channel: 'all', value: '+18015550101', reason: 'opted-out' }, /reason "bounced-email"/],
    ];
    for (const [input, out, note] of widened) {
      it(`${JSON.stringify(input)} -> ${JSON.stringify(out)}, reported`, () => {
        const r = normalizeEntry(input, US);
        assert.ok('entry' in r);
        assert.deepEqual(r.entry, out);
        assert.match(String(r.widened), note);
      });
    }
    it('a channel or reason that is not a word is not repeated (a shifted column could hold a phone or e-mail)', () => {
      const r = normalizeEntry({ channel: '+18015550142', value: '+18015550101', reason: 'pat@example.com' }, US);
      assert.ok('entry' in r);
      assert.deepEqual(r.entry, { channel: 'all', value: '+18015550101', reason: 'opted-out' });
      assert.equal(r.widened, 'channel (not a word) read as all, reason (not a word) read as opted-out');
    });
    const unusable: [unknown, RegExp][] = [
      [null, /not an object/],
      [{ channel: 'sms' }, /no value/],
      [{ channel: 'sms', phone: '+18015550101' }, /no value/],
      [{ value: 'not a number' }, /neither a valid phone/],
      [{ value: '(801)155-0101' }, /neither a valid phone/],
      [{ value: 'x@' }, /not a valid e-mail/],
    ];
    for (const [input, why] of unusable) it(`no usable value: ${JSON.stringify(input)}`, () => assert.match(String((normalizeEntry(input, US) as { problem: string }).problem), why));
  });

  describe('parseFeed', () => {
    it('keeps the usable entries, counts the others without their values', () => {
      const f = parseFeed([{ value: '+18015550101' }, { value: 'secret@' }, { channel: 'x', value: '+18015550102' }], US, 'feed');
      assert.deepEqual(f.entries.map((e) => e.channel), ['all', 'all']);
      assert.equal(f.bad, 1);
      assert.deepEqual(f.problems, ['entry 2: value is not a valid e-mail address']);
      assert.equal(f.widened, 1);
      assert.deepEqual(f.widenings, ['entry 3: channel "x" read as all']);
      assert.ok(!f.problems.join(' ').includes('secret'));
    });
    it('an empty feed is an empty list', () => assert.deepEqual(parseFeed([], US, 'feed').entries, []));
    it('refuses a body that is not an array', () => {
      assert.throws(() => parseFeed({ entries: [] }, US, 'feed'), /feed: expected a JSON array of \{ channel, value, reason \}, got object/);
    });
    it('refuses an array of anything but objects', () => {
      assert.throws(() => parseFeed(['+18015550101'], US, 'feed'), /feed: expected a JSON array.*entry 1 is a string/);
      assert.throws(() => parseFeed([{ value: '+18015550101' }, null], US, 'feed'), /entry 2 is null/);
    });
    it('refuses a non-empty feed in which no entry is usable (another field name)', () => {
      assert.throws(() => parseFeed([{ phone: '+18015550101' }, { phone: '+18015550102' }], US, 'feed'), /feed: none of its 2 entries has a usable value \(entry 1: no value; entry 2: no value\)/);
    });
  });

  describe('runConsent with the real SQLite ledger', () => {
    let dir: string;
    let ledger: Ledger;
    let feed: FeedServer;
    const warnings: string[] = [];
    const maria: RecallContact = {
      office: 'SLC', patientId: '1', firstName: 'Maria', lastName: 'Garcia', phone: '+18015550199', phoneType: 'mobile', email: 'maria@example.com',
      hasFutureAppointment: false, status: 'active', channels: { sms: true, email: true, voice: true }, segment: 'overdue', source: 'odbc',
    };
    // each run reads its rows afresh, as a real run does (consent writes its decision on them)
    const run = (over: Partial<Parameters<typeof runConsent>[0]> = {}) =>
      runConsent({ contacts: [{ ...maria, channels: { ...maria.channels } }], ledger, region: US, pullUrl: '', pullTimeoutMs: 2000, continueOnPullFailure: false, warn: (t) => warnings.push(t), ...over });

    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consent-ledger-'));
      ledger = await openLedger({ file: path.join(dir, 'ledger.db'), secret: 'test-secret' });
      feed = await startFeedServer();
      warnings.length = 0;
    });
    afterEach(async () => {
      await feed.close();
      await ledger.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('msg.suppress entries are stored (hashed) and applied in the same run', async () => {
      const r = await run({ suppress: [{ channel: 'all', value: '801-555-0199', reason: 'opted-out' }, { value: 'nope' }] });
      assert.deepEqual(r.contactable[0].channels, { sms: false, email: true, voice: false });
      assert.deepEqual(r.summary, { contacts: 1, contactable: 1, suppressed: 0, fromMessage: 1, pulled: 0, badEntries: 1, widenedEntries: 0, pullFailed: false, listSize: 1, ledgerHeld: 0 });
      assert.match(warnings[0], /1 entries of msg.suppress have no usable value and were not stored: entry 2: value is neither/);
      assert.equal(r.counts['suppression-unusable'], 1, 'counted in msg.recall.counts, not only warned');
      const raw = fs.readFileSync(path.join(dir, 'ledger.db')).toString('latin1') + (fs.existsSync(path.join(dir, 'ledger.db-wal')) ? fs.readFileSync(path.join(dir, 'ledger.db-wal')).toString('latin1') : '');
      assert.ok(!raw.includes('+18015550199') && !raw.includes('8015550199'), 'the phone is not stored in clear');
    });
    it('pulled entries are stored and stay for the next runs', async () => {
      feed.answer = { body: [{ channel: 'email', value: 'MARIA@example.com', reason: 'opted-out' }] };
      const first = await run({ pullUrl: feed.url });
      assert.equal(first.summary.pulled, 1);
      assert.deepEqual(first.contactable[0].channelReasons, { email: 'email-opt-out' });
      const second = await run();
      assert.deepEqual(second.contactable[0].channelReasons, { email: 'email-opt-out' });
    });
    it('a single msg.suppress object (not an array) is read too', async () => {
      const r = await run({ suppress: { channel: 'sms', value: '+18015550199', reason: 'opted-out' } });
      assert.deepEqual(r.contactable[0].channelReasons, { sms: 'sms-opt-out' });
    });
    it('a failed pull stops the run; msg.suppress entries that came with it are kept', async () => {
      feed.answer = { status: 503 };
      await assert.rejects(run({ pullUrl: feed.url, suppress: [{ channel: 'email', value: 'maria@example.com' }] }), /HTTP 503; nothing was passed on/);
      const after = await run();
      assert.deepEqual(after.contactable[0].channelReasons, { email: 'email-opt-out' });
    });
    it('with "continue on a failed pull" the stored list is used and a warning given', async () => {
      feed.answer = { hang: true };
      const r = await run({ pullUrl: feed.url, pullTimeoutMs: 300, continueOnPullFailure: true });
      assert.equal(r.summary.pullFailed, true);
      assert.equal(r.contactable.length, 1);
      assert.match(warnings[0], /not finished after 300 ms.*continue on a failed pull/);
    });
    it('opted out everywhere -> opted-out on output 2', async () => {
      feed.answer = { body: [{ channel: 'all', value: '+18015550199' }, { channel: 'all', value: 'maria@example.com' }] };
      const r = await run({ pullUrl: feed.url });
      assert.deepEqual(r.suppressed.map((s) => s.reason), ['opted-out']);
      assert.deepEqual(r.counts, { 'opted-out': 1 });
    });

    // the fail-closed feed through the real pull (server on 127.0.0.1) and the real ledger
    it('an unknown channel ("text") suppresses every channel of that value', async () => {
      feed.answer = { body: [{ channel: 'text', value: '+18015550199', reason: 'opted-out' }] };
      const r = await run({ pullUrl: feed.url });
      assert.deepEqual(r.contactable[0].channelReasons, { sms: 'sms-opt-out', voice: 'voice-opt-out' });
      assert.equal(r.summary.widenedEntries, 1);
      assert.match(warnings.join('\n'), /1 entries of the suppression feed were read fail-closed: entry 1: channel "text" read as all/);
    });
    it('an unknown reason ("unsubscribed", "dnd") is an opt-out', async () => {
      feed.answer = { body: [{ channel: 'all', value: '+18015550199', reason: 'unsubscribed' }, { channel: 'email', value: 'maria@example.com', reason: 'dnd' }] };
      const r = await run({ pullUrl: feed.url });
      assert.deepEqual(r.suppressed.map((s) => s.reason), ['opted-out']);
      assert.equal(r.summary.pulled, 2);
    });
    it('an entry under another field name is counted, reported and in the counts; the usable ones apply', async () => {
      feed.answer = { body: [{ channel: 'sms', phone: '+18015550199' }, { channel: 'email', value: 'maria@example.com' }] };
      const r = await run({ pullUrl: feed.url });
      assert.equal(r.summary.badEntries, 1);
      assert.equal(r.counts['suppression-unusable'], 1);
      assert.deepEqual(r.contactable[0].channelReasons, { email: 'email-opt-out' });
      assert.match(warnings.join('\n'), /1 entries of the suppression feed have no usable value and were not stored: entry 1: no value/);
    });
    for (const [name, answer, why] of [
      ['no entry usable', { body: [{ phone: '+18015550199' }, { channel: 'all', value: 'nobody' }] }, /none of its 2 entries has a usable value/],
      ['an object, not an array', { body: { data: [{ channel: 'all', value: '+18015550199' }] } }, /expected a JSON array of \{ channel, value, reason \}, got object/],
      ['an array of phone numbers', { body: ['+18015550199'] }, /entry 1 is a string/],
    ] as [string, object, RegExp][]) {
      it(`a feed with ${name} is a failed pull: the run stops, or goes on with the stored list when allowed`, async () => {
        feed.answer = answer;
        await assert.rejects(run({ pullUrl: feed.url }), (e: Error) => {
          assert.match(e.message, /^suppression pull from http:\/\/127\.0\.0\.1:\d+\/suppressions failed: the answer: /);
          assert.match(e.message, why);
          assert.match(e.message, /nothing was passed on/);
          return true;
        });
        const r = await run({ pullUrl: feed.url, continueOnPullFailure: true });
        assert.equal(r.summary.pullFailed, true);
        assert.match(warnings.join('\n'), why);
      });
    }
    it('msg.suppress follows the same rules: unknown channel widened, nothing usable or wrong shape stops the run', async () => {
      const r = await run({ suppress: [{ channel: 'text', value: '+18015550199', reason: 'dnd' }] });
      assert.deepEqual(r.contactable[0].channelReasons, { sms: 'sms-opt-out', voice: 'voice-opt-out' });
      await assert.rejects(run({ suppress: [{ number: '+18015550199' }] }), /msg.suppress: none of its 1 entries has a usable value.*nothing was passed on/);
      await assert.rejects(run({ suppress: '+18015550199' }), /msg.suppress: expected a JSON array.*entry 1 is a string.*nothing was passed on/);
      const goOn = await run({ suppress: [{ number: '+18015550199' }], continueOnPullFailure: true });
      assert.equal(goOn.summary.pullFailed, true);
    });
  });
});
