import { strict as assert } from 'node:assert';
import { foldRun } from '../../../nodes/lib/consent/household';
import type { RecallContact } from '../../../nodes/lib/types';

function row(patientId: string, over: Partial<RecallContact> = {}): RecallContact {
  return {
    office: 'SLC', patientId, firstName: `F${patientId}`, lastName: 'Garcia', phone: `+1801555${patientId.padStart(4, '0').slice(-4)}`, phoneType: 'mobile',
    hasFutureAppointment: false, status: 'active', channels: { sms: true, email: false, voice: false }, segment: 'due-now', source: 'odbc',
    dueDate: '2026-03-01', recallType: 'PROPHY', ...over,
  };
}
const kept = (f: ReturnType<typeof foldRun>) => f.filter((x) => !x.reason).map((x) => `${x.contact.patientId}:${x.contact.recallType}`);

describe('consent/household: one message per patient and per household', () => {
  it('one patient: the most urgent row is kept (due-now, overdue, due-soon, lapsed), then the earliest due date', () => {
    const f = foldRun([
      row('1', { recallType: 'FMX', segment: 'lapsed', dueDate: '2021-02-01' }),
      row('1', { recallType: 'BWX', segment: 'due-soon', dueDate: '2026-03-20' }),
      row('1', { recallType: 'PERIO', segment: 'overdue', dueDate: '2025-06-01' }),
      row('1', { recallType: 'PROPHY', segment: 'overdue', dueDate: '2025-05-01' }),
    ]);
    assert.deepEqual(kept(f), ['1:PROPHY']);
    assert.deepEqual(f.map((x) => x.reason), ['duplicate-recall', 'duplicate-recall', 'duplicate-recall', undefined]);
    assert.ok(f.slice(0, 3).every((x) => x.carriedBy === 3));
    assert.deepEqual(f[3].contact.otherRecalls?.map((r) => `${r.recallType} ${r.segment} ${r.dueDate}`), ['PERIO overdue 2025-06-01', 'BWX due-soon 2026-03-20', 'FMX lapsed 2021-02-01']);
    const due = foldRun([row('1', { segment: 'due-soon', dueDate: '2026-03-20' }), row('1', { recallType: 'FMX', segment: 'due-now', dueDate: '2026-02-20' })]);
    assert.deepEqual(kept(due), ['1:FMX']);
  });

  it('a stale lapsed row never hides the same patient\'s current recall, even when it comes first', () => {
    const f = foldRun([row('1', { recallType: 'FMX', segment: 'lapsed', dueDate: '2021-02-01' }), row('1', { segment: 'due-soon', dueDate: '2026-03-20' })]);
    assert.deepEqual(kept(f), ['1:PROPHY']);
  });

  it('household: the oldest member carries the others, with their own other rows, as covered rows', () => {
    const f = foldRun([
      row('10', { householdId: 'G', birthDate: '2015-01-01', segment: 'due-soon', dueDate: '2026-03-10' }),
      row('10', { householdId: 'G', birthDate: '2015-01-01', recallType: 'FMX', segment: 'overdue', dueDate: '2025-01-10' }),
      row('11', { householdId: 'G', birthDate: '1950-01-01', segment: 'lapsed', dueDate: '2023-01-01' }),
    ]);
    assert.deepEqual(kept(f), ['11:PROPHY']);
    assert.deepEqual(f.map((x) => x.reason), ['duplicate-recall', 'duplicate-household', undefined]);
    // the kid's FMX row is the more urgent one, so it is the one listed first; both are carried by grandma
    assert.deepEqual(f[2].contact.household?.map((h) => `${h.firstName} ${h.recallType} ${h.segment}`), ['F10 FMX overdue', 'F10 PROPHY due-soon']);
    assert.equal(f[0].carriedBy, 2);
    assert.equal(f[1].carriedBy, 2);
  });

  it('rows the ledger holds back take no part: a member already contacted never hides another one', () => {
    const grandma = row('11', { householdId: 'G', birthDate: '1950-01-01', segment: 'lapsed', dueDate: '2023-01-01' });
    const kid = row('10', { householdId: 'G', birthDate: '2015-01-01', segment: 'due-now', dueDate: '2026-02-25' });
    const f = foldRun([grandma, kid], { held: (c) => c.patientId === '11' });
    assert.deepEqual(f.map((x) => x.reason), [undefined, undefined]);
    assert.equal(f[0].contact, grandma, 'a held row goes on unchanged (the gate holds it back)');
    assert.equal(f[1].contact.household, undefined);
    // one patient: an already sent row does not hide a new one either
    const p = foldRun([row('1', { segment: 'due-now' }), row('1', { recallType: 'FMX', segment: 'overdue', dueDate: '2025-01-01' })], { held: (c) => c.recallType === 'PROPHY' });
    assert.deepEqual(f.length, 2);
    assert.deepEqual(p.map((x) => x.reason), [undefined, undefined]);
  });

  it('a shared phone without householdId makes a household; two householdIds never merge', () => {
    const shared = foldRun([row('1', { phone: '+18015550100' }), row('2', { phone: '+18015550100' })]);
    assert.deepEqual(shared.map((x) => x.reason), [undefined, 'duplicate-household']);
    const two = foldRun([row('1', { phone: '+18015550100', householdId: 'A' }), row('2', { phone: '+18015550100', householdId: 'B' })]);
    assert.deepEqual(two.map((x) => x.reason), [undefined, undefined]);
  });

  it('rows that all have a householdId fold as they would with phone and e-mail links (500 random runs)', () => {
    // one extra row without a householdId (its own phone and e-mail, so it joins no one)
    // makes foldRun link every phone and e-mail; the other rows must come out the same
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const segments = ['due-now', 'overdue', 'due-soon', 'lapsed'] as const;
    for (let run = 0; run < 500; run++) {
      const rows = Array.from({ length: 2 + rand(30) }, () =>
        row(String(rand(12)), {
          office: rand(4) === 0 ? 'PVU' : 'SLC',
          householdId: `H${rand(6)}`,
          phone: `+1801555010${rand(4)}`,
          email: rand(3) === 0 ? undefined : `p${rand(4)}@example.com`,
          birthDate: rand(3) === 0 ? undefined : `19${50 + rand(40)}-01-01`,
          segment: segments[rand(4)],
          dueDate: `2026-0${1 + rand(9)}-01`,
          recallType: ['PROPHY', 'PERIO', 'BWX'][rand(3)],
        }),
      );
      const heldRows = new Set(rows.filter(() => rand(5) === 0));
      const opts = { held: (c: RecallContact) => heldRows.has(c) };
      const alone = row('999', { phone: '+18015559999', email: 'alone@example.com' });
      assert.deepEqual(foldRun(rows, opts), foldRun([...rows, alone], opts).slice(0, rows.length), `run ${run}`);
    }
  });
});
