import { describe, expect, it } from 'vitest';
import { DEFAULT_CALENDAR, DEFAULT_FREQUENCIES, planRoutineSupervision, type PlanEnterprise } from './supervision-plan.ts';
import { zonedInstant } from './local-time.ts';

const local = (iso: string, zone: string) => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  );
  return { weekday: parts.weekday!, time: `${parts.hour}:${parts.minute}` };
};

const enterprises = (n: number, riskClass: PlanEnterprise['riskClass']): PlanEnterprise[] =>
  Array.from({ length: n }, (_, i) => ({ id: `e${i}`, name: `Enterprise ${i}`, riskClass, lastSupervised: null }));

describe('the supervision plan', () => {
  // Monday 7 December 2026 to Sunday 3 January 2027.
  const base = { zone: 'Asia/Shanghai', today: '2026-12-07', from: '2026-12-07', to: '2027-01-03', calendar: { ...DEFAULT_CALENDAR, holidays: ['2027-01-01'] }, frequencies: DEFAULT_FREQUENCIES };

  it('never books an officer twice at once, nor over a booking, nor past the day limit', () => {
    const busy = [{ start: zonedInstant('2026-12-07', '09:00', 'Asia/Shanghai'), end: zonedInstant('2026-12-07', '12:00', 'Asia/Shanghai') }];
    // To Monday 4 January: what falls due on the last Sunday moves to it.
    const { visits, unplaced } = planRoutineSupervision({
      ...base,
      to: '2027-01-04',
      officers: [
        { id: 'o1', busy },
        { id: 'o2', busy: [] },
      ],
      enterprises: enterprises(6, 'D'),
    });
    expect(visits.length).toBeGreaterThan(40);
    expect(unplaced).toEqual([]);
    const byOfficer = new Map<string, Array<[number, number]>>();
    for (const v of visits) byOfficer.set(v.officerId, [...(byOfficer.get(v.officerId) ?? []), [Date.parse(v.slotStart), Date.parse(v.slotEnd)]]);
    for (const [officer, spans] of byOfficer) {
      const all = officer === 'o1' ? [...spans, [busy[0]!.start.getTime(), busy[0]!.end.getTime()] as [number, number]] : spans;
      all.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < all.length; i++) expect(all[i]![0], `${officer} overlaps`).toBeGreaterThanOrEqual(all[i - 1]![1]);
      const perDay = new Map<string, number>();
      for (const v of visits.filter((x) => x.officerId === officer)) perDay.set(v.day, (perDay.get(v.day) ?? 0) + 1);
      expect(Math.max(...perDay.values())).toBeLessThanOrEqual(DEFAULT_CALENDAR.perOfficerDay);
    }
  });

  it('keeps to working days and hours in the port time zone, and skips holidays', () => {
    for (const zone of ['Asia/Shanghai', 'Europe/Moscow']) {
      const { visits } = planRoutineSupervision({ ...base, zone, officers: [{ id: 'o1', busy: [] }], enterprises: enterprises(4, 'C') });
      expect(visits.length).toBeGreaterThan(10);
      for (const v of visits) {
        const start = local(v.slotStart, zone);
        const end = local(v.slotEnd, zone);
        expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(start.weekday);
        expect(start.time >= '09:00' && end.time <= '17:30', `${v.slotStart} in ${zone}`).toBe(true);
        expect(v.day).not.toBe('2027-01-01');
      }
      // The same local 09:00 is another instant in each zone.
      expect(visits[0]!.slotStart).toBe(zonedInstant('2026-12-07', '09:00', zone).toISOString());
    }
  });

  it('follows the risk class: a higher class is supervised more often', () => {
    const one = (riskClass: PlanEnterprise['riskClass']) =>
      planRoutineSupervision({ ...base, officers: [{ id: 'o1', busy: [] }], enterprises: [{ id: 'farm', name: 'Farm', riskClass, lastSupervised: '2026-12-01' }] }).visits;
    expect(one('A')).toHaveLength(1); // due 31 December
    expect(one('A')[0]!.dueDay).toBe('2026-12-31');
    expect(one('B')).toHaveLength(2); // 15 and 29 December
    expect(one('D').length).toBeGreaterThanOrEqual(9);
  });

  it('plans no slot that has already begun', () => {
    const now = zonedInstant('2026-12-07', '14:10', 'Asia/Shanghai');
    const { visits } = planRoutineSupervision({ ...base, now, officers: [{ id: 'o1', busy: [] }], enterprises: enterprises(1, 'D') });
    expect(visits[0]!.slotStart).toBe(zonedInstant('2026-12-07', '15:00', 'Asia/Shanghai').toISOString());
  });

  it('lists what finds no room', () => {
    const { visits, unplaced } = planRoutineSupervision({
      ...base,
      to: '2026-12-07',
      calendar: { ...DEFAULT_CALENDAR, perOfficerDay: 2 },
      officers: [{ id: 'o1', busy: [] }],
      enterprises: enterprises(3, 'D'),
    });
    expect(visits).toHaveLength(2);
    expect(unplaced).toEqual([expect.objectContaining({ dueDay: '2026-12-07', riskClass: 'D' })]);
  });
});
