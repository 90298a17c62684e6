// Every segment edge (docs/recall-rules.md), the day before, on and after, for ordinary dates,
// month ends and leap days. Expected edges are written out by hand, not computed.
import { strict as assert } from 'node:assert';
import { addDays } from '../../../nodes/lib/calendar/days';
import { parseWindows, segmentEdges, segmentOf } from '../../../nodes/lib/normalize/segments';

const DEFAULTS = parseWindows({});

interface EdgeCase {
  asOf: string;
  /** asOf + 30 days: last due-soon day */
  soonEnd: string;
  /** asOf - 30 days: first due-now day */
  nowStart: string;
  /** asOf - 18 months (clamped): first overdue day */
  lapseStart: string;
}

const EDGES: EdgeCase[] = [
  { asOf: '2025-06-15', soonEnd: '2025-07-15', nowStart: '2025-05-16', lapseStart: '2023-12-15' },
  // month end into a leap February, 18 months back
  { asOf: '2025-08-31', soonEnd: '2025-09-30', nowStart: '2025-08-01', lapseStart: '2024-02-29' },
  // month end into a common February
  { asOf: '2024-08-31', soonEnd: '2024-09-30', nowStart: '2024-08-01', lapseStart: '2023-02-28' },
  // on a leap day
  { asOf: '2024-02-29', soonEnd: '2024-03-30', nowStart: '2024-01-30', lapseStart: '2022-08-29' },
  // 30 days back across a common February
  { asOf: '2025-03-01', soonEnd: '2025-03-31', nowStart: '2025-01-30', lapseStart: '2023-09-01' },
  // 30 days back across a leap February
  { asOf: '2024-03-01', soonEnd: '2024-03-31', nowStart: '2024-01-31', lapseStart: '2022-09-01' },
  // year end
  { asOf: '2025-12-31', soonEnd: '2026-01-30', nowStart: '2025-12-01', lapseStart: '2024-06-30' },
];

describe('normalize/segments: every edge, both sides', () => {
  for (const e of EDGES) {
    describe(`asOf ${e.asOf}`, () => {
      const edges = segmentEdges(e.asOf, DEFAULTS);
      it('computes the edges', () => {
        assert.deepEqual(edges, e);
      });
      const table: [string, string | undefined][] = [
        [addDays(e.soonEnd, 1), undefined], // due-soon upper edge
        [e.soonEnd, 'due-soon'],
        [addDays(e.soonEnd, -1), 'due-soon'],
        [addDays(e.asOf, 1), 'due-soon'], // asOf < due
        [e.asOf, 'due-now'], // due <= asOf
        [addDays(e.asOf, -1), 'due-now'],
        [addDays(e.nowStart, 1), 'due-now'],
        [e.nowStart, 'due-now'], // asOf - 30 <= due
        [addDays(e.nowStart, -1), 'overdue'], // due < asOf - 30
        [addDays(e.lapseStart, 1), 'overdue'],
        [e.lapseStart, 'overdue'], // asOf - 18 months <= due
        [addDays(e.lapseStart, -1), 'lapsed'], // due < asOf - 18 months
      ];
      for (const [due, seg] of table) {
        it(`due ${due} -> ${seg ?? 'not-due'}`, () => assert.equal(segmentOf(edges, due, undefined), seg));
      }
      it('a due date decides even when the last visit is old', () => {
        assert.equal(segmentOf(edges, addDays(e.soonEnd, 1), '2000-01-01'), undefined);
        assert.equal(segmentOf(edges, e.asOf, '2000-01-01'), 'due-now');
      });
      it(`no due date: last visit ${addDays(e.lapseStart, -1)} -> lapsed, ${e.lapseStart} and ${addDays(e.lapseStart, 1)} -> not-due`, () => {
        assert.equal(segmentOf(edges, undefined, addDays(e.lapseStart, -1)), 'lapsed');
        assert.equal(segmentOf(edges, undefined, e.lapseStart), undefined);
        assert.equal(segmentOf(edges, undefined, addDays(e.lapseStart, 1)), undefined);
      });
      it('no due date and no last visit -> not-due', () => assert.equal(segmentOf(edges, undefined, undefined), undefined));
    });
  }

  describe('configured windows', () => {
    it('due-soon of 1 month from Jan 31 ends on Feb 28', () => {
      const w = parseWindows({ dueSoon: '1 month', dueNow: '14 days', lapsed: '24 months' });
      const edges = segmentEdges('2025-01-31', w);
      assert.deepEqual(edges, { asOf: '2025-01-31', soonEnd: '2025-02-28', nowStart: '2025-01-17', lapseStart: '2023-01-31' });
      assert.equal(segmentOf(edges, '2025-02-28', undefined), 'due-soon');
      assert.equal(segmentOf(edges, '2025-03-01', undefined), undefined);
      assert.equal(segmentOf(edges, '2025-01-17', undefined), 'due-now');
      assert.equal(segmentOf(edges, '2025-01-16', undefined), 'overdue');
      assert.equal(segmentOf(edges, '2023-01-31', undefined), 'overdue');
      assert.equal(segmentOf(edges, '2023-01-30', undefined), 'lapsed');
    });
    it('a lapsed window not longer than due-now is refused, naming the settings', () => {
      assert.throws(() => segmentEdges('2025-06-15', parseWindows({ dueNow: '90 days', lapsed: '2 months' })), /lapsed after.*due-now/);
      assert.throws(() => segmentEdges('2025-06-15', parseWindows({ dueNow: '30 days', lapsed: '30 days' })), /lapsed after/);
    });
    it('empty settings take the default windows', () => {
      assert.deepEqual(parseWindows({ dueSoon: '', dueNow: ' ', lapsed: undefined }), DEFAULTS);
      assert.deepEqual(DEFAULTS, { dueSoon: { amount: 30, unit: 'days' }, dueNow: { amount: 30, unit: 'days' }, lapsed: { amount: 18, unit: 'months' } });
    });
  });
});
