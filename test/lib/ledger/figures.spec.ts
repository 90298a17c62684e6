import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OutcomeRow } from '../../../nodes/lib/ledger/api';
import { daysBefore, median, outcomeFigures, windowStart } from '../../../nodes/lib/ledger/figures';
import { ledgerFigures, observeRecords, reserveContacts } from '../../../nodes/lib/ledger/gate';
import { openLedger, type SqliteLedger } from '../../../nodes/lib/ledger/sqlite-ledger';
import type { DeliveryResult, OutcomeFigure, Segment } from '../../../nodes/lib/types';
import { ROOT } from '../../support/paths';
import { contact } from './contacts';
import { query } from './inspect';
import { removeTempDirs, tempDir } from './tmp';

const row = (contactedOn: string, bookedOn: string | null = null, over: Partial<OutcomeRow> = {}): OutcomeRow => ({
  office: 'NORTH',
  segment: 'due-now',
  contactedOn,
  bookedOn,
  optedOutAfter: false,
  bouncedAfter: false,
  ...over,
});
const pick = (figures: OutcomeFigure[], days: number, segment = 'due-now', office = 'NORTH') =>
  figures.find((f) => f.days === days && f.segment === segment && f.office === office);

describe('bookings-after-contact figures', () => {
  describe('outcomeFigures (pure)', () => {
    it('counts contacts in each window up to asOf, bookings within 30 days, conversion and the median wait', () => {
      const rows = [
        row('2026-11-30', '2026-12-03'), // 3 days
        row('2026-11-20', '2026-12-01'), // 11 days
        row('2026-11-10'), // not booked
        row('2026-10-01', '2026-11-05'), // 35 days: booked, but not within 30
        row('2026-09-05', '2026-09-06'), // 87 days ago: in the 90-day window only
        row('2026-09-02', '2026-09-03'), // 90 days ago: in neither
        row('2026-12-02'), // after asOf: not yet
      ];
      const { asOf, figures } = outcomeFigures(rows, '2026-12-01');
      assert.equal(asOf, '2026-12-01');
      // 30 days: 11-30 (booked 12-03, after asOf: not yet), 11-20 (11 days), 11-10
      assert.deepEqual(pick(figures, 30), { office: 'NORTH', segment: 'due-now', days: 30, contacted: 3, bookedWithin30: 1, conversionPct: 33.3, medianDaysToBooking: 11, optedOutAfterContact: 0, bounced: 0 });
      const ninety = pick(figures, 90)!;
      assert.deepEqual([ninety.contacted, ninety.bookedWithin30, ninety.conversionPct, ninety.medianDaysToBooking], [5, 2, 40, 11]);
      assert.deepEqual(pick(figures, 90, 'all'), { ...ninety, segment: 'all' });
    });

    it('per office and segment, with opt-outs and bounces after contact; the "all" row sums the segments', () => {
      const rows = [
        row('2026-11-25', '2026-11-27', { segment: 'overdue', optedOutAfter: true }),
        row('2026-11-25', null, { segment: 'overdue', bouncedAfter: true }),
        row('2026-11-25', '2026-11-29', { segment: 'lapsed' }),
        row('2026-11-26', '2026-11-30', { office: 'SOUTH', segment: 'lapsed' }),
      ];
      const { figures } = outcomeFigures(rows, '2026-12-01');
      assert.deepEqual(
        figures.filter((f) => f.days === 30).map((f) => [f.office, f.segment, f.contacted, f.bookedWithin30, f.optedOutAfterContact, f.bounced, f.medianDaysToBooking]),
        [
          ['NORTH', 'overdue', 2, 1, 1, 1, 2],
          ['NORTH', 'lapsed', 1, 1, 0, 0, 4],
          ['NORTH', 'all', 3, 2, 1, 1, 3],
          ['SOUTH', 'lapsed', 1, 1, 0, 0, 4],
          ['SOUTH', 'all', 1, 1, 0, 0, 4],
        ],
      );
    });

    it('no contacts: no figures; median of an even count is the mean of the middle two; window dates', () => {
      assert.deepEqual(outcomeFigures([], '2026-12-01').figures, []);
      assert.equal(median([4, 1, 3, 10]), 3.5);
      assert.equal(median([]), null);
      assert.equal(daysBefore('2026-03-01', 1), '2026-02-28');
      assert.equal(windowStart('2026-12-01'), '2026-09-03');
    });
  });

  describe('from a real ledger, and the ledger tab\'s query', () => {
    let l: SqliteLedger | undefined;
    afterEach(async () => {
      await l?.close();
      l = undefined;
      removeTempDirs();
    });

    it('the ledger tab query gives the same figures as the run summary for a season of contacts', async () => {
      const file = path.join(tempDir(), 'ledger.db');
      l = await openLedger({ file, secret: 'figures-spec' });
      const segments: Segment[] = ['due-now', 'overdue', 'due-soon', 'lapsed'];
      const asOf = '2026-12-01';
      // 60 patients contacted over 120 days; booking delays 0..44 days (some never); a few opt-outs and bounces
      for (let i = 0; i < 60; i++) {
        const c = contact(i, { office: i % 3 ? 'NORTH' : 'SOUTH', segment: segments[i % 4], dueDate: daysBefore(asOf, 120 - 2 * i) });
        const on = daysBefore(asOf, 120 - 2 * i);
        const r = await reserveContacts(l, [c], { leaseMs: 60_000, dryRun: false, asOf: on });
        await l.commit([{ key: r.pass[0].key!, patientId: c.patientId, outcome: 'delivered', attempts: 1 } as DeliveryResult]);
        const wait = (i * 7) % 45;
        if (i % 5 !== 0) await observeRecords(l, [{ ...c, hasFutureAppointment: true }], { asOf: daysBefore(on, -wait), dryRun: false });
        if (i % 11 === 0) await l.addSuppressions([{ channel: 'sms', value: c.phone!, reason: 'opted-out' }], 'test');
        if (i % 13 === 0) await l.addSuppressions([{ channel: 'email', value: c.email!, reason: 'bounced-email' }], 'test');
      }
      const mine = (await ledgerFigures(l, asOf))!;
      assert.ok(mine.figures.length >= 10);
      assert.ok(mine.figures.some((f) => f.optedOutAfterContact > 0) && mine.figures.some((f) => f.bounced > 0));
      assert.ok(mine.figures.some((f) => f.bookedWithin30 > 0 && f.bookedWithin30 < f.contacted));

      const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'default-recall-flow.json'), 'utf8')) as { id: string; sql?: string }[];
      const sql = flow.find((n) => n.id === 'outcomes-sql')!.sql!;
      const tab = await query<Record<string, number | string | null>>(file, sql, { $asOf: asOf } as never);
      const asFigures = tab.map((r) => ({
        office: r.office,
        segment: r.segment,
        days: r.days,
        contacted: r.contacted,
        bookedWithin30: r.booked_within_30,
        conversionPct: r.conversion_pct,
        medianDaysToBooking: r.median_days_to_booking,
        optedOutAfterContact: r.opted_out_after_contact,
        bounced: r.bounced,
      }));
      const key = (f: { days: unknown; office: unknown; segment: unknown }) => `${f.days}|${f.office}|${f.segment}`;
      const sorted = <T extends { days: unknown; office: unknown; segment: unknown }>(list: T[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
      assert.deepEqual(sorted(asFigures), sorted(mine.figures));
    });
  });
});
