/**
 * Calendar days and wall-clock times in a place's own time zone (a port's): a farm's "day" and "due by 10:00"
 * are local, never UTC. Imports nothing.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(at: Date, zone: string): Record<string, number> {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    // Bounded by the zones in use (ports).
    if (formatters.size < 500) formatters.set(zone, format);
  }
  return Object.fromEntries(
    format
      .formatToParts(at)
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  );
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The local calendar day of an instant in a zone, as YYYY-MM-DD. */
export function localDay(at: Date, zone: string): string {
  const p = partsIn(at, zone);
  return `${pad(p.year!, 4)}-${pad(p.month!)}-${pad(p.day!)}`;
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(at: Date, zone: string): number {
  const p = partsIn(at, zone);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - (at.getTime() - at.getMilliseconds());
}

/** The instant a zone's wall clock shows `hhmm` on `day` (YYYY-MM-DD); in a daylight-saving gap, the hour after. */
export function zonedInstant(day: string, hhmm: string, zone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5)));
  const first = wall - offsetAt(new Date(wall), zone);
  // Once more with the offset at the guess: right across a daylight-saving change.
  return new Date(wall - offsetAt(new Date(first), zone));
}

/** The calendar day `n` days after `day` (negative: before). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** Whole days from `from` to `to` (both YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
  const at = (day: string) => {
    const [y, m, d] = day.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((at(to) - at(from)) / 86_400_000);
}

/** A real calendar day written YYYY-MM-DD (not 2026-02-30). */
export function isCalendarDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  return addDays(day, 0) === day;
}

/** The local wall-clock time (HH:MM) of an instant in a zone. */
export function localTime(at: Date, zone: string): string {
  const p = partsIn(at, zone);
  return `${pad(p.hour!)}:${pad(p.minute!)}`;
}

/**
 * When a quiet period (`start`–`end`, local, possibly across midnight) that `at` falls in ends; `at` itself
 * when it is not in one.
 */
export function endOfQuiet(at: Date, quiet: { start: string; end: string }, zone: string): Date {
  const now = localTime(at, zone);
  const { start, end } = quiet;
  if (start === end) return at;
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return at;
  const today = localDay(at, zone);
  // Past midnight or within a same-day period: it ends today; before midnight in a period across it: tomorrow.
  return zonedInstant(start > end && now >= start ? addDays(today, 1) : today, end, zone);
}
