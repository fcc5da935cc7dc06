/**
 * A camera's supervision schedule, stated once: weekly windows in the local time of the farm's port (a
 * farm's working hours are its own clock's, not UTC's). Outside every window the camera is not supervised
 * (not ingested, analysed, recorded or watched for being offline); no schedule means always.
 *   days: ISO weekdays, 1 = Monday … 7 = Sunday; from/to: "HH:MM". A window whose end is not after its
 *   start runs past midnight: Friday 22:00-06:00 ends on Saturday morning.
 */
import { z } from 'zod';

/** Ports without a time zone of their own, and sites without a port, keep this one. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';
export const MAX_SCHEDULE_WINDOWS = 14;

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time of day as HH:MM (00:00-23:59)');
export const scheduleWindow = z
  .object({ days: z.array(z.number().int().min(1).max(7)).min(1).max(7), from: clock, to: clock })
  .refine((w) => w.from !== w.to, 'A window needs a start and a different end')
  .meta({ id: 'ScheduleWindow' });
export const cameraSchedule = z.object({ windows: z.array(scheduleWindow).min(1).max(MAX_SCHEDULE_WINDOWS) }).meta({ id: 'CameraSchedule' });
export type CameraSchedule = z.infer<typeof cameraSchedule>;

/** An IANA time zone name this runtime knows ("Asia/Shanghai", "Europe/Moscow", "UTC"). */
export const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((zone) => isTimeZone(zone), 'An IANA time zone, e.g. Asia/Shanghai');

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const MINUTES_A_DAY = 1440;
const MINUTES_A_WEEK = 7 * MINUTES_A_DAY;
const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
/** Formatters by zone (building one costs far more than using it); bounded by the zones in use. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Where an instant falls in the zone's week: minutes since Monday 00:00 local time. */
function minuteOfWeek(at: Date, zone: string): number {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    if (formatters.size < 500) formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return (WEEKDAY[parts.weekday!]! - 1) * MINUTES_A_DAY + Number(parts.hour) * 60 + Number(parts.minute);
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Each window of each day as [start, end) in minutes of the week (an end past Sunday wraps to Monday). */
function spans(schedule: CameraSchedule): Array<[number, number]> {
  return schedule.windows.flatMap((w) => {
    const from = minutes(w.from);
    const length = (minutes(w.to) - from + MINUTES_A_DAY) % MINUTES_A_DAY;
    return [...new Set(w.days)].map((day): [number, number] => [(day - 1) * MINUTES_A_DAY + from, (day - 1) * MINUTES_A_DAY + from + length]);
  });
}

function inSpans(all: Array<[number, number]>, minute: number): boolean {
  return all.some(([start, end]) => (minute >= start && minute < end) || (end > MINUTES_A_WEEK && minute < end - MINUTES_A_WEEK));
}

/**
 * Whether the schedule has the camera supervised at `at`, and when that next changes (null: never, e.g. a
 * window covering the whole week). The change is the first window edge (in local time) that flips the state;
 * a daylight-saving shift before it moves it by the shift (supervision checks the state itself, not this).
 */
export function scheduleState(schedule: CameraSchedule | null, zone: string, at = new Date()): { active: boolean; nextChangeAt: Date | null } {
  if (!schedule) return { active: true, nextChangeAt: null };
  const all = spans(schedule);
  const now = minuteOfWeek(at, zone);
  const active = inSpans(all, now);
  const startOfMinute = at.getTime() - (at.getTime() % 60_000);
  const deltas = [...new Set(all.flatMap(([start, end]) => [start, end].map((edge) => (((edge - now) % MINUTES_A_WEEK) + MINUTES_A_WEEK) % MINUTES_A_WEEK)))]
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  for (const delta of deltas) {
    if (inSpans(all, (now + delta) % MINUTES_A_WEEK) !== active) return { active, nextChangeAt: new Date(startOfMinute + delta * 60_000) };
  }
  return { active, nextChangeAt: null };
}
