/**
 * Who may do what: every service asks these permission-named checks, and list queries use the SQL twin
 * of the same rule, so what a search finds is exactly what may then be opened. No HTTP here.
 *
 * The rules:
 *  - enterprise users see their own enterprise; brokers the enterprises that delegated to them;
 *  - officers see what belongs to their port or is assigned to them: a port's officers supervise its
 *    enterprises together, so an officer may read (not conduct) a colleague's inspection and its archive;
 *  - supervisors read everything (and watch live sessions silently); administrators manage everything.
 *  - A live session is conducted by its assigned officer only: commands, snapshots, loading batches, the verdict.
 */
import { and, eq, gt, inArray, isNull, or, sql, type Column, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { DbOrTx } from '../db/database.ts';
import { bookings, brokerDelegations, declarations, enterprises, inspectionSessions, sites, type Role } from '../db/schema.ts';
import type { SessionRole } from '../contracts/timeline.ts';
import { AppError, forbidden, notFound } from '../errors.ts';

export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  role: Role;
  locale: string;
  /** Enterprises the user belongs to or acts for (enterprise users and brokers only). */
  enterpriseIds: string[];
  /** The officer's port. */
  portId: string | null;
}

/** What the rules need to know of a record of an enterprise at a port (a declaration, a booking, a session). */
export interface Parties {
  enterpriseId: string;
  portId: string | null;
  /** The officer assigned, for bookings and sessions. */
  officerId?: string | null;
}

export const isEnterpriseSide = (p: Principal) => p.role === 'enterprise_user' || p.role === 'broker';

export function requireRole(p: Principal, ...allowed: Role[]): void {
  if (!allowed.includes(p.role)) throw forbidden(`This needs one of the roles: ${allowed.join(', ')}`);
}

/** May this principal read this record (and, for a session, its timeline, recordings, verdict and evidence)? */
export function mayRead(p: Principal, record: Parties): boolean {
  switch (p.role) {
    case 'supervisor':
    case 'admin':
      return true;
    case 'officer':
      return (record.officerId != null && record.officerId === p.userId) || (record.portId != null && record.portId === p.portId);
    case 'enterprise_user':
    case 'broker':
      return p.enterpriseIds.includes(record.enterpriseId);
  }
}

/** The SQL twin of `mayRead` over a table's columns: undefined when everything is readable. */
export function readableBy(p: Principal, columns: { enterpriseId: Column; portId: Column; officerId?: Column }): SQL | undefined {
  switch (p.role) {
    case 'supervisor':
    case 'admin':
      return undefined;
    case 'officer': {
      const assigned = columns.officerId ? eq(columns.officerId, p.userId) : undefined;
      const port = p.portId ? eq(columns.portId, p.portId) : undefined;
      return or(assigned, port) ?? sql`false`;
    }
    case 'enterprise_user':
    case 'broker':
      // inArray with an empty list is always false: a broker without delegations sees nothing.
      return inArray(columns.enterpriseId, p.enterpriseIds);
  }
}

/**
 * The SQL of "the port supervises the enterprise": it has a site or a declaration at the port. Either side may
 * be a column (`enterprises.id`, `notices.portId`) or a value.
 */
export const enterpriseAtPort = (enterpriseId: SQLWrapper | string, portId: SQLWrapper | string): SQL =>
  sql`(exists (select 1 from ${sites} where ${sites.enterpriseId} = ${enterpriseId} and ${sites.portId} = ${portId}) or exists (select 1 from ${declarations} where ${declarations.enterpriseId} = ${enterpriseId} and ${declarations.portId} = ${portId}))`;

/**
 * Who reads an enterprise's own record (its registration, rectifications, annual report): its side, the
 * officers of a port that supervises it, supervisors and administrators.
 */
export async function mayReadEnterprise(db: DbOrTx, p: Principal, enterpriseId: string): Promise<boolean> {
  if (isEnterpriseSide(p)) return p.enterpriseIds.includes(enterpriseId);
  if (p.role === 'supervisor' || p.role === 'admin') return true;
  if (p.role !== 'officer' || !p.portId) return false;
  const [atPort] = await db
    .select({ id: enterprises.id })
    .from(enterprises)
    .where(and(eq(enterprises.id, enterpriseId), enterpriseAtPort(enterprises.id, p.portId)));
  return atPort !== undefined;
}

/** Bookings (and the sessions they led to) readable by the principal, as SQL on the bookings table. */
export const readableBookings = (p: Principal) => readableBy(p, { enterpriseId: bookings.enterpriseId, portId: bookings.portId, officerId: bookings.officerId });

/** Enterprise-side write access: an enterprise user for its own enterprise, a broker by delegation. */
export function requireActsFor(p: Principal, enterpriseId: string): void {
  if (!isEnterpriseSide(p)) throw forbidden('Only the enterprise or its broker can do this');
  if (!p.enterpriseIds.includes(enterpriseId)) throw new AppError('forbidden', 'You do not act for this enterprise', { reason: 'not_acting_for_enterprise' });
}

/** The officer who handles a booking: the assigned one, or any officer of the port while nobody is assigned. */
export function mayHandleBooking(p: Principal, booking: Parties): boolean {
  if (p.role !== 'officer') return false;
  return booking.officerId ? booking.officerId === p.userId : booking.portId === p.portId;
}

/** As whom the principal takes part in a live session, or null: the enterprise side, the assigned officer, supervisors. */
export function sessionRoleOf(p: Principal, session: Parties): SessionRole | null {
  if (isEnterpriseSide(p) && p.enterpriseIds.includes(session.enterpriseId)) return 'enterprise';
  if (p.role === 'officer' && session.officerId === p.userId) return 'officer';
  if (p.role === 'supervisor') return 'supervisor';
  return null;
}

/** Conducts the session: gives commands, takes snapshots, runs loading batches, records the verdict. */
export const mayConductSession = (p: Principal, session: Parties) => p.role === 'officer' && session.officerId === p.userId;

/** Alarms are for the officers' side: the enterprise is not told. */
export const maySeeAlarms = (p: Principal, session: Parties) => !isEnterpriseSide(p) && mayRead(p, session);

/**
 * A supervised farm's alarms (outside any session): seen and reviewed by the officers of the farm's port and
 * by supervisors (and administrators); not by the enterprise, as in a session.
 */
export const mayReviewFarmAlarms = (p: Principal, site: { portId: string | null } | null) =>
  p.role === 'supervisor' || p.role === 'admin' || (p.role === 'officer' && site !== null && site.portId !== null && site.portId === p.portId);

/** The officer conducting the session, or a supervisor. */
export const mayAcknowledgeAlarms = (p: Principal, session: Parties | null) => p.role === 'supervisor' || (session !== null && mayConductSession(p, session));

export async function activeDelegations(db: DbOrTx, brokerId: string, now: Date): Promise<string[]> {
  const rows = await db
    .select({ enterpriseId: brokerDelegations.enterpriseId })
    .from(brokerDelegations)
    .where(and(eq(brokerDelegations.brokerId, brokerId), isNull(brokerDelegations.revokedAt), or(isNull(brokerDelegations.expiresAt), gt(brokerDelegations.expiresAt, now))));
  return rows.map((r) => r.enterpriseId);
}

/** The parties of a session (from its booking), or null when there is no such session. */
export async function sessionParties(db: DbOrTx, sessionId: string): Promise<Required<Parties> | null> {
  const [row] = await db
    .select({ enterpriseId: bookings.enterpriseId, portId: bookings.portId, officerId: bookings.officerId })
    .from(inspectionSessions)
    .innerJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
    .where(eq(inspectionSessions.id, sessionId));
  return row ?? null;
}

/** Throws not_found (not forbidden: that would say it exists) unless the principal may read the session. */
export async function assertMayReadSession(db: DbOrTx, p: Principal, sessionId: string): Promise<Required<Parties>> {
  const parties = await sessionParties(db, sessionId);
  if (!parties || !mayRead(p, parties)) throw notFound('Session');
  return parties;
}
