/**
 * An enterprise's annual report to customs: for each year, its contact details, staff and the year's export
 * and import value, submitted from the first day of the next year until the due day (ANNUAL_REPORT_DUE,
 * MM-DD, the platform's time zone); it may be corrected until then (audited), and filed late once if missed.
 * Reminders before and after the due day: server/services/deadline-reminders.service.ts.
 */
import { and, asc, eq, notExists, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { annualReports, enterprises, users } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { daysBetween, localDay } from '../contracts/local-time.ts';
import { DEFAULT_TIME_ZONE } from '../contracts/schedule.ts';
import { enterpriseAtPort, isEnterpriseSide, mayReadEnterprise, requireActsFor, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';

export const annualReportContents = z
  .object({
    contactName: z.string().trim().min(1).max(100),
    contactPhone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ()-]{5,30}$/, 'a phone number'),
    address: z.string().trim().min(1).max(300),
    employees: z.number().int().min(0).max(1_000_000),
    /** The year's export and import value, in ten thousand yuan. */
    exportValue: z.number().min(0).max(1e9),
    importValue: z.number().min(0).max(1e9),
    /** What changed since the last report (owners, sites, business scope), if anything. */
    changes: z.string().trim().max(2000).default(''),
  })
  .strict()
  .meta({ id: 'AnnualReportContents' });
export type AnnualReportContents = z.output<typeof annualReportContents>;

const LISTED = 500;
const PAST_YEARS = 10;

export class AnnualReportService {
  private readonly clock: () => Date;

  constructor(private readonly deps: { db: Db; dueDay: string; clock?: () => Date }) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The year now being reported on (last year) and the day its report is due. */
  current(now = this.clock()) {
    const today = localDay(now, DEFAULT_TIME_ZONE);
    const year = Number(today.slice(0, 4)) - 1;
    const dueOn = this.dueOn(year);
    return { year, dueOn, today, overdue: daysBetween(dueOn, today) > 0 };
  }

  dueOn(year: number): string {
    return `${year + 1}-${this.deps.dueDay}`;
  }

  /** This year's state and the reports filed before. */
  async status(p: Principal, enterpriseId: string) {
    if (!(await mayReadEnterprise(this.deps.db, p, enterpriseId))) throw notFound('Enterprise');
    const { year, dueOn, overdue } = this.current();
    const rows = await this.deps.db
      .select({ year: annualReports.year, contents: annualReports.contents, submittedAt: annualReports.submittedAt, submittedBy: users.displayName })
      .from(annualReports)
      .innerJoin(users, eq(users.id, annualReports.submittedBy))
      .where(eq(annualReports.enterpriseId, enterpriseId))
      .orderBy(sql`${annualReports.year} desc`)
      .limit(PAST_YEARS);
    const reports = rows.map((r) => ({
      ...r,
      contents: r.contents as AnnualReportContents,
      submittedAt: r.submittedAt.toISOString(),
      late: daysBetween(this.dueOn(r.year), localDay(r.submittedAt, DEFAULT_TIME_ZONE)) > 0,
    }));
    const submitted = reports.find((r) => r.year === year) ?? null;
    return { year, dueOn, overdue: overdue && !submitted, submitted, past: reports.filter((r) => r.year !== year) };
  }

  /** The enterprise files (or, until the due day, corrects) the report for the year now being reported on. */
  async submit(p: Principal, enterpriseId: string, year: number, contents: AnnualReportContents) {
    if (!isEnterpriseSide(p)) throw forbidden('The enterprise files its annual report');
    requireActsFor(p, enterpriseId);
    const current = this.current();
    if (year !== current.year) throw new AppError('validation_failed', `Reports are filed for ${current.year} now`, { reason: 'annual_report_year', params: { year: current.year } });
    const now = this.clock();
    await this.deps.db.transaction(async (tx) => {
      // The insert decides between two first filings arriving together: the other one is a correction.
      const [filed] = await tx.insert(annualReports).values({ enterpriseId, year, contents, submittedBy: p.userId, submittedAt: now }).onConflictDoNothing().returning({ year: annualReports.year });
      if (!filed) {
        if (current.overdue) throw new AppError('invalid_transition', 'The report was filed and its due day has passed', { reason: 'annual_report_closed' });
        await tx
          .update(annualReports)
          .set({ contents, submittedBy: p.userId, submittedAt: now })
          .where(and(eq(annualReports.enterpriseId, enterpriseId), eq(annualReports.year, year)));
      }
      await appendAudit(tx, { actorId: p.userId, action: filed ? 'annual_report.submit' : 'annual_report.correct', entityType: 'enterprise', entityId: enterpriseId, details: { year } }, now);
    });
    return this.status(p, enterpriseId);
  }

  /** The enterprises (an officer's port's, or all) whose report for the current year is not in and is overdue. */
  async overdue(p: Principal) {
    if (isEnterpriseSide(p)) throw forbidden('Customs sees the enterprises behind with their reports');
    const { year, dueOn, overdue } = this.current();
    if (!overdue) return { year, dueOn, enterprises: [] };
    const rows = await this.deps.db
      .select({ id: enterprises.id, name: enterprises.name, customsCode: enterprises.customsCode, riskClass: enterprises.riskClass })
      .from(enterprises)
      .where(and(this.missing(year), p.role === 'officer' ? (p.portId ? enterpriseAtPort(enterprises.id, p.portId) : sql`false`) : undefined))
      .orderBy(asc(enterprises.name))
      .limit(LISTED);
    return { year, dueOn, enterprises: rows };
  }

  /** SQL: the enterprise has not filed its report for the year. */
  missing(year: number) {
    return notExists(
      this.deps.db
        .select({ one: sql`1` })
        .from(annualReports)
        .where(and(eq(annualReports.enterpriseId, enterprises.id), eq(annualReports.year, year))),
    );
  }
}
