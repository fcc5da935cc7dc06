/**
 * The supervision plan, stated once: how often each risk class is supervised at a port, the port's working
 * calendar, and the planner — a pure function that spreads the routine remote supervisions due over the
 * port's officers, inside working hours in the port's time zone, never two at once for an officer and never
 * more a day than an officer takes. Imports nothing but zod and the local-time helpers.
 */
import { z } from 'zod';
import { addDays, daysBetween, isCalendarDay, zonedInstant } from './local-time.ts';

export const RISK_CLASSES = ['A', 'B', 'C', 'D'] as const;
export type RiskClass = (typeof RISK_CLASSES)[number];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const frequencyInput = z
  .object({
    remoteEveryDays: z.int().min(1).max(365),
    dailyFormReview: z.boolean(),
    onSiteEveryMonths: z.int().min(1).max(60),
    liveLoadingPercent: z.int().min(0).max(100),
  })
  .strict();
export type Frequency = z.infer<typeof frequencyInput>;

/** Until an administrator sets them: the higher the class, the closer the watch (A lowest risk). */
export const DEFAULT_FREQUENCIES: Record<RiskClass, Frequency> = {
  A: { remoteEveryDays: 30, dailyFormReview: false, onSiteEveryMonths: 12, liveLoadingPercent: 10 },
  B: { remoteEveryDays: 14, dailyFormReview: false, onSiteEveryMonths: 6, liveLoadingPercent: 25 },
  C: { remoteEveryDays: 7, dailyFormReview: true, onSiteEveryMonths: 3, liveLoadingPercent: 50 },
  D: { remoteEveryDays: 3, dailyFormReview: true, onSiteEveryMonths: 1, liveLoadingPercent: 100 },
};

export const calendarInput = z
  .object({
    workingDays: z.array(z.int().min(1).max(7)).min(1).max(7),
    dayStart: hhmm,
    dayEnd: hhmm,
    slotMinutes: z.int().min(15).max(480),
    perOfficerDay: z.int().min(1).max(20),
    holidays: z.array(z.string().refine(isCalendarDay, 'YYYY-MM-DD')).max(200),
  })
  .strict()
  .refine((c) => c.dayStart < c.dayEnd, { message: 'the working day ends after it starts', path: ['dayEnd'] });
export type PortCalendar = z.infer<typeof calendarInput>;

export const DEFAULT_CALENDAR: PortCalendar = { workingDays: [1, 2, 3, 4, 5], dayStart: '09:00', dayEnd: '17:30', slotMinutes: 60, perOfficerDay: 3, holidays: [] };

export const planSettingsInput = z
  .object({ frequencies: z.object({ A: frequencyInput, B: frequencyInput, C: frequencyInput, D: frequencyInput }).strict(), calendar: calendarInput })
  .strict()
  .meta({ id: 'PlanSettings' });
export type PlanSettings = z.infer<typeof planSettingsInput>;

export interface PlanEnterprise {
  id: string;
  name: string;
  riskClass: RiskClass;
  /** The last day it was supervised remotely (a completed routine supervision), or null: never. */
  lastSupervised: string | null;
}

export interface PlannedVisit {
  enterpriseId: string;
  enterpriseName: string;
  riskClass: RiskClass;
  /** When it falls due; `day` is when it is planned (the due day or the next working day with room). */
  dueDay: string;
  day: string;
  slotStart: string;
  slotEnd: string;
  officerId: string;
}

const weekday = (day: string) => {
  const d = new Date(`${day}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
};
const minutesOf = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/**
 * Routine remote supervisions from `from` to `to` (days at the port): each enterprise is due every
 * `remoteEveryDays` after it was last supervised (never supervised, or overdue: from today), the most at-risk
 * first; each is put on its due day or the next working day with room, at the first slot an officer is free
 * (not busy with a booking, not already planned, under the day's limit), the least loaded officer first.
 * What finds no room by `to` is listed as unplaced.
 */
export function planRoutineSupervision(input: {
  zone: string;
  today: string;
  from: string;
  to: string;
  calendar: PortCalendar;
  frequencies: Record<RiskClass, Frequency>;
  officers: Array<{ id: string; busy: Array<{ start: Date; end: Date }> }>;
  enterprises: PlanEnterprise[];
  /** Slots starting before this are past: not planned. */
  now?: Date;
}): { visits: PlannedVisit[]; unplaced: Array<{ enterpriseId: string; enterpriseName: string; riskClass: RiskClass; dueDay: string }> } {
  const { calendar, zone } = input;
  const holidays = new Set(calendar.holidays);
  const working = (day: string) => calendar.workingDays.includes(weekday(day)) && !holidays.has(day);
  const start = daysBetween(input.today, input.from) > 0 ? input.from : input.today;
  const due: Array<{ e: PlanEnterprise; dueDay: string }> = [];
  for (const e of input.enterprises) {
    const every = input.frequencies[e.riskClass].remoteEveryDays;
    let next = e.lastSupervised ? addDays(e.lastSupervised, every) : start;
    if (daysBetween(next, start) > 0) next = start;
    for (; daysBetween(next, input.to) >= 0; next = addDays(next, every)) due.push({ e, dueDay: next });
  }
  // The earliest due first; on one day, the highest risk class first.
  due.sort((a, b) => a.dueDay.localeCompare(b.dueDay) || b.e.riskClass.localeCompare(a.e.riskClass) || a.e.name.localeCompare(b.e.name));

  const taken = new Map<string, Array<{ start: number; end: number }>>(input.officers.map((o) => [o.id, o.busy.map((b) => ({ start: b.start.getTime(), end: b.end.getTime() }))]));
  const perDay = new Map<string, number>();
  const visits: PlannedVisit[] = [];
  const unplaced: Array<{ enterpriseId: string; enterpriseName: string; riskClass: RiskClass; dueDay: string }> = [];
  const slots: string[] = [];
  for (let m = minutesOf(calendar.dayStart); m + calendar.slotMinutes <= minutesOf(calendar.dayEnd); m += calendar.slotMinutes) slots.push(clock(m));

  for (const { e, dueDay } of due) {
    let placed = false;
    for (let day = dueDay; !placed && daysBetween(day, input.to) >= 0; day = addDays(day, 1)) {
      if (!working(day)) continue;
      for (const slot of slots) {
        const slotStart = zonedInstant(day, slot, zone).getTime();
        const slotEnd = slotStart + calendar.slotMinutes * 60_000;
        if (input.now && slotStart < input.now.getTime()) continue;
        const free = input.officers
          .filter((o) => (perDay.get(`${o.id}/${day}`) ?? 0) < calendar.perOfficerDay)
          .filter((o) => !taken.get(o.id)!.some((b) => b.start < slotEnd && slotStart < b.end))
          .sort((a, b) => (perDay.get(`${a.id}/${day}`) ?? 0) - (perDay.get(`${b.id}/${day}`) ?? 0) || a.id.localeCompare(b.id));
        const officer = free[0];
        if (!officer) continue;
        taken.get(officer.id)!.push({ start: slotStart, end: slotEnd });
        perDay.set(`${officer.id}/${day}`, (perDay.get(`${officer.id}/${day}`) ?? 0) + 1);
        visits.push({
          enterpriseId: e.id,
          enterpriseName: e.name,
          riskClass: e.riskClass,
          dueDay,
          day,
          slotStart: new Date(slotStart).toISOString(),
          slotEnd: new Date(slotEnd).toISOString(),
          officerId: officer.id,
        });
        placed = true;
        break;
      }
    }
    if (!placed) unplaced.push({ enterpriseId: e.id, enterpriseName: e.name, riskClass: e.riskClass, dueDay });
  }
  return { visits, unplaced };
}
