// The shipped default flow (examples/default-recall-flow.json) in a real runtime
// started like `npm start`, configured only by environment variables: the demo's
// dry-run, real delivery to a CRM test server exactly once, no resend on a
// re-export, the health ping, and a dry-run that sends nothing at all.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectComms, type Comms } from '../support/comms';
import { CrmServer } from '../support/crm-server';
import { dropFile, waitForRun } from '../support/flow-run';
import { ROOT } from '../support/paths';
import { officeEnv, startRuntime, type StartedRuntime } from '../support/runtime';
import { until } from '../support/until';

const E2E_SECRET = 'e2e-ledger-secret';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { demoExportCsv } = require(path.join(ROOT, 'flows', 'demo-export.js')) as { demoExportCsv(today?: Date): string };

/**
 * Who the demo export should reach, worked out by hand from flows/demo-export.js and
 * The recall rules: Leo and Thi have an appointment, Rafael is not due, Eva has no phone or e-mail.
 */
const ELIGIBLE = ['Ada', 'Casey', 'Jonas', 'Maria', 'Mila', 'Omar', 'Pat', 'Yui'];

interface DryRunResult { key: string; outcome: string; request?: { url: string; method: string; headers: Record<string, string>; body: any } }

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The CRM's suppression feed in the CRM test: Ada opted out of e-mail. */
const SUPPRESSIONS = [{ channel: 'email', value: 'ada.okafor@example.org', reason: 'opted-out' }];

/** Today 08:00 local: every export of a test is "printed" on this one day, so due dates never move. */
const PRINT_DAY = new Date(new Date().setHours(8, 0, 0, 0));

/** A demo export printed `minutes` after 08:00 today: same patients and due dates, other bytes. */
function exportPrintedLater(minutes: number): string {
  return demoExportCsv(new Date(PRINT_DAY.getTime() + minutes * 60_000));
}

/** A health-check receiver on 127.0.0.1 (healthchecks.io style paths). */
async function pingServer(): Promise<{ url: string; pings: { path: string; body: string }[]; close(): Promise<void> }> {
  const pings: { path: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      pings.push({ path: req.url ?? '', body });
      res.end('OK');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping/office`, pings, close: () => new Promise((r) => server.close(() => r())) };
}

describe('the default flow, end to end (real runtime, env only)', function () {
  this.timeout(240_000);

  describe('npm start demo: the demo export flows to the dry-run output', () => {
    let red: StartedRuntime;
    let comms: Comms;
    const seen = new Set<string>();
    before(async () => {
      red = await startRuntime({ env: { RECALL_WATCH_DIR: '' } });
      comms = await connectComms(red.url, await red.token());
    });
    after(async () => {
      comms?.close();
      if (red) await red.stop();
    });

    it('runs the demo export placed by npm start as a dry-run: 8 would be sent, nothing delivered', async () => {
      const run = await waitForRun(red, /^demo-continuing-care-\d+\.csv$/, seen);
      assert.equal(run.office, 'DEMO');
      assert.equal(run.source, 'export');
      assert.equal(run.dryRun, true);
      assert.equal(run.delivery['dry-run'], ELIGIBLE.length, run.text);
      assert.equal(run.delivery.delivered, 0);
      assert.equal(run.leftOut['has-appointment'], 2, run.text);
      assert.equal(run.leftOut['not-due'], 1, run.text);
      assert.equal(run.leftOut['no-channel'], 1, run.text);
    });

    it('shows the exact payloads in the "Dry-run payloads" debug node, and who was left out in theirs', async () => {
      const file = `demo-again-${Date.now()}.csv`;
      dropFile(path.join(red.userDir, 'recall-inbox'), file, exportPrintedLater(1));
      const shown = await comms.waitForDebug((m) => m.id === 'dry-run', 'the Dry-run payloads debug node');
      const results = JSON.parse(shown.msg) as DryRunResult[];
      assert.deepEqual(results.map((r) => r.outcome), ELIGIBLE.map(() => 'dry-run'));
      assert.deepEqual(results.map((r) => r.request!.body.firstName).sort(), ELIGIBLE);
      for (const r of results) {
        assert.equal(r.request!.method, 'POST');
        assert.equal(r.request!.body.schema, 'dental-recall/v1');
        assert.equal(r.request!.body.office, 'DEMO');
        assert.ok(r.request!.body.tags.includes('office:DEMO'), JSON.stringify(r.request!.body.tags));
        assert.equal(r.request!.headers['Idempotency-Key'] ?? r.request!.headers['idempotency-key'], r.key);
      }
      const rejected = await comms.waitForDebug((m) => m.id === 'rejects', 'the Rejected rows debug node');
      assert.deepEqual((JSON.parse(rejected.msg) as { reason: string; patientId: string }[]).map((r) => `${r.reason} ${r.patientId}`), ['not-due SI0017']);
      const suppressed = await comms.waitForDebug((m) => m.id === 'suppressed', 'the Suppressed debug node');
      assert.deepEqual((JSON.parse(suppressed.msg) as { reason: string; patientId: string }[]).map((r) => `${r.reason} ${r.patientId}`).sort(), [
        'has-appointment GA0013',
        'has-appointment NG0003',
        'no-channel KO0004',
      ]);
      const run = await waitForRun(red, file, seen);
      assert.equal(run.delivery['dry-run'], ELIGIBLE.length);
    });
  });

  describe('sending to a CRM test server (RECALL_DRY_RUN=false)', () => {
    let red: StartedRuntime;
    let crm: CrmServer;
    let ping: Awaited<ReturnType<typeof pingServer>>;
    let watch: string;
    let firstExport = '';
    let comms: Comms;
    const seen = new Set<string>();
    const hooks = () => crm.requests.filter((r) => r.path === '/hook');
    before(async () => {
      // the CRM also serves the suppression feed the flow pulls before consent
      crm = await CrmServer.start({
        handler: (req) => (req.path === '/suppressions' ? { status: 200, body: SUPPRESSIONS } : undefined),
      });
      ping = await pingServer();
      watch = tmp('recall-e2e-watch-');
      red = await startRuntime({
        env: {
          ...officeEnv({ office: 'SLC', watch, ledgerDb: path.join(tmp('recall-e2e-ledger-'), 'ledger.sqlite'), ledgerSecret: E2E_SECRET, dryRun: false, crm: crm.url, suppressionUrl: `${crm.url}/suppressions` }),
          HEALTHCHECK_URL: ping.url,
        },
      });
    });
    after(async () => {
      comms?.close();
      if (red) await red.stop();
      await crm?.close();
      await ping?.close();
    });

    it("delivers the export's eligible contacts to the CRM once each, tagged with the office", async () => {
      comms = await connectComms(red.url, await red.token());
      firstExport = exportPrintedLater(0);
      dropFile(watch, 'cc-1.csv', firstExport);
      const run = await waitForRun(red, 'cc-1.csv', seen);
      assert.equal(run.dryRun, false);
      assert.equal(run.delivery.delivered, ELIGIBLE.length, run.text);
      assert.equal(hooks().length, ELIGIBLE.length);
      const bodies = hooks().map((r) => r.json as any);
      assert.deepEqual(bodies.map((b) => b.firstName).sort(), ELIGIBLE);
      // Ada's e-mail is on the pulled suppression list: she is reached by SMS only
      const ada = bodies.find((b) => b.firstName === 'Ada');
      assert.deepEqual(ada.channels.includes('email'), false, JSON.stringify(ada.channels));
      assert.equal(ada.email ?? null, null);
      assert.equal(run.channelsDropped['email-opt-out'], 1, run.text);
      assert.ok(crm.requests.some((r) => r.method === 'GET' && r.path === '/suppressions'), 'the suppression list was pulled');
      for (const r of hooks()) {
        assert.equal(r.method, 'POST');
        assert.equal(r.path, '/hook');
        assert.equal((r.json as any).office, 'SLC');
        assert.ok((r.json as any).tags.includes('office:SLC'));
      }
      assert.equal(new Set(hooks().map((r) => r.headers['idempotency-key'])).size, ELIGIBLE.length, 'one key per contact');
    });

    it('pinged the health check after the run', async () => {
      await until(() => ping.pings.length >= 1, 'the health ping');
      assert.equal(ping.pings[0].path, '/ping/office');
      assert.match(ping.pings[0].body, /^SLC export run of cc-1\.csv: 12 rows; 8 delivered;/);
    });

    it('sends nothing again for a re-export with a new print time', async () => {
      dropFile(watch, 'cc-2.csv', exportPrintedLater(5));
      const run = await waitForRun(red, 'cc-2.csv', seen);
      assert.equal(run.delivery.delivered, 0, run.text);
      assert.equal(hooks().length, ELIGIBLE.length, 'no new request reached the CRM');
    });

    it('sends nothing again for the same file dropped twice or a rescan', async () => {
      dropFile(watch, 'cc-1-copy.csv', firstExport);
      await red.api('POST', '/inject/rescan');
      // a later export ends the wait: by then the copy has been handled
      dropFile(watch, 'cc-3.csv', exportPrintedLater(10));
      await waitForRun(red, 'cc-3.csv', seen);
      await until(() => !fs.existsSync(path.join(watch, 'cc-1-copy.csv')), 'the copy to leave the watched folder');
      assert.equal(hooks().length, ELIGIBLE.length);
      const perKey = new Map<string, number>();
      for (const r of hooks()) perKey.set(r.headers['idempotency-key'], (perKey.get(r.headers['idempotency-key']) ?? 0) + 1);
      assert.deepEqual([...perKey.values()], ELIGIBLE.map(() => 1), 'each key delivered exactly once');
    });

    it('a CRM that refuses the token fails the run, pings <url>/fail, and the contact goes next run', async () => {
      const before = ping.pings.length;
      crm.enqueue({ status: 401, body: { error: 'bad token' } });
      // one new patient (a new chart number) so there is something to send
      const oneNew = exportPrintedLater(15).replace('IV0005', 'IV9905');
      dropFile(watch, 'cc-4.csv', oneNew);
      const failed = await waitForRun(red, 'cc-4.csv', seen, { allowFail: true });
      assert.equal(failed.ok, false, failed.text);
      await until(() => ping.pings.slice(before).some((p) => p.path === '/ping/office/fail'), 'the failure ping');
      dropFile(watch, 'cc-5.csv', exportPrintedLater(20).replace('IV0005', 'IV9905'));
      const run = await waitForRun(red, 'cc-5.csv', seen);
      assert.equal(run.delivery.delivered, 1, run.text);
      const delivered = crm.succeeded.filter((r) => r.path === '/hook');
      assert.equal(delivered.length, ELIGIBLE.length + 1);
      assert.equal((delivered.at(-1)!.json as any).firstName, 'Mila');
    });

    it('the ledger tab shows sends by segment and office, suppressions and a failed key, and clears it', async () => {
      const ask = async (button: string, out: string): Promise<any[]> => {
        const before = comms.debug.length;
        await red.api('POST', `/inject/${button}`);
        const m = await until(() => comms.debug.slice(before).some((d) => d.id === out), `${out}`).then(() => comms.debug.slice(before).find((d) => d.id === out)!);
        return JSON.parse(m.msg);
      };
      const bySegment = await ask('sends-by-segment-btn', 'sends-by-segment-out');
      assert.ok(bySegment.every((r) => r.office === 'SLC'), JSON.stringify(bySegment));
      assert.equal(bySegment.reduce((n, r) => n + r.sent, 0), ELIGIBLE.length + 1);
      assert.deepEqual(bySegment.map((r) => r.segment).sort(), ['due-now', 'due-soon', 'lapsed', 'overdue']);
      const suppressions = await ask('suppressions-btn', 'suppressions-out');
      assert.deepEqual(suppressions.map((r) => [r.channel, r.reason, r.entries]), [['email', 'opted-out', 1]]);
      assert.equal(JSON.stringify(suppressions).includes('ada.okafor'), false, 'the ledger holds no e-mail address');

      // a contact the CRM refuses for good (422) becomes a failed key; another is accepted in the
      // same run (a run whose every request is refused the same way is released as the run's fault)
      crm.failWhen((r) => (r.json as { firstName?: string } | undefined)?.firstName === 'Omar', { status: 422, body: { error: 'invalid contact' } });
      dropFile(watch, 'cc-6.csv', exportPrintedLater(25).replace('HA0009', 'HA9909').replace('TA0002', 'TA9902'));
      const run = await waitForRun(red, 'cc-6.csv', seen);
      assert.equal(run.delivery.failed, 1, run.text);
      const failed = await ask('failed-btn', 'failed-out');
      assert.equal(failed.length, 1);
      assert.match(failed[0].last_error, /422/);

      // clearing it (the key pasted as the inject's payload) lets the next run send it
      const before = comms.debug.length;
      await red.api('POST', '/inject/clear-btn', { __user_inject_props__: [{ p: 'payload', v: failed[0].key, vt: 'str' }] });
      await until(() => comms.debug.slice(before).some((d) => d.id === 'clear-out'), 'the cleared count');
      assert.deepEqual(JSON.parse(comms.debug.slice(before).find((d) => d.id === 'clear-out')!.msg), [{ cleared: 1 }]);
      assert.deepEqual(await ask('failed-btn', 'failed-out'), []);
      dropFile(watch, 'cc-7.csv', exportPrintedLater(30).replace('HA0009', 'HA9909').replace('TA0002', 'TA9902'));
      const again = await waitForRun(red, 'cc-7.csv', seen);
      assert.equal(again.delivery.delivered, 1, again.text);
      assert.equal((hooks().at(-1)!.json as any).firstName, 'Omar');
    });
  });

  describe('dry-run (RECALL_DRY_RUN=true) with a CRM configured', () => {
    let red: StartedRuntime;
    let crm: CrmServer;
    let watch: string;
    const seen = new Set<string>();
    before(async () => {
      crm = await CrmServer.start();
      watch = tmp('recall-e2e-dry-watch-');
      red = await startRuntime({
        env: officeEnv({ office: 'SLC', watch, ledgerDb: path.join(tmp('recall-e2e-dry-ledger-'), 'ledger.sqlite'), ledgerSecret: E2E_SECRET, dryRun: true, crm: crm.url }),
      });
    });
    after(async () => {
      if (red) await red.stop();
      await crm?.close();
    });

    it('sends nothing at all, twice, while showing what would be sent', async () => {
      dropFile(watch, 'cc-1.csv', exportPrintedLater(0));
      const first = await waitForRun(red, 'cc-1.csv', seen);
      dropFile(watch, 'cc-2.csv', exportPrintedLater(5));
      const second = await waitForRun(red, 'cc-2.csv', seen);
      for (const run of [first, second]) {
        assert.equal(run.dryRun, true);
        assert.equal(run.delivery['dry-run'], ELIGIBLE.length, run.text);
        assert.equal(run.delivery.delivered, 0);
      }
      assert.equal(crm.requests.length, 0, 'the CRM received nothing');
    });
  });
});
