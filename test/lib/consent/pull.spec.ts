// The suppression pull against real HTTP servers on 127.0.0.1.
import { strict as assert } from 'node:assert';
import { checkRegion } from '../../../nodes/lib/contact/phone';
import { safeUrl } from '../../../nodes/lib/net/url';
import { checkPullUrl, pullSuppressions } from '../../../nodes/lib/consent/pull';
import { startFeedServer, type FeedServer } from './feed-server';

const US = checkRegion('US');

describe('consent/pull', () => {
  describe('the pull URL', () => {
    it('allows https anywhere and http to this machine only', () => {
      checkPullUrl('https://crm.example.com/dnd', false);
      checkPullUrl('http://127.0.0.1:8080/dnd', false);
      checkPullUrl('http://localhost/dnd', false);
      assert.throws(() => checkPullUrl('http://crm.example.com/dnd', false), /plain http/);
      checkPullUrl('http://crm.example.com/dnd', true);
      assert.throws(() => checkPullUrl('ftp://x/y', true), /only https:\/\/ \(or http:\/\/ to this machine\) is supported, got ftp:/);
      assert.throws(() => checkPullUrl('not a url', true), /setting "suppression URL": "not a url" is not a valid URL/);
    });
    it('messages never show the query or credentials', () => {
      assert.equal(safeUrl('https://user:pw@crm.example.com/dnd?token=abc'), 'https://crm.example.com/dnd');
    });
  });

  describe('from a real HTTP server on 127.0.0.1', () => {
    let feed: FeedServer;
    let other: FeedServer;
    beforeEach(async () => {
      feed = await startFeedServer();
      other = await startFeedServer();
    });
    afterEach(async () => {
      await feed.close();
      await other.close();
    });

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
    it('no answer: fails at the deadline', async () => {
      feed.answer = { hang: true };
      await assert.rejects(pullSuppressions(feed.url, US, { timeoutMs: 300 }), /not finished after 300 ms/);
    });
    it('a server trickling bytes cannot hold the pull past its deadline (the timeout is total, not idle)', async () => {
      feed.answer = { trickle: true };
      await assert.rejects(pullSuppressions(feed.url, US, { timeoutMs: 300 }), /failed: not finished after 300 ms/);
    });
    it('an answer larger than the limit is refused', async () => {
      feed.answer = { body: Array.from({ length: 200 }, (_, i) => ({ channel: 'all', value: `+1801555${String(1000 + i)}` })) };
      await assert.rejects(pullSuppressions(feed.url, US, { timeoutMs: 5000, maxBytes: 1000 }), /failed: the answer is larger than 1000 bytes/);
      const f = await pullSuppressions(feed.url, US, { timeoutMs: 5000 });
      assert.equal(f.entries.length, 200, 'the default limit takes a real list');
    });
    it('invalid JSON: an error', async () => {
      feed.answer = { status: 200, text: '[{"channel": "sms",' };
      await assert.rejects(pullSuppressions(feed.url, US, { timeoutMs: 5000 }), /answer is not JSON/);
    });
    it('JSON that is not an array: an error', async () => {
      feed.answer = { status: 200, body: { ok: true } };
      await assert.rejects(pullSuppressions(feed.url, US, { timeoutMs: 5000 }), /expected a JSON array/);
    });
    it('a non-empty feed with nothing usable: an error, not an empty list', async () => {
      feed.answer = { status: 200, body: [{ phone: '+18015550199' }] };
      await assert.rejects(pullSuppressions(feed.url, US, { timeoutMs: 5000 }), /none of its 1 entries has a usable value/);
    });
    it('connection refused: an error', async () => {
      const url = feed.url;
      await feed.close();
      await assert.rejects(pullSuppressions(url, US, { timeoutMs: 5000 }), /failed: ECONNREFUSED/);
    });

    describe('redirects', () => {
      it('are followed to a URL that passes the checks; the token goes only to the origin of the setting', async () => {
        feed.answer = { redirect: other.url.replace('127.0.0.1', 'localhost') };
        other.answer = { body: [{ channel: 'all', value: '+18015550199' }] };
        const f = await pullSuppressions(feed.url, US, { timeoutMs: 5000, token: 't0k' });
        assert.equal(f.entries.length, 1);
        assert.equal(feed.requests[0].headers.authorization, 'Bearer t0k');
        assert.equal(other.requests.length, 1);
        assert.equal(other.requests[0].headers.authorization, undefined, 'no token to another origin');
      });
      it('on the same origin the token is kept', async () => {
        feed.answer = { redirect: '/suppressions/v2', status: 308 };
        await assert.rejects(pullSuppressions(feed.url, US, { timeoutMs: 5000, token: 't0k' }), /more than 3 redirects/);
        assert.equal(feed.requests.length, 4);
        assert.ok(feed.requests.every((r) => r.headers.authorization === 'Bearer t0k'));
      });
      it('to plain http on another machine: refused before any request is made there', async () => {
        feed.answer = { redirect: 'http://crm.example.invalid/dnd?token=abc' };
        await assert.rejects(pullSuppressions(feed.url, US, { timeoutMs: 5000, token: 't0k' }), (e: Error) => {
          assert.match(e.message, /failed: redirect to http:\/\/crm\.example\.invalid\/dnd: plain http:\/\/ to crm\.example\.invalid would send patient data unencrypted/);
          assert.ok(!e.message.includes('token=abc'));
          return true;
        });
      });
      it('to another scheme: refused', async () => {
        feed.answer = { redirect: 'file:///etc/passwd' };
        await assert.rejects(pullSuppressions(feed.url, US, { timeoutMs: 5000 }), /redirect to .*: only https:\/\/ \(or http:\/\/ to this machine\) is supported, got file:/);
      });
    });
  });
});
