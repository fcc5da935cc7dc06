/**
 * An enterprise's own record with customs, in one place: its registration and risk class (and the class's
 * history, from the audit trail), its sites and cameras, its declarations, its inspections with their
 * outcomes, and the rectifications still open or reported (their follow-up: rectifications.service.ts).
 * Read by the enterprise (and its broker), by officers of a port it has a site or declaration at, by
 * supervisors and administrators.
 */
import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { auditLog, bookings, cameras, declarations, enterprises, inspectionSessions, ports, sites, verdicts } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { mayReadEnterprise, type Principal } from './access.ts';
import type { RectificationService } from './rectifications.service.ts';

const SHOWN = 50;

export class EnterpriseRecordService {
  constructor(private readonly deps: { db: Db; rectifications: RectificationService }) {}

  async record(p: Principal, enterpriseId: string) {
    const db = this.deps.db;
    if (!(await mayReadEnterprise(db, p, enterpriseId))) throw notFound('Enterprise');
    const [enterprise] = await db.select().from(enterprises).where(eq(enterprises.id, enterpriseId));
    if (!enterprise) throw notFound('Enterprise');
    const riskHistory = await db
      .select({ at: auditLog.at, details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'enterprise.risk_class'), eq(auditLog.entityId, enterpriseId)))
      .orderBy(desc(auditLog.seq))
      .limit(SHOWN);
    const siteRows = await db
      .select({ id: sites.id, name: sites.name, kind: sites.kind, portName: ports.name, cameras: sql<number>`(select count(*)::int from ${cameras} where ${cameras.siteId} = ${sites.id})` })
      .from(sites)
      .leftJoin(ports, eq(ports.id, sites.portId))
      .where(eq(sites.enterpriseId, enterpriseId))
      .limit(SHOWN);
    const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(declarations).where(eq(declarations.enterpriseId, enterpriseId));
    const latestDeclarations = await db
      .select({ id: declarations.id, number: declarations.number, goods: declarations.goodsDescription, portName: ports.name, createdAt: declarations.createdAt })
      .from(declarations)
      .innerJoin(ports, eq(ports.id, declarations.portId))
      .where(eq(declarations.enterpriseId, enterpriseId))
      .orderBy(desc(declarations.createdAt))
      .limit(20);
    const inspections = await db
      .select({
        bookingId: bookings.id,
        sessionId: inspectionSessions.id,
        declarationId: bookings.declarationId,
        declarationNumber: declarations.number,
        type: bookings.type,
        status: bookings.status,
        slotStart: bookings.slotStart,
        outcome: verdicts.outcome,
        findings: verdicts.findings,
        followUp: verdicts.followUp,
        decidedAt: verdicts.createdAt,
      })
      .from(bookings)
      .innerJoin(declarations, eq(declarations.id, bookings.declarationId))
      .leftJoin(inspectionSessions, eq(inspectionSessions.bookingId, bookings.id))
      .leftJoin(verdicts, eq(verdicts.sessionId, inspectionSessions.id))
      .where(and(eq(bookings.enterpriseId, enterpriseId), inArray(bookings.status, ['confirmed', 'in_progress', 'completed', 'no_show', 'cancelled'])))
      .orderBy(desc(bookings.slotStart))
      .limit(SHOWN);
    const rectifications = await this.deps.rectifications.list(p, { enterpriseId });
    return {
      enterprise: { id: enterprise.id, name: enterprise.name, customsCode: enterprise.customsCode, riskClass: enterprise.riskClass, registeredAt: enterprise.createdAt.toISOString() },
      riskHistory: riskHistory.map((r) => ({ at: r.at.toISOString(), riskClass: String((r.details as { riskClass?: string }).riskClass ?? '') })),
      sites: siteRows.map((s) => ({ ...s, portName: s.portName ?? null })),
      declarations: { total, latest: latestDeclarations.map((d) => ({ ...d, createdAt: d.createdAt.toISOString() })) },
      inspections: inspections.map((i) => ({ ...i, slotStart: i.slotStart.toISOString(), decidedAt: i.decidedAt?.toISOString() ?? null })),
      openRectifications: rectifications.filter((r) => r.status !== 'accepted'),
    };
  }
}
