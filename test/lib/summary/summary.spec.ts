// Run summary, daily totals and health-ping URLs (nodes/lib/summary): pure logic.
import { strict as assert } from 'node:assert';
import { addRun, dailySummary, emptyTotals } from '../../../nodes/lib/summary/daily';
import { healthPingUrl } from '../../../nodes/lib/summary/health';
import { summarizeRun } from '../../../nodes/lib/summary/run-summary';

const NOW = new Date('2026-11-27T15:30:00Z');

function recall(extra: Record<string, unknown> = {}) {
  return {
    runId: 'run-1',
    office: 'SLC',
    source: 'export',
    file: '/srv/inbox/processed/cc-2026-11-27.csv',
    asOf: '2026-11-27',
    rowCount: 12,
    counts: { 'not-due': 2, 'has-appointment': 1, landline: 1, 'sms-opt-out': 1, 'opted-out': 1, 'already-sent': 2, selected: 9 },
    ...extra,
  };
}

describe('lib/summary', () => {
  describe('healthPingUrl', () => {
    it('is null when no health check is configured', () => {
      assert.equal(healthPingUrl('', 'success'), null);
      assert.equal(healthPingUrl('   ', 'fail'), null);
    });
    it('pings the URL on success and <url>/fail on failure (healthchecks.io style)', () => {
      assert.equal(healthPingUrl('https://hc-ping.com/abc', 'success'), 'https://hc-ping.com/abc');
      assert.equal(healthPingUrl('https://hc-ping.com/abc', 'fail'), 'https://hc-ping.com/abc/fail');
      assert.equal(healthPingUrl('https://hc-ping.com/abc/', 'fail'), 'https://hc-ping.com/abc/fail');
    });
    it('keeps a query string after /fail', () => {
      assert.equal(healthPingUrl('http://127.0.0.1:8000/ping/x?rid=1', 'fail'), 'http://127.0.0.1:8000/ping/x/fail?rid=1');
    });
    it('names the setting when the URL is bad', () => {
      assert.throws(() => healthPingUrl('hc-ping.com/abc', 'success'), /HEALTHCHECK_URL is not a URL/);
      assert.throws(() => healthPingUrl('ftp://example.com/x', 'success'), /HEALTHCHECK_URL must be https/);
    });

    it('https anywhere, plain http only to this machine, no user:password (never repeats the URL)', () => {
      assert.equal(healthPingUrl('http://127.0.0.1:9000/p', 'success'), 'http://127.0.0.1:9000/p');
      assert.equal(healthPingUrl('http://localhost/p', 'fail'), 'http://localhost/p/fail');
      for (const bad of ['http://hc-ping.com/abc-secret-uuid', 'http://192.168.1.9/abc-secret-uuid', 'http://127.0.0.1.evil.example/abc-secret-uuid']) {
        assert.throws(() => healthPingUrl(bad, 'success'), (e: Error) => /must be https/.test(e.message) && !e.message.includes('abc-secret-uuid'), bad);
      }
      assert.throws(() => healthPingUrl('https://u:p@hc-ping.com/x', 'success'), /user name or password/);
    });
  });

  describe('summarizeRun', () => {
    it('counts patient reasons, channel reasons and delivery outcomes apart', () => {
      const payload = [
        { key: 'a', patientId: '1', outcome: 'delivered', attempts: 1 },
        { key: 'b', patientId: '2', outcome: 'delivered', attempts: 1 },
        { key: 'c', patientId: '3', outcome: 'failed', attempts: 1, error: 'HTTP 422' },
        { key: 'd', patientId: '4', outcome: 'retry', attempts: 3 },
      ];
      const s = summarizeRun({ recall: recall(), payload, now: NOW });
      assert.equal(s.ok, true);
      assert.equal(s.office, 'SLC');
      assert.equal(s.file, 'cc-2026-11-27.csv', 'only the file name, not the folder');
      assert.equal(s.rows, 12);
      assert.deepEqual(s.leftOut, { 'not-due': 2, 'has-appointment': 1, 'opted-out': 1 });
      assert.deepEqual(s.channelsDropped, { landline: 1, 'sms-opt-out': 1 });
      assert.deepEqual(s.delivery, { delivered: 2, failed: 1, retry: 1, 'dry-run': 0 });
      assert.equal(s.at, NOW.toISOString());
      assert.match(s.text, /^SLC export run of cc-2026-11-27\.csv: 12 rows; 2 delivered; 1 failed; 1 to retry next run; left out: 2 not-due, 1 has-appointment, 1 opted-out; channels dropped: 1 landline, 1 sms-opt-out; 2 already sent$/);
    });

    it('says when suppression entries could not be used', () => {
      const s = summarizeRun({ recall: recall({ counts: { 'suppression-unusable': 3 } }), payload: [], now: NOW });
      assert.match(s.text, /; 3 suppression entries unusable$/);
    });

    it("a dry-run's summary says what a live run would do (the sink's blast guard forecast)", () => {
      const payload = Array.from({ length: 3 }, (_, i) => ({ key: `k${i}`, patientId: String(i), outcome: 'dry-run', attempts: 0 }));
      const liveRun = { wouldRefuse: true, toSend: 1480, maxPerRun: 500, text: 'a live run would refuse: 1,480 to send > max per run 500' };
      const s = summarizeRun({ recall: recall({ dryRun: true, 'crm-webhook-out': { contacts: 3, liveRun } }), payload, now: NOW });
      assert.equal(s.liveRun, liveRun.text);
      assert.match(s.text, /; a live run would refuse: 1,480 to send > max per run 500$/);
      const live = summarizeRun({ recall: recall({ dryRun: false, 'crm-webhook-out': { contacts: 3, liveRun } }), payload: [], now: NOW });
      assert.equal(live.liveRun, undefined, 'a live run says nothing of the kind');
    });

    it('reports a dry-run by what would be sent', () => {
      const payload = [{ key: 'a', patientId: '1', outcome: 'dry-run', attempts: 0 }];
      const s = summarizeRun({ recall: recall({ dryRun: true }), payload, now: NOW });
      assert.equal(s.dryRun, true);
      assert.equal(s.delivery['dry-run'], 1);
      assert.match(s.text, /\(dry-run\): 12 rows; 1 would be sent;/);
      assert.doesNotMatch(s.text, /delivered/);
    });

    it('falls back to outcome counts when the payload holds no results', () => {
      const s = summarizeRun({ recall: recall({ counts: { delivered: 3 } }), payload: [], now: NOW });
      assert.equal(s.delivery.delivered, 3);
    });

    it("keeps each stage's own numbers from msg.recall[<type>]", () => {
      const s = summarizeRun({
        recall: recall({ 'crm-webhook-out': { requests: 4, latencyMs: 120, byStatus: { '200': 3, '503': 1 }, note: 'x' } }),
        now: NOW,
      });
      assert.deepEqual(s.stages['crm-webhook-out'], { requests: 4, latencyMs: 120, 'byStatus.200': 3, 'byStatus.503': 1 });
    });

    it('reports a Catch error as a failed run, naming the node, with the office from the setting', () => {
      const s = summarizeRun({
        error: { message: 'Error: header drift in cc.csv: missing "Chart #"', source: { type: 'batch-export-in', name: 'Dentrix exports folder' } },
        office: 'PRV',
        now: NOW,
      });
      assert.equal(s.ok, false);
      assert.equal(s.office, 'PRV');
      assert.equal(s.error, 'header drift in cc.csv: missing "Chart #"');
      assert.equal(s.text, 'PRV unknown run FAILED at Dentrix exports folder: header drift in cc.csv: missing "Chart #"');
    });
  });

  describe('daily summary', () => {
    it('adds runs up and lists the failures', () => {
      let t = emptyTotals('SLC');
      t = addRun(t, summarizeRun({ recall: recall(), payload: [{ key: 'a', patientId: '1', outcome: 'delivered', attempts: 1 }], now: NOW }));
      t = addRun(t, summarizeRun({ recall: recall(), payload: [{ key: 'b', patientId: '2', outcome: 'delivered', attempts: 1 }], now: NOW }));
      t = addRun(t, summarizeRun({ error: { message: 'Error: CRM refused the batch: 600 contacts > maxPerRun 500' }, office: 'SLC', now: NOW }));
      assert.equal(t.runs, 3);
      assert.equal(t.failedRuns, 1);
      assert.equal(t.delivery.delivered, 2);
      assert.equal(t.leftOut['not-due'], 4);
      assert.equal(t.alreadySent, 4);
      const mail = dailySummary(t, '2026-11-27');
      assert.equal(mail.subject, 'Dental recall SLC 2026-11-27: 1 FAILED RUN, 2 delivered');
      assert.match(mail.text, /Delivered to the CRM: 2\n/);
      assert.match(mail.text, /Left out, by reason: 4 not-due, 2 has-appointment, 2 opted-out/);
      assert.match(mail.text, /- 2026-11-27T15:30:00\.000Z SLC unknown run FAILED: CRM refused the batch/);
      assert.match(mail.html, /<th align="left">Delivered to the CRM<\/th><td>2<\/td>/);
      assert.match(mail.html, /600 contacts &gt; maxPerRun 500/, 'HTML is escaped');
    });

    it('says so when no run happened', () => {
      const mail = dailySummary(emptyTotals('SLC'), '2026-11-28');
      assert.equal(mail.subject, 'Dental recall SLC 2026-11-28: NO RUNS, 0 delivered');
      assert.match(mail.text, /No run was recorded today/);
    });

    it('keeps at most the last 10 failures', () => {
      let t = emptyTotals('X');
      for (let i = 0; i < 12; i++) t = addRun(t, summarizeRun({ error: { message: `boom ${i}` }, office: 'X', now: NOW }));
      assert.equal(t.errors.length, 10);
      assert.match(t.errors[0].text, /boom 2$/);
    });
  });
});
