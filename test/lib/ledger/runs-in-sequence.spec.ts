// Properties over random office histories: weeks of runs (consent -> reserve -> delivery ->
// commit, as the flow wires them) on a real ledger file, with visits moving due dates,
// appointments coming and going, patients going inactive, STOP replies and CRM outcomes
// that are not always "delivered". The segments and the expectations are worked out here,
// not with the pack's rules.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import fc from 'fast-check';
import { runConsent } from '../../../nodes/lib/consent/run';
import { commitResults, reserveContacts } from '../../../nodes/lib/ledger/gate';
import { openLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import type { DeliveryOutcome, RecallContact, Segment } from '../../../nodes/lib/types';
import { removeTempDirs, tempDir } from './tmp';

const DAY = 86_400_000;
const plus = (d: string, days: number) => new Date(Date.parse(`${d}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
function segment(due: string, asOf: string): Segment | undefined {
  if (due > plus(asOf, 30)) return undefined;
  if (due > asOf) return 'due-soon';
  if (due >= plus(asOf, -30)) return 'due-now';
  if (due >= plus(asOf, -540)) return 'overdue'; // due dates stay far from the 18-month edge
  return 'lapsed';
}

interface Pat { id: string; hh: number; ownHh: boolean; birth: string; rows: { type: string; due: string }[]; appt: boolean; active: boolean; email: boolean }
interface Week { moves: { p: number; row: number; days: number }[]; appts: number[]; inactive: number[]; stops: number[]; outcomes: DeliveryOutcome[] }

const START = '2026-03-02';
const PHONES = ['+18015550141', '+18015550142', '+18015550143', '+18015550144'];

const patArb = fc.record({
  hh: fc.integer({ min: 0, max: 3 }),
  ownHh: fc.boolean(),
  birth: fc.constantFrom('1950-01-01', '1975-06-06', '1990-02-02', '2012-09-09'),
  email: fc.boolean(),
  rows: fc.array(fc.record({ type: fc.constantFrom('PROPHY', 'FMX', 'BWX'), offset: fc.integer({ min: -800, max: 80 }) }), { minLength: 1, maxLength: 3 }),
});
const weekArb = (n: number) =>
  fc.record({
    moves: fc.array(fc.record({ p: fc.nat(n - 1), row: fc.nat(2), days: fc.integer({ min: 60, max: 200 }) }), { maxLength: 3 }),
    appts: fc.array(fc.nat(n - 1), { maxLength: 2 }),
    inactive: fc.array(fc.nat(n - 1), { maxLength: 1 }),
    stops: fc.array(fc.nat(3), { maxLength: 1 }),
    outcomes: fc.array(fc.constantFrom<DeliveryOutcome>('delivered', 'delivered', 'delivered', 'delivered', 'retry', 'failed'), { minLength: 12, maxLength: 12 }),
  });
const historyArb = fc.array(patArb, { minLength: 2, maxLength: 10 }).chain((pats) => fc.record({ pats: fc.constant(pats), weeks: fc.array(weekArb(pats.length), { minLength: 3, maxLength: 8 }) }));

const row0 = [{ type: 'PROPHY' as const, offset: 0 }];
const allDelivered = (): DeliveryOutcome[] => new Array(12).fill('delivered');
/**
 * A history this property found (seed -1365061130, shrunk): P1 and P2 share a phone, P2 is
 * booked in week 0 and P1's message there is retried. The ledger let a covered row follow a
 * carrier of another reservation, so in week 2 P2's row was held as sent, never reached.
 * Kept as a fixed first case: it fails on the ledger before that was fixed.
 */
const SHARED_PHONE_RETRY: typeof historyArb extends fc.Arbitrary<infer H> ? H : never = {
  pats: [
    { hh: 0, ownHh: false, birth: '1950-01-01', email: false, rows: row0 },
    { hh: 3, ownHh: false, birth: '1950-01-01', email: false, rows: row0 },
    { hh: 3, ownHh: false, birth: '1950-01-01', email: false, rows: row0 },
  ],
  weeks: [
    { moves: [], appts: [2], inactive: [], stops: [], outcomes: ['delivered', 'retry', ...allDelivered().slice(2)] },
    ...[1, 2, 3].map(() => ({ moves: [], appts: [], inactive: [], stops: [], outcomes: allDelivered() })),
  ],
};
/** RECALL_PROPERTY_SEED replays a reported failure (fast-check prints its seed). */
const SEED = process.env.RECALL_PROPERTY_SEED ? { seed: Number(process.env.RECALL_PROPERTY_SEED) } : {};

describe('runs in sequence: random office histories on a real ledger', function () {
  // ~40 histories x up to 8 runs, each run a few SQLite transactions with fsync
  this.timeout(180_000);
  after(removeTempDirs);

  it('nobody due is missed, nothing is sent twice, no phone or e-mail gets two messages in a run, nobody booked, no SMS after STOP; dry-run folds as live', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(historyArb, async ({ pats: gen, weeks }) => {
        const ledger = await openLedger({ file: path.join(tempDir(), `h${n++}.db`), secret: 'history-secret' });
        try {
          const pats: Pat[] = gen.map((g, i) => ({
            id: `P${i}`, hh: g.hh, ownHh: g.ownHh, birth: g.birth, appt: false, active: true, email: g.email,
            // one row per recall type
            rows: [...new Map(g.rows.map((r) => [r.type, { type: r.type, due: plus(START, r.offset) }])).values()],
          }));
          const stopped = new Set<string>();
          const reached = new Set<string>(); // delivered (patient segment due)
          const failedTriples = new Set<string>();
          for (let w = 0; w < weeks.length; w++) {
            const asOf = plus(START, 7 * w);
            const ev: Week = weeks[w];
            const contacts: RecallContact[] = [];
            for (const p of pats) {
              for (const r of p.rows) {
                const seg = segment(r.due, asOf);
                if (!seg) continue;
                contacts.push({
                  office: 'H', patientId: p.id, firstName: `F${p.id}`, lastName: 'L', householdId: p.ownHh ? `G${p.hh}` : undefined, birthDate: p.birth,
                  phone: PHONES[p.hh], phoneType: 'mobile', email: p.email ? `h${p.hh}@example.com` : undefined, recallType: r.type, dueDate: r.due, segment: seg,
                  hasFutureAppointment: p.appt, status: p.active ? 'active' : 'inactive', channels: { sms: true, email: p.email, voice: true }, source: 'odbc',
                });
              }
            }
            const suppress = [...stopped].map((value) => ({ channel: 'sms', value, reason: 'opted-out' }));
            const consent = (input: RecallContact[]) => runConsent({ contacts: input, suppress, ledger, region: 'US', pullUrl: '', pullTimeoutMs: 1000, continueOnPullFailure: false, warn: () => undefined });
            const dryConsent = await consent(contacts);
            const dry = await reserveContacts(ledger, dryConsent.contactable, { leaseMs: 60_000, dryRun: true });
            const c = await consent(contacts);
            const r = await reserveContacts(ledger, c.contactable, { leaseMs: 60_000, dryRun: false, runId: `w${w}` });
            const view = (x: typeof r, s: typeof c) => JSON.stringify([x.pass.map((p) => [p.key, p.household?.map((h) => h.key), p.otherRecalls?.map((o) => o.key)]), s.suppressed.map((k) => [k.patientId, k.reason])]);
            assert.equal(view(dry, dryConsent), view(r, c), `week ${w}: the dry-run folds as the live run`);

            // one message per phone and per e-mail in a run; nobody booked or inactive; no SMS after STOP
            const phones = r.pass.map((p) => p.phone).filter(Boolean);
            const emails = r.pass.filter((p) => p.channels.email).map((p) => p.email);
            assert.equal(new Set(phones).size, phones.length, `week ${w}: two messages to one phone`);
            assert.equal(new Set(emails).size, emails.length, `week ${w}: two messages to one e-mail`);
            const results = r.pass.map((p, i) => ({ key: p.key!, patientId: p.patientId, outcome: ev.outcomes[i % ev.outcomes.length], attempts: 1 }));
            r.pass.forEach((p, i) => {
              const ids = [p.patientId, ...(p.household ?? []).map((h) => h.patientId)];
              for (const id of ids) {
                const pat = pats.find((x) => x.id === id)!;
                assert.ok(!pat.appt && pat.active, `week ${w}: ${id} reached while booked or inactive`);
              }
              if (p.channels.sms) assert.ok(!stopped.has(p.phone!), `week ${w}: SMS to a phone that replied STOP`);
              const triples = [[p.patientId, p.segment, p.dueDate], ...(p.otherRecalls ?? []).map((o) => [o.patientId, o.segment, o.dueDate]), ...(p.household ?? []).map((h) => [h.patientId, h.segment, h.dueDate])].map((t) => t.join(' '));
              if (results[i].outcome === 'delivered') {
                for (const t of new Set(triples)) {
                  assert.ok(!reached.has(t), `week ${w}: ${t} sent again`);
                  reached.add(t);
                }
              } else if (results[i].outcome === 'failed') failedTriples.add(triples[0]);
            });
            await commitResults(async () => ledger, results, { dryRun: false, runId: `w${w}` });

            // every due row of a reachable patient is reached by now, unless its message was not delivered
            const undelivered = new Set(
              r.pass.flatMap((p, i) => (results[i].outcome === 'delivered' ? [] : [[p.patientId, p.segment, p.dueDate], ...(p.otherRecalls ?? []).map((o) => [o.patientId, o.segment, o.dueDate]), ...(p.household ?? []).map((h) => [h.patientId, h.segment, h.dueDate])].map((t) => t.join(' ')))),
            );
            for (const k of contacts) {
              if (k.hasFutureAppointment || k.status !== 'active') continue;
              const t = `${k.patientId} ${k.segment} ${k.dueDate}`;
              assert.ok(reached.has(t) || undelivered.has(t) || failedTriples.has(t), `week ${w} (${asOf}): ${t} was due and not reached`);
            }

            // the office between runs: visits move due dates, bookings, inactivity, STOP replies
            for (const m of ev.moves) {
              const row = pats[m.p].rows[m.row % pats[m.p].rows.length];
              row.due = plus(asOf, m.days);
            }
            for (const p of pats) p.appt = false;
            for (const i of ev.appts) pats[i].appt = true;
            for (const i of ev.inactive) pats[i].active = !pats[i].active;
            for (const h of ev.stops) stopped.add(PHONES[h]);
          }
        } finally {
          await ledger.close();
        }
      }),
      { numRuns: 50, examples: [[SHARED_PHONE_RETRY]], ...SEED },
    );
  });
});
