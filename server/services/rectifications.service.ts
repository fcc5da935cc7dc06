/**
 * Rectifications: what a `rectify` verdict asks of the enterprise, by a day of the port's. Opened with the
 * verdict (in its transaction), followed up step by step: the enterprise reports it done (`reported`, the
 * port's officers told), an officer of the port accepts it or returns it with a note (open again, the
 * enterprise told). A later inspection of the same declaration that passes closes what is still open.
 * Reminders before and after the due day: server/services/deadline-reminders.service.ts.
 */
import { and, asc, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/database.ts';
import { declarations, enterprises, ports, rectificationSteps, rectifications, users, type rectificationStatuses } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { addDays, daysBetween, isCalendarDay, localDay } from '../contracts/local-time.ts';
import { isEnterpriseSide, readableBy, requireActsFor, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import type { DomainEvents } from './domain-events.ts';
import { announce, enterpriseUsers, portOfficers, storeNotifications, type Notified } from './recipients.ts';

export type RectificationStatus = (typeof rectificationStatuses)[number];
/** How far ahead an officer may set the day a rectification is due. */
export const MAX_RECTIFY_DAYS = 365;
const LISTED = 200;
const MAX_STEPS = 200;

export class RectificationService {
  private readonly clock: () => Date;

  constructor(private readonly deps: { db: Db; events: DomainEvents; rectifyDays: number; clock?: () => Date }) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /**
   * The day a new rectification is due: the officer's (checked), or the default number of days after today
   * in the port's zone. Checked before the verdict is signed, so a bad day changes nothing.
   */
  dueDay(requested: string | undefined, timeZone: string): string {
    const today = localDay(this.clock(), timeZone);
    if (requested === undefined) return addDays(today, this.deps.rectifyDays);
    if (!isCalendarDay(requested) || daysBetween(today, requested) < 0 || daysBetween(today, requested) > MAX_RECTIFY_DAYS)
      throw new AppError('validation_failed', `The day to rectify by is from today to ${MAX_RECTIFY_DAYS} days ahead`, { reason: 'rectify_by_invalid', params: { max: MAX_RECTIFY_DAYS } });
    return requested;
  }

  /** Opens the rectification a `rectify` verdict asks for (the verdict's transaction); returns whom to tell. */
  async open(
    tx: DbOrTx,
    input: { sessionId: string; enterpriseId: string; portId: string; declarationId: string; declarationNumber: string; required: string; dueOn: string; actorId: string; at: Date },
  ): Promise<Notified> {
    const [row] = await tx
      .insert(rectifications)
      .values({
        sessionId: input.sessionId,
        enterpriseId: input.enterpriseId,
        portId: input.portId,
        declarationId: input.declarationId,
        required: input.required,
        dueOn: input.dueOn,
        createdAt: input.at,
        updatedAt: input.at,
      })
      .returning({ id: rectifications.id });
    await tx.insert(rectificationSteps).values({ rectificationId: row!.id, kind: 'opened', actorId: input.actorId, text: input.required, at: input.at });
    const payload = { rectificationId: row!.id, declarationNumber: input.declarationNumber, dueOn: input.dueOn };
    const userIds = await enterpriseUsers(tx, input.enterpriseId);
    await storeNotifications(tx, userIds, 'rectification.opened', payload);
    return { userIds, kind: 'rectification.opened', payload };
  }

  /** A passing inspection of the declaration closes its rectifications still open or reported (the verdict's transaction). */
  async closeByPassingInspection(tx: DbOrTx, declarationId: string, actorId: string, at: Date): Promise<void> {
    const closed = await tx
      .update(rectifications)
      .set({ status: 'accepted', updatedAt: at, closedAt: at })
      .where(and(eq(rectifications.declarationId, declarationId), inArray(rectifications.status, ['open', 'reported'])))
      .returning({ id: rectifications.id });
    if (closed.length > 0) await tx.insert(rectificationSteps).values(closed.map((r) => ({ rectificationId: r.id, kind: 'passed_inspection' as const, actorId, at })));
  }

  async list(p: Principal, filter: { status?: RectificationStatus; enterpriseId?: string }) {
    const where = and(
      readableBy(p, { enterpriseId: rectifications.enterpriseId, portId: rectifications.portId }),
      filter.status ? eq(rectifications.status, filter.status) : undefined,
      filter.enterpriseId ? eq(rectifications.enterpriseId, filter.enterpriseId) : undefined,
    );
    return this.select(where, LISTED);
  }

  private async select(where: SQL | undefined, limit: number) {
    const rows = await this.deps.db
      .select({ r: rectifications, declarationNumber: declarations.number, enterpriseName: enterprises.name, timeZone: ports.timeZone })
      .from(rectifications)
      .innerJoin(declarations, eq(declarations.id, rectifications.declarationId))
      .innerJoin(enterprises, eq(enterprises.id, rectifications.enterpriseId))
      .innerJoin(ports, eq(ports.id, rectifications.portId))
      .where(where)
      .orderBy(asc(rectifications.status), asc(rectifications.dueOn), desc(rectifications.createdAt))
      .limit(limit);
    const now = this.clock();
    return rows.map(({ r, declarationNumber, enterpriseName, timeZone }) => ({
      id: r.id,
      sessionId: r.sessionId,
      enterpriseId: r.enterpriseId,
      enterpriseName,
      portId: r.portId,
      declarationId: r.declarationId,
      declarationNumber,
      required: r.required,
      dueOn: r.dueOn,
      status: r.status,
      // Overdue: not reported or accepted by the end of its due day (the port's).
      overdue: r.status === 'open' && daysBetween(r.dueOn, localDay(now, timeZone)) > 0,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      closedAt: r.closedAt?.toISOString() ?? null,
    }));
  }

  async get(p: Principal, id: string) {
    const [item] = await this.select(and(eq(rectifications.id, id), readableBy(p, { enterpriseId: rectifications.enterpriseId, portId: rectifications.portId })), 1);
    if (!item) throw notFound('Rectification');
    const steps = await this.deps.db
      .select({ kind: rectificationSteps.kind, text: rectificationSteps.text, at: rectificationSteps.at, actor: users.displayName })
      .from(rectificationSteps)
      .leftJoin(users, eq(users.id, rectificationSteps.actorId))
      .where(eq(rectificationSteps.rectificationId, id))
      .orderBy(asc(rectificationSteps.id))
      .limit(MAX_STEPS);
    return { ...item, steps: steps.map((s) => ({ ...s, actor: s.actor ?? null, at: s.at.toISOString() })) };
  }

  /** The enterprise reports what it did; the port's officers are told. */
  async report(p: Principal, id: string, text: string) {
    const current = await this.get(p, id);
    requireActsFor(p, current.enterpriseId);
    return this.step(p, current, { from: 'open', to: 'reported', kind: 'reported', text, tell: (tx) => portOfficers(tx, current.portId) });
  }

  /** An officer of the port accepts what was reported, or returns it (open again) with a note; the enterprise is told. */
  async review(p: Principal, id: string, input: { accept: boolean; note: string }) {
    const current = await this.get(p, id);
    if (isEnterpriseSide(p) || p.role !== 'officer' || p.portId !== current.portId) throw forbidden('Officers of the port review its rectifications');
    if (!input.accept && !input.note.trim()) throw new AppError('validation_failed', 'Say what is still to be done', { reason: 'note_required' });
    return this.step(p, current, {
      from: 'reported',
      to: input.accept ? 'accepted' : 'open',
      kind: input.accept ? 'accepted' : 'returned',
      text: input.note,
      tell: (tx) => enterpriseUsers(tx, current.enterpriseId),
    });
  }

  private async step(
    p: Principal,
    current: { id: string; declarationNumber: string },
    step: { from: RectificationStatus; to: RectificationStatus; kind: 'reported' | 'accepted' | 'returned'; text: string; tell: (tx: DbOrTx) => Promise<string[]> },
  ) {
    const now = this.clock();
    const notified = await this.deps.db.transaction(async (tx) => {
      // The status it must still have decides between two clicks arriving together.
      const [moved] = await tx
        .update(rectifications)
        .set({ status: step.to, updatedAt: now, closedAt: step.to === 'accepted' ? now : null })
        .where(and(eq(rectifications.id, current.id), eq(rectifications.status, step.from)))
        .returning({ id: rectifications.id });
      if (!moved)
        throw new AppError('invalid_transition', `Only a rectification that is ${step.from} can be ${step.kind}`, {
          reason: step.from === 'open' ? 'rectification_not_open' : 'rectification_not_reported',
        });
      await tx.insert(rectificationSteps).values({ rectificationId: current.id, kind: step.kind, actorId: p.userId, text: step.text.trim(), at: now });
      await appendAudit(tx, { actorId: p.userId, action: `rectification.${step.kind}`, entityType: 'rectification', entityId: current.id, details: { text: step.text.trim() } }, now);
      const userIds = await step.tell(tx);
      const kind = `rectification.${step.kind}` as const;
      const payload = { rectificationId: current.id, declarationNumber: current.declarationNumber };
      await storeNotifications(tx, userIds, kind, payload);
      return { userIds, kind, payload };
    });
    announce(this.deps.events, notified);
    return this.get(p, current.id);
  }
}
