/**
 * Policy notices: customs publishes a notice (an officer for their port, a supervisor or an administrator for
 * one port or all) to enterprises of some risk classes and kinds of site, or all, in one or more languages;
 * an enterprise sees the notices meant for it (its sites' and declarations' ports, its risk class, its kinds
 * of site) and acknowledges each as read, once, by whom and when.
 */
import { and, arrayOverlaps, desc, eq, exists, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { enterprises, noticeAcknowledgements, notices, sites, users } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { enterpriseAtPort, isEnterpriseSide, requireActsFor, requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import { announce, storeNotifications } from './recipients.ts';
import type { DomainEvents } from './domain-events.ts';

export interface NoticeInput {
  portId: string | null;
  riskClasses: string[];
  siteKinds: string[];
  texts: Partial<Record<'zh-CN' | 'en' | 'ru', { title: string; body: string }>>;
}

export class NoticeService {
  private readonly clock: () => Date;

  constructor(private readonly deps: { db: Db; events: DomainEvents; clock?: () => Date }) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The enterprises a notice is for, with their users (to be told). */
  private async audience(n: { portId: string | null; riskClasses: string[]; siteKinds: string[] }) {
    const db = this.deps.db;
    const siteOf = (more: SQL) =>
      db
        .select({ one: sql`1` })
        .from(sites)
        .where(and(eq(sites.enterpriseId, enterprises.id), more));
    const conditions = [
      n.riskClasses.length > 0 ? inArray(enterprises.riskClass, n.riskClasses as Array<'A' | 'B' | 'C' | 'D'>) : undefined,
      n.portId ? enterpriseAtPort(enterprises.id, n.portId) : undefined,
      n.siteKinds.length > 0 ? exists(siteOf(inArray(sites.kind, n.siteKinds as Array<'farm' | 'warehouse' | 'factory'>))) : undefined,
    ];
    return db
      .select({ id: enterprises.id })
      .from(enterprises)
      .where(and(...conditions))
      .limit(10_000);
  }

  async publish(p: Principal, input: NoticeInput) {
    requireRole(p, 'officer', 'supervisor', 'admin');
    if (p.role === 'officer' && input.portId !== p.portId) throw forbidden('An officer publishes to their own port');
    if (Object.keys(input.texts).length === 0) throw new AppError('validation_failed', 'A notice needs a title and text in at least one language', { reason: 'reference_missing' });
    const now = this.clock();
    const audience = await this.audience(input);
    const recipients = audience.length
      ? (
          await this.deps.db
            .select({ id: users.id })
            .from(users)
            .where(
              and(
                inArray(
                  users.enterpriseId,
                  audience.map((a) => a.id),
                ),
                eq(users.active, true),
              ),
            )
            .limit(10_000)
        ).map((r) => r.id)
      : [];
    const notice = await this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(notices)
        .values({ ...input, publishedBy: p.userId, publishedAt: now })
        .returning();
      await appendAudit(
        tx,
        {
          actorId: p.userId,
          action: 'notice.publish',
          entityType: 'notice',
          entityId: row!.id,
          details: { portId: input.portId, riskClasses: input.riskClasses, siteKinds: input.siteKinds, languages: Object.keys(input.texts) },
        },
        now,
      );
      const payload = { noticeId: row!.id, titles: Object.fromEntries(Object.entries(input.texts).map(([l, t]) => [l, t!.title])) };
      await storeNotifications(tx, recipients, 'notice.published', payload);
      return { row: row!, payload };
    });
    announce(this.deps.events, { userIds: recipients, kind: 'notice.published', payload: notice.payload });
    return { ...this.view(notice.row), enterprises: audience.length, acknowledged: 0, acknowledgedAt: null };
  }

  private view(n: typeof notices.$inferSelect) {
    return { id: n.id, portId: n.portId, riskClasses: n.riskClasses, siteKinds: n.siteKinds, texts: n.texts, publishedAt: n.publishedAt.toISOString() };
  }

  /**
   * The notices for the caller: an enterprise's (with whether it acknowledged each), or customs' own list
   * (an officer's port's and every port's, with how many enterprises acknowledged).
   */
  async list(p: Principal) {
    if (isEnterpriseSide(p)) {
      if (p.enterpriseIds.length === 0) return [];
      const [enterprise] = await this.deps.db.select().from(enterprises).where(inArray(enterprises.id, p.enterpriseIds)).limit(1);
      const kinds = (await this.deps.db.selectDistinct({ kind: sites.kind }).from(sites).where(eq(sites.enterpriseId, enterprise!.id))).map((r) => r.kind as string);
      const rows = await this.deps.db
        .select({ notice: notices, ackAt: noticeAcknowledgements.at })
        .from(notices)
        .leftJoin(noticeAcknowledgements, and(eq(noticeAcknowledgements.noticeId, notices.id), eq(noticeAcknowledgements.enterpriseId, enterprise!.id)))
        .where(
          and(
            or(isNull(notices.portId), enterpriseAtPort(enterprise!.id, notices.portId)),
            or(sql`cardinality(${notices.riskClasses}) = 0`, arrayOverlaps(notices.riskClasses, [enterprise!.riskClass])),
            kinds.length > 0 ? or(sql`cardinality(${notices.siteKinds}) = 0`, arrayOverlaps(notices.siteKinds, kinds)) : sql`cardinality(${notices.siteKinds}) = 0`,
          ),
        )
        .orderBy(desc(notices.publishedAt))
        .limit(100);
      return rows.map((r) => ({ ...this.view(r.notice), acknowledgedAt: r.ackAt?.toISOString() ?? null, acknowledged: null, enterprises: null }));
    }
    const rows = await this.deps.db
      .select({ notice: notices, acknowledged: sql<number>`(select count(*)::int from ${noticeAcknowledgements} where ${noticeAcknowledgements.noticeId} = ${notices.id})` })
      .from(notices)
      .where(p.role === 'officer' ? or(isNull(notices.portId), eq(notices.portId, p.portId ?? '00000000-0000-0000-0000-000000000000')) : undefined)
      .orderBy(desc(notices.publishedAt))
      .limit(100);
    return rows.map((r) => ({ ...this.view(r.notice), acknowledgedAt: null, acknowledged: r.acknowledged, enterprises: null }));
  }

  /** The enterprise has read the notice (once; acknowledging again changes nothing). */
  async acknowledge(p: Principal, id: string) {
    if (!isEnterpriseSide(p) || p.enterpriseIds.length === 0) throw forbidden('Enterprises acknowledge notices');
    const enterpriseId = p.enterpriseIds[0]!;
    requireActsFor(p, enterpriseId);
    const visible = (await this.list(p)).find((n) => n.id === id);
    if (!visible) throw notFound('Notice');
    const now = this.clock();
    await this.deps.db.transaction(async (tx) => {
      const [row] = await tx.insert(noticeAcknowledgements).values({ noticeId: id, enterpriseId, userId: p.userId, at: now }).onConflictDoNothing().returning();
      if (row) await appendAudit(tx, { actorId: p.userId, action: 'notice.acknowledge', entityType: 'notice', entityId: id, details: { enterpriseId } }, now);
    });
    return (await this.list(p)).find((n) => n.id === id)!;
  }
}
