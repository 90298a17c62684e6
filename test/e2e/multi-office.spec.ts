// One flow for every office: the same default flow started twice (two runtimes,
// two user dirs, OFFICE_CODE A and B, separate watch folders and ledgers) posting
// to one CRM test server, which sees both offices' records tagged apart.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrmServer } from '../support/crm-server';
import { dropFile, waitForRun } from '../support/flow-run';
import { ROOT } from '../support/paths';
import { officeEnv, startRuntime, type StartedRuntime } from '../support/runtime';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { demoExportCsv } = require(path.join(ROOT, 'flows', 'demo-export.js')) as { demoExportCsv(today?: Date): string };
const DEFAULT_FLOW = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'default-recall-flow.json'), 'utf8'));

interface Office { code: string; watch: string; red: StartedRuntime }

describe('a fleet of offices running the one default flow', function () {
  this.timeout(240_000);
  let crm: CrmServer;
  const offices: Office[] = [];

  before(async () => {
    crm = await CrmServer.start();
    for (const code of ['A', 'B']) {
      const base = fs.mkdtempSync(path.join(os.tmpdir(), `recall-office-${code}-`));
      const watch = path.join(base, 'inbox');
      fs.mkdirSync(watch);
      const red = await startRuntime({
        userDir: path.join(base, 'user'),
        env: officeEnv({ office: code, watch, ledgerDb: path.join(base, 'ledger.sqlite'), ledgerSecret: `ledger-secret-${code}`, dryRun: false, crm: crm.url }),
      });
      offices.push({ code, watch, red });
    }
  });
  after(async () => {
    for (const o of offices) await o.red.stop();
    await crm?.close();
  });

  it('both runtimes run the same flow, byte for byte, from examples/', async () => {
    for (const o of offices) {
      const { flows } = await o.red.api<{ flows: unknown[] }>('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
      assert.deepEqual(flows, DEFAULT_FLOW, `office ${o.code}`);
    }
  });

  it("the CRM receives both offices' contacts, each tagged with its own office", async () => {
    const csv = demoExportCsv(new Date());
    await Promise.all(
      offices.map(async (o) => {
        dropFile(o.watch, `cc-${o.code}.csv`, csv);
        const run = await waitForRun(o.red, `cc-${o.code}.csv`, new Set());
        assert.equal(run.office, o.code);
        assert.ok(run.delivery.delivered > 0, run.text);
      }),
    );
    const byOffice = new Map<string, any[]>();
    for (const r of crm.requests) {
      const body = r.json as any;
      byOffice.set(body.office, [...(byOffice.get(body.office) ?? []), body]);
    }
    assert.deepEqual([...byOffice.keys()].sort(), ['A', 'B']);
    for (const [code, bodies] of byOffice) {
      for (const b of bodies) {
        assert.ok(b.tags.includes(`office:${code}`), `office ${code} tagged office:${code}: ${b.tags}`);
        assert.ok(!b.tags.includes(`office:${code === 'A' ? 'B' : 'A'}`));
      }
    }
    // the same demo patients in both offices, but not the same CRM contacts
    const a = byOffice.get('A')!;
    const b = byOffice.get('B')!;
    assert.equal(a.length, b.length);
    assert.deepEqual(a.map((x) => x.firstName).sort(), b.map((x) => x.firstName).sort());
    const keysA = new Set(a.map((x) => x.contactKey));
    assert.ok(b.every((x) => !keysA.has(x.contactKey)), 'contactKey differs per office');
    const idem = crm.requests.map((r) => r.headers['idempotency-key']);
    assert.equal(new Set(idem).size, idem.length, 'no Idempotency-Key shared across offices');
  });
});
