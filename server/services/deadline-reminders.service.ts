/**
 * Deadlines the enterprise is reminded of (planned as BullMQ jobs by server/jobs/deadline-reminders.ts),
 * at 09:00 local time:
 * - a rectification: two days before its due day (`due`, the enterprise) and the day after it if still not
 *   reported (`overdue`, the enterprise and the port's officers);
 * - a declaration's validity: `DECLARATION_ENDING_DAYS` before its last day, if it has not been inspected;
 * - the annual report: thirty days before its due day and the day after it, if not filed.
 * `deadlines` says what falls due around now; `send` checks the subject again and records each reminder once.
 */
import { and, asc, eq, gt, gte, inArray, isNotNull, lte, notExists, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { bookings, deadlineReminders, declarations, enterprises, ports, rectifications } from '../db/schema.ts';
import { addDays, localDay, zonedInstant } from '../contracts/local-time.ts';
import { DEFAULT_TIME_ZONE } from '../contracts/schedule.ts';
import type { AnnualReportService } from './annual-reports.service.ts';
import type { NotificationKind } from '../contracts/notifications.ts';
import { enterpriseUsers, portOfficers, storeNotifications, type ReminderOutcome } from './recipients.ts';

export const deadlineKinds = ['rectification', 'declaration', 'annual_report'] as const;
export type DeadlineKind = (typeof deadlineKinds)[number];

export interface Deadline {
  kind: DeadlineKind;
  subjectId: string;
  stage: string;
  at: Date;
}

const REMIND_AT = '09:00';
const RECTIFICATION_NOTICE_DAYS = 2;
const ANNUAL_REPORT_NOTICE_DAYS = 30;
/** Reminders missed by up to this long (the platform was down) are still sent; older ones are not. */
const CATCH_UP_DAYS = 7;
const PAGE = 1000;

export class DeadlineReminderService {
  private readonly clock: () => Date;

  constructor(private readonly deps: { db: Db; annualReports: AnnualReportService; declarationEndingDays: number; clock?: () => Date }) {
    this.clock = deps.clock ?? (() => new Date());
  }

  private rectificationAt(stage: string, dueOn: string, timeZone: string): Date {
    return zonedInstant(addDays(dueOn, stage === 'due' ? -RECTIFICATION_NOTICE_DAYS : 1), REMIND_AT, timeZone);
  }

  private declarationAt(validUntil: string, timeZone: string): Date {
    return zonedInstant(addDays(validUntil, -this.deps.declarationEndingDays), REMIND_AT, timeZone);
  }

  private annualReportAt(stage: 'due' | 'overdue', year: number): Date {
    const dueOn = this.deps.annualReports.dueOn(year);
    return zonedInstant(addDays(dueOn, stage === 'due' ? -ANNUAL_REPORT_NOTICE_DAYS : 1), REMIND_AT, DEFAULT_TIME_ZONE);
  }

  /** What falls due from `CATCH_UP_DAYS` ago to a day ahead (planning runs every few minutes). */
  async *deadlines(now: Date): AsyncIterable<Deadline> {
    const db = this.deps.db;
    const inWindow = (at: Date, createdAt?: Date) => at.getTime() >= now.getTime() - CATCH_UP_DAYS * 86_400_000 && at.getTime() <= now.getTime() + 86_400_000 && (!createdAt || at >= createdAt);
    // Day bounds wide enough for any time zone; the exact instant is checked per row.
    const today = localDay(now, 'UTC');

    const open = await db
      .select({ id: rectifications.id, dueOn: rectifications.dueOn, createdAt: rectifications.createdAt, timeZone: ports.timeZone })
      .from(rectifications)
      .innerJoin(ports, eq(ports.id, rectifications.portId))
      .where(and(eq(rectifications.status, 'open'), gte(rectifications.dueOn, addDays(today, -CATCH_UP_DAYS - 2)), lte(rectifications.dueOn, addDays(today, RECTIFICATION_NOTICE_DAYS + 2))));
    for (const r of open)
      for (const stage of ['due', 'overdue']) {
        const at = this.rectificationAt(stage, r.dueOn, r.timeZone);
        if (inWindow(at, r.createdAt)) yield { kind: 'rectification', subjectId: r.id, stage, at };
      }

    const ending = this.deps.declarationEndingDays;
    const endingSoon = await db
      .select({ id: declarations.id, validUntil: declarations.validUntil, createdAt: declarations.createdAt, timeZone: ports.timeZone })
      .from(declarations)
      .innerJoin(ports, eq(ports.id, declarations.portId))
      .where(and(isNotNull(declarations.validUntil), gte(declarations.validUntil, addDays(today, ending - CATCH_UP_DAYS - 2)), lte(declarations.validUntil, addDays(today, ending + 2))));
    for (const d of endingSoon) {
      const at = this.declarationAt(d.validUntil!, d.timeZone);
      if (inWindow(at, d.createdAt)) yield { kind: 'declaration', subjectId: d.id, stage: 'ending', at };
    }

    // The year reported on now, and the next (a due day early in the year is reminded of in December).
    const { year: reported } = this.deps.annualReports.current(now);
    for (const [year, stage] of [reported, reported + 1].flatMap((y) => (['due', 'overdue'] as const).map((st) => [y, st] as const))) {
      const at = this.annualReportAt(stage, year);
      if (!inWindow(at)) continue;
      // Every enterprise that has not filed, a page at a time.
      let after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        const page = await db
          .select({ id: enterprises.id })
          .from(enterprises)
          .where(and(gt(enterprises.id, after), this.deps.annualReports.missing(year)))
          .orderBy(asc(enterprises.id))
          .limit(PAGE);
        for (const e of page) yield { kind: 'annual_report', subjectId: e.id, stage: `${stage}_${year}`, at };
        if (page.length < PAGE) break;
        after = page.at(-1)!.id;
      }
    }
  }

  /** Sends one reminder if it is still wanted and not sent before. */
  async send(kind: DeadlineKind, subjectId: string, stage: string): Promise<ReminderOutcome> {
    const subject = await this.subject(kind, subjectId, stage);
    if (!subject) return null;
    if (this.clock() < subject.at || subject.wait) return { notBefore: subject.at };
    return this.deps.db.transaction(async (tx) => {
      const [sent] = await tx.insert(deadlineReminders).values({ kind, subjectId, stage, sentAt: this.clock() }).onConflictDoNothing().returning();
      if (!sent) return null;
      const userIds = [...new Set([...(await enterpriseUsers(tx, subject.enterpriseId)), ...(subject.portId ? await portOfficers(tx, subject.portId) : [])])];
      const notifiedKind = `${kind}.${stage.replace(/_\d+$/, '')}` as NotificationKind;
      await storeNotifications(tx, userIds, notifiedKind, subject.payload);
      return { userIds, kind: notifiedKind, payload: subject.payload };
    });
  }

  /** The subject as it is now, if the reminder is still wanted: when it is due, whom it concerns, what it says. */
  private async subject(
    kind: DeadlineKind,
    subjectId: string,
    stage: string,
  ): Promise<{ at: Date; enterpriseId: string; portId: string | null; payload: Record<string, unknown>; wait?: boolean } | null> {
    const db = this.deps.db;
    if (kind === 'rectification') {
      const [r] = await db
        .select({
          status: rectifications.status,
          dueOn: rectifications.dueOn,
          enterpriseId: rectifications.enterpriseId,
          portId: rectifications.portId,
          number: declarations.number,
          timeZone: ports.timeZone,
        })
        .from(rectifications)
        .innerJoin(declarations, eq(declarations.id, rectifications.declarationId))
        .innerJoin(ports, eq(ports.id, rectifications.portId))
        .where(eq(rectifications.id, subjectId));
      if (!r || r.status === 'accepted') return null;
      // Reported: customs may yet return it; asked again tomorrow, so the reminder is not lost if it does.
      if (r.status === 'reported') return stage === 'overdue' ? { at: new Date(this.clock().getTime() + 86_400_000), enterpriseId: r.enterpriseId, portId: null, payload: {}, wait: true } : null;
      return {
        at: this.rectificationAt(stage, r.dueOn, r.timeZone),
        enterpriseId: r.enterpriseId,
        // Overdue: the port's officers are told as well.
        portId: stage === 'overdue' ? r.portId : null,
        payload: { rectificationId: subjectId, declarationNumber: r.number, dueOn: r.dueOn },
      };
    }
    if (kind === 'declaration') {
      const [d] = await db
        .select({ validUntil: declarations.validUntil, enterpriseId: declarations.enterpriseId, number: declarations.number, timeZone: ports.timeZone })
        .from(declarations)
        .innerJoin(ports, eq(ports.id, declarations.portId))
        .where(
          and(
            eq(declarations.id, subjectId),
            // Inspected (or being inspected) already: nothing to remind of.
            notExists(
              db
                .select({ one: sql`1` })
                .from(bookings)
                .where(and(eq(bookings.declarationId, declarations.id), inArray(bookings.status, ['in_progress', 'completed']))),
            ),
          ),
        );
      if (!d?.validUntil) return null;
      return {
        at: this.declarationAt(d.validUntil, d.timeZone),
        enterpriseId: d.enterpriseId,
        portId: null,
        payload: { declarationId: subjectId, declarationNumber: d.number, validUntil: d.validUntil },
      };
    }
    const match = /^(due|overdue)_(\d{4})$/.exec(stage);
    if (!match) return null;
    const year = Number(match[2]);
    const [missing] = await db
      .select({ id: enterprises.id })
      .from(enterprises)
      .where(and(eq(enterprises.id, subjectId), this.deps.annualReports.missing(year)));
    if (!missing) return null;
    return { at: this.annualReportAt(match[1] as 'due' | 'overdue', year), enterpriseId: subjectId, portId: null, payload: { year, dueOn: this.deps.annualReports.dueOn(year) } };
  }
}
