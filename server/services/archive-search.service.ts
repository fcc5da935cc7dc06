/**
 * Searching the archive of inspection sessions: by declaration, enterprise, site, officer, dates, type,
 * verdict and alarms, limited to what the caller may read (the access module's rule, the same one that
 * decides whether a found session may be opened).
 */
import { aliasedTable, and, asc, count, desc, eq, gte, ilike, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { alarms, bookings, declarations, enterprises, inspectionSessions, sessionSeals, sites, users, verdicts, type InspectionType } from '../db/schema.ts';
import { readableBookings, type Principal } from './access.ts';
import type { VerdictOutcome } from './verdicts.service.ts';
import type { ArchiveEntry } from '../contracts/records.ts';

export interface ArchiveFilter {
  sessionId?: string;
  /** Part of the declaration number. */
  declarationNumber?: string;
  /** Part of the declaration number, the enterprise's name or the site's name. */
  text?: string;
  enterpriseId?: string;
  siteId?: string;
  officerId?: string;
  from?: Date;
  to?: Date;
  type?: InspectionType;
  verdict?: VerdictOutcome;
  hasAlarms?: boolean;
  limit: number;
  offset: number;
}

export type { ArchiveEntry };

const archiveOfficers = aliasedTable(users, 'archive_officer');
const alarmCount = sql<number>`(select count(*)::int from ${alarms} where ${alarms.sessionId} = ${inspectionSessions.id})`;

export class ArchiveSearchService {
  constructor(private readonly deps: { db: Db }) {}

  /** Sessions matching the filter that the caller may see, newest first. */
  async search(p: Principal, f: ArchiveFilter): Promise<{ items: ArchiveEntry[]; total: number }> {
    const conditions: Array<SQL | undefined> = [
      // The same rule that decides who may open a session: what is found here can be opened.
      readableBookings(p),
      f.sessionId ? eq(inspectionSessions.id, f.sessionId) : undefined,
      f.declarationNumber ? ilike(declarations.number, contains(f.declarationNumber)) : undefined,
      f.text ? or(ilike(declarations.number, contains(f.text)), ilike(enterprises.name, contains(f.text)), ilike(sites.name, contains(f.text))) : undefined,
      f.enterpriseId ? eq(bookings.enterpriseId, f.enterpriseId) : undefined,
      f.siteId ? eq(declarations.siteId, f.siteId) : undefined,
      f.officerId ? eq(bookings.officerId, f.officerId) : undefined,
      f.from ? gte(inspectionSessions.startedAt, f.from) : undefined,
      f.to ? lte(inspectionSessions.startedAt, f.to) : undefined,
      f.type ? eq(bookings.type, f.type) : undefined,
      f.verdict ? eq(verdicts.outcome, f.verdict) : undefined,
      f.hasAlarms === undefined ? undefined : f.hasAlarms ? sql`${alarmCount} > 0` : sql`${alarmCount} = 0`,
    ];
    return this.query(and(...conditions), f.limit, f.offset);
  }

  /** One session's entry whoever asks (callers check access: the evidence package, for its summary). */
  async entry(sessionId: string): Promise<ArchiveEntry | null> {
    return (await this.query(eq(inspectionSessions.id, sessionId), 1, 0)).items[0] ?? null;
  }

  private async query(where: SQL | undefined, limit: number, offset: number): Promise<{ items: ArchiveEntry[]; total: number }> {
    const base = () =>
      this.deps.db
        .select({
          session: inspectionSessions,
          booking: bookings,
          declarationNumber: declarations.number,
          siteId: declarations.siteId,
          siteName: sites.name,
          enterpriseName: enterprises.name,
          officerName: archiveOfficers.displayName,
          verdict: verdicts.outcome,
          alarms: alarmCount,
          sealed: sql<boolean>`${sessionSeals.sessionId} is not null`,
        })
        .from(inspectionSessions)
        .innerJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
        .innerJoin(declarations, eq(declarations.id, bookings.declarationId))
        .innerJoin(enterprises, eq(enterprises.id, bookings.enterpriseId))
        .leftJoin(sites, eq(sites.id, declarations.siteId))
        .leftJoin(archiveOfficers, eq(archiveOfficers.id, bookings.officerId))
        .leftJoin(verdicts, eq(verdicts.sessionId, inspectionSessions.id))
        .leftJoin(sessionSeals, eq(sessionSeals.sessionId, inspectionSessions.id))
        .where(where);
    const [countRow] = await this.deps.db.select({ n: count() }).from(base().as('matches'));
    const rows = await base().orderBy(desc(inspectionSessions.startedAt), asc(inspectionSessions.id)).limit(limit).offset(offset);
    return {
      total: countRow?.n ?? 0,
      items: rows.map((r) => ({
        sessionId: r.session.id,
        bookingId: r.booking.id,
        declarationNumber: r.declarationNumber,
        enterpriseId: r.booking.enterpriseId,
        enterpriseName: r.enterpriseName,
        siteId: r.siteId,
        siteName: r.siteName,
        officerId: r.booking.officerId,
        officerName: r.officerName,
        type: r.booking.type,
        startedAt: r.session.startedAt.toISOString(),
        endedAt: r.session.endedAt?.toISOString() ?? null,
        verdict: r.verdict,
        alarms: Number(r.alarms),
        sealed: Boolean(r.sealed),
      })),
    };
  }
}

/** An ILIKE pattern for text containing `part` literally (its % and _ match themselves). */
function contains(part: string): string {
  return `%${part.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
