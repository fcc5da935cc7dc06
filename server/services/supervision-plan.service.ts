/**
 * A port's supervision plan by risk class: the administrator sets how often each class is supervised and the
 * port's working calendar; the plan (contract: server/contracts/supervision-plan.ts) spreads the routine
 * remote supervisions due over the port's officers, around their booked inspections. A changed risk class
 * (AdminService.setRiskClass, audited) changes the enterprise's next plan.
 */
import { and, eq, gt, inArray, lt, max } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { bookings, enterprises, portCalendars, ports, supervisionFrequencies, users } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { daysBetween, localDay, zonedInstant, addDays } from '../contracts/local-time.ts';
import { DEFAULT_CALENDAR, DEFAULT_FREQUENCIES, planRoutineSupervision, RISK_CLASSES, type PlanSettings, type RiskClass } from '../contracts/supervision-plan.ts';
import { enterpriseAtPort, requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';

export const MAX_PLAN_DAYS = 31;

export class SupervisionPlanService {
  private readonly clock: () => Date;

  constructor(private readonly deps: { db: Db; clock?: () => Date }) {
    this.clock = deps.clock ?? (() => new Date());
  }

  private async port(p: Principal, portId: string) {
    const [port] = await this.deps.db.select().from(ports).where(eq(ports.id, portId));
    if (!port) throw notFound('Port');
    if (p.role === 'officer' && p.portId !== portId) throw notFound('Port');
    if (p.role !== 'officer' && p.role !== 'supervisor' && p.role !== 'admin') throw forbidden('Customs plans supervision');
    return port;
  }

  async settings(p: Principal, portId: string): Promise<PlanSettings> {
    await this.port(p, portId);
    const rows = await this.deps.db.select().from(supervisionFrequencies).where(eq(supervisionFrequencies.portId, portId));
    const [calendar] = await this.deps.db.select().from(portCalendars).where(eq(portCalendars.portId, portId));
    const frequencies = { ...DEFAULT_FREQUENCIES };
    for (const r of rows)
      frequencies[r.riskClass] = { remoteEveryDays: r.remoteEveryDays, dailyFormReview: r.dailyFormReview, onSiteEveryMonths: r.onSiteEveryMonths, liveLoadingPercent: r.liveLoadingPercent };
    return {
      frequencies,
      calendar: calendar
        ? {
            workingDays: calendar.workingDays,
            dayStart: calendar.dayStart,
            dayEnd: calendar.dayEnd,
            slotMinutes: calendar.slotMinutes,
            perOfficerDay: calendar.perOfficerDay,
            holidays: calendar.holidays,
          }
        : DEFAULT_CALENDAR,
    };
  }

  async saveSettings(p: Principal, portId: string, input: PlanSettings): Promise<PlanSettings> {
    requireRole(p, 'admin');
    await this.port(p, portId);
    const now = this.clock();
    const before = await this.settings(p, portId);
    await this.deps.db.transaction(async (tx) => {
      for (const riskClass of RISK_CLASSES) {
        const values = { ...input.frequencies[riskClass], updatedBy: p.userId, updatedAt: now };
        await tx
          .insert(supervisionFrequencies)
          .values({ portId, riskClass, ...values })
          .onConflictDoUpdate({ target: [supervisionFrequencies.portId, supervisionFrequencies.riskClass], set: values });
      }
      const calendar = { ...input.calendar, workingDays: [...new Set(input.calendar.workingDays)].sort(), holidays: [...new Set(input.calendar.holidays)].sort(), updatedBy: p.userId, updatedAt: now };
      await tx
        .insert(portCalendars)
        .values({ portId, ...calendar })
        .onConflictDoUpdate({ target: portCalendars.portId, set: calendar });
      await appendAudit(tx, { actorId: p.userId, action: 'supervision_plan.settings', entityType: 'port', entityId: portId, details: { before, after: input } }, now);
    });
    return this.settings(p, portId);
  }

  /** The routine remote supervisions from `from` to `to` (the port's days), with who takes each. */
  async plan(p: Principal, portId: string, from: string, to: string) {
    const port = await this.port(p, portId);
    const span = daysBetween(from, to);
    if (span < 0 || span >= MAX_PLAN_DAYS) throw new AppError('validation_failed', `At most ${MAX_PLAN_DAYS} days, from before to`, { reason: 'range_too_long', params: { days: MAX_PLAN_DAYS } });
    const settings = await this.settings(p, portId);
    const zone = port.timeZone;
    const db = this.deps.db;
    // The enterprises the port supervises: those with a site or a declaration at it.
    const atPort = await db.select({ id: enterprises.id, name: enterprises.name, riskClass: enterprises.riskClass }).from(enterprises).where(enterpriseAtPort(enterprises.id, portId)).limit(5000);
    const last = atPort.length
      ? await db
          .select({ enterpriseId: bookings.enterpriseId, at: max(bookings.slotStart) })
          .from(bookings)
          .where(
            and(
              inArray(
                bookings.enterpriseId,
                atPort.map((e) => e.id),
              ),
              eq(bookings.type, 'routine_supervision'),
              eq(bookings.status, 'completed'),
            ),
          )
          .groupBy(bookings.enterpriseId)
      : [];
    const lastBy = new Map(last.map((l) => [l.enterpriseId, l.at ? localDay(l.at, zone) : null]));
    const officers = await db
      .select({ id: users.id, name: users.displayName })
      .from(users)
      .where(and(eq(users.portId, portId), eq(users.role, 'officer'), eq(users.active, true)))
      .limit(500);
    const rangeStart = zonedInstant(from, '00:00', zone);
    const rangeEnd = zonedInstant(addDays(to, 1), '00:00', zone);
    const busy = officers.length
      ? await db
          .select({ officerId: bookings.officerId, start: bookings.slotStart, end: bookings.slotEnd })
          .from(bookings)
          .where(
            and(
              inArray(
                bookings.officerId,
                officers.map((o) => o.id),
              ),
              inArray(bookings.status, ['confirmed', 'in_progress', 'proposed']),
              lt(bookings.slotStart, rangeEnd),
              gt(bookings.slotEnd, rangeStart),
            ),
          )
      : [];
    const result = planRoutineSupervision({
      zone,
      today: localDay(this.clock(), zone),
      now: this.clock(),
      from,
      to,
      calendar: settings.calendar,
      frequencies: settings.frequencies,
      officers: officers.map((o) => ({ id: o.id, busy: busy.filter((b) => b.officerId === o.id).map((b) => ({ start: b.start, end: b.end })) })),
      enterprises: atPort.map((e) => ({ id: e.id, name: e.name, riskClass: e.riskClass as RiskClass, lastSupervised: lastBy.get(e.id) ?? null })),
    });
    const names = new Map(officers.map((o) => [o.id, o.name]));
    return {
      port: { id: port.id, name: port.name, timeZone: zone },
      settings,
      visits: result.visits.map((v) => ({ ...v, officerName: names.get(v.officerId) ?? '' })),
      unplaced: result.unplaced,
    };
  }
}
