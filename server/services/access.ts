/**
 * Who may see what. Every service method starts from a Principal and asks these helpers; no HTTP here.
 *  - enterprise users see their own enterprise; brokers the enterprises that delegated to them
 *  - officers see what belongs to their port or is assigned to them
 *  - supervisors read everything; administrators manage everything
 */
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { DbOrTx } from '../db/database.ts';
import { bookings, brokerDelegations, inspectionSessions, type Role } from '../db/schema.ts';
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

export const isEnterpriseSide = (p: Principal) => p.role === 'enterprise_user' || p.role === 'broker';

export function requireRole(p: Principal, ...allowed: Role[]): void {
  if (!allowed.includes(p.role)) throw forbidden(`This needs one of the roles: ${allowed.join(', ')}`);
}

/** May this principal read records of this enterprise at this port? */
export function canReadEnterpriseRecord(
  p: Principal,
  record: { enterpriseId: string; portId?: string | null; officerId?: string | null },
): boolean {
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

/** Enterprise-side write access: an enterprise user for its own enterprise, a broker by delegation. */
export function requireActsFor(p: Principal, enterpriseId: string): void {
  if (!isEnterpriseSide(p)) throw forbidden('Only the enterprise or its broker can do this');
  if (!p.enterpriseIds.includes(enterpriseId)) throw new AppError('forbidden', 'You do not act for this enterprise');
}

export async function activeDelegations(db: DbOrTx, brokerId: string, now: Date): Promise<string[]> {
  const rows = await db
    .select({ enterpriseId: brokerDelegations.enterpriseId })
    .from(brokerDelegations)
    .where(
      and(
        eq(brokerDelegations.brokerId, brokerId),
        isNull(brokerDelegations.revokedAt),
        or(isNull(brokerDelegations.expiresAt), gt(brokerDelegations.expiresAt, now)),
      ),
    );
  return rows.map((r) => r.enterpriseId);
}

/** A session's records (timeline, recordings, verdict, evidence): its participants and supervisors. */
export function canReadSession(p: Principal, booking: { officerId: string | null; enterpriseId: string }): boolean {
  return (
    p.role === 'supervisor' ||
    p.role === 'admin' ||
    (p.role === 'officer' && booking.officerId === p.userId) ||
    (isEnterpriseSide(p) && p.enterpriseIds.includes(booking.enterpriseId))
  );
}

/** Throws not_found unless the principal may read the session's records (see canReadSession). */
export async function assertMayReadSession(db: DbOrTx, p: Principal, sessionId: string): Promise<void> {
  const [row] = await db
    .select({ officerId: bookings.officerId, enterpriseId: bookings.enterpriseId })
    .from(inspectionSessions)
    .innerJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
    .where(eq(inspectionSessions.id, sessionId));
  if (!row || !canReadSession(p, row)) throw notFound('Session');
}
