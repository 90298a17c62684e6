import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runConsent } from '../../../nodes/lib/consent/run';
import { checkPullUrl, normalizeEntry, parseFeed, pullSuppressions, safeUrl } from '../../../nodes/lib/consent/suppressions';
import type { Ledger } from '../../../nodes/lib/ledger/api';
import { openLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import { checkRegion } from '../../../nodes/lib/contact/phone';
import type { RecallContact } from '../../../nodes/lib/types';
import { startFeedServer, type FeedServer } from './feed-server';

const US = checkRegion('US');

describe('consent/suppressions', () => {
  describe('normalizeEntry', () => {
    const good: [unknown, object][] = [
      [{ channel: 'sms', value: '(801) 555-0199', reason: 'opted-out' }, { channel: 'sms', value: '+18015550199', reason: 'opted-out' }],
      [{ channel: 'ALL', value: ' Maria@Example.COM ', reason: 'opted-out' }, { channel: 'all', value: 'maria@example.com', reason: 'opted-out' }],
      [{ channel: 'email', value: 'pat@example.com', reason: 'bounced-email' }, { channel: 'email', value: 'pat@example.com', reason: 'bounced-email' }],
      [{ channel: 'voice', value: '+18015550101', reason: 'bad-number' }, { channel: 'voice', value: '+18015550101', reason: 'bad-number' }],
      [{ value: '801-555-0101' }, { channel: 'all', value: '+18015550101', reason: 'opted-out' }],
      [{ channel: 'sms', value: 8015550101, reason: 'opted-out' }, { channel: 'sms', value: '+18015550101', reason: 'opted-out' }],
    ];
    for (const [input, out] of good) it(`${JSON.stringify(input)} -> ${JSON.stringify(out)}`, () => assert.deepEqual(normalizeEntry(input, US), out));
    const bad: [unknown, RegExp][] = [
      [null, /not an object/],
      [{ channel: 'whatsapp', value: '+18015550101' }, /channel "whatsapp"/],
      [{ value: '+18015550101', reason: 'annoyed' }, /reason "annoyed"/],
      [{ channel: 'sms' }, /no value/],
      [{ value: 'not a number' }, /neither a valid phone/],
      [{ value: '(801)155-0101' }, /neither a valid phone/],
      [{ value: 'x@' }, /not a valid e-mail/],
      [{ channel: 'sms', value: 'a@example.com' }, /sms does not apply to an e-mail/],
      [{ value: 'a@example.com', reason: 'bad-number' }, /bad-number does not apply/],
      [{ channel: 'email', value: '+18015550101' }, /email does not apply to a phone/],
      [{ value: '+18015550101', reason: 'bounced-email' }, /bounced-email does not apply/],
    ];
    for (const [input, why] of bad) it(`rejects ${JSON.stringify(input)}`, () => assert.match(String(normalizeEntry(input, US)), why));
  });

  describe('parseFeed', () => {
    it('keeps the good entries, counts the bad ones without their values', () => {
      const f = parseFeed([{ value: '+18015550101' }, { value: 'secret@' }, { channel: 'x', value: '+18015550102' }], US, 'feed');
      assert.equal(f.entries.length, 1);
      assert.equal(f.bad, 2);
      assert.deepEqual(f.problems, ['feed entry 2: value is not a valid e-mail address', 'feed entry 3: channel "x" is not sms, email, voice or all']);
      assert.ok(!f.problems.join(' ').includes('secret'));
    });
    it('refuses a body that is not an array', () => {
      assert.throws(() => parseFeed({ entries: [] }, US, 'feed'), /feed: expected a JSON array/);
    });
  });

  describe('the pull URL', () => {
    it('allows https anywhere and http to this machine only', () => {
      checkPullUrl('https://crm.example.com/dnd', false);
      checkPullUrl('http://127.0.0.1:8080/dnd', false);
      checkPullUrl('http://localhost/dnd', false);
      assert.throws(() => checkPullUrl('http://crm.example.com/dnd', false), /plain http/);
      checkPullUrl('http://crm.example.com/dnd', true);
      assert.throws(() => checkPullUrl('ftp://x/y', true), /http\(s\)/);
      assert.throws(() => checkPullUrl('not a url', true), /not a URL/);
    });
    it('messages never show the query or credentials', () => {
      assert.equal(safeUrl('https://user:pw@crm.example.com/dnd?token=abc'), 'https://crm.example.com/dnd');
    });
  });

  describe('pull from a real HTTP server on 127.0.0.1', () => {
    let feed: FeedServer;
    beforeEach(async () => (feed = await startFeedServer()));
    afterEach(async () => feed.close());

    it('200 with entries: normalized entries, bearer token sent', async () => {
      feed.answer = { status: 200, body: [{ channel: 'sms', value: '(801)555-0199', reason: 'opted-out' }, { channel: 'email', value: 'Pat@Example.com', reason: 'bounced-email' }, { value: 'junk' }] };
      const f = await pullSuppressions(feed.url, US, { timeoutMs: 5000, token: 't0k' });
      assert.deepEqual(f.entries, [
        { channel: 'sms', value: '+18015550199', reason: 'opted-out' },
        { channel: 'email', value: 'pat@example.com', reason: 'bounced-email' },
      ]);
      assert.equal(f.bad, 1);
      assert.equal(feed.requests[0].headers.authorization, 'Bearer t0k');
    });
    it('500: an error naming the URL and the status', async () => {
      feed.answer = { status: 500, text: 'boom' };
      await assert.rejects(pullSuppressions(feed.url + '?key=s3cret', US, { timeoutMs: 5000 }), (e: Error) => {
        assert.match(e.message, /suppression pull from http:\/\/127\.0\.0\.1:\d+\/suppressions failed: HTTP 500/);
        assert.ok(!e.message.includes('s3cret'));
        return true;
      });
    });
    it('no answer: a timeout error', async () => {
      feed.answer = { hang: true };
      await assert.rejects(pullSuppressions(feed.url, US, { timeoutMs: 300 }), /timed out after 300 ms/);
    });
    it('invalid JSON: an error', async () => {
      feed.answer = { status: 200, text: '[{"channel": "sms",' };
      await assert.rejects(pullSuppressions(feed.url, US, { timeoutMs: 5000 }), /answer is not JSON/);
    });
    it('JSON that is not an array: an error', async () => {
      feed.answer = { status: 200, body: { ok: true } };
      await assert.rejects(pullSuppressions(feed.url, US, { timeoutMs: 5000 }), /expected a JSON array/);
    });
    it('connection refused: an error', async () => {
      const url = feed.url;
      await feed.close();
      await assert.rejects(pullSuppressions(url, US, { timeoutMs: 5000 }), /failed: ECONNREFUSED/);
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
    const run = (over: Partial<Parameters<typeof runConsent>[0]> = {}) =>
      runConsent({ contacts: [maria], ledger, region: US, pullUrl: '', pullTimeoutMs: 2000, continueOnPullFailure: false, warn: (t) => warnings.push(t), ...over });

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
      assert.deepEqual(r.summary, { contacts: 1, contactable: 1, suppressed: 0, fromMessage: 1, pulled: 0, badEntries: 1, pullFailed: false, listSize: 1, ledgerHeld: 0 });
      assert.match(warnings[0], /1 msg.suppress entries could not be used: msg.suppress entry 2/);
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
      assert.match(warnings[0], /timed out.*continue on a failed pull/);
    });
    it('opted out everywhere -> opted-out on output 2', async () => {
      feed.answer = { body: [{ channel: 'all', value: '+18015550199' }, { channel: 'all', value: 'maria@example.com' }] };
      const r = await run({ pullUrl: feed.url });
      assert.deepEqual(r.suppressed.map((s) => s.reason), ['opted-out']);
      assert.deepEqual(r.counts, { 'opted-out': 1 });
    });
  });
});
