/**
 * Bookings of remote inspections: the enterprise (or its broker) requests a slot for one of its
 * declarations, an officer confirms it or proposes another, and the booking moves through the states
 * in `transitions` below. Every change is validated, audited in the same transaction and announced.
 */
import { normaliseCode } from '../../inference/index.ts';
import { aliasedTable, and, asc, count, eq, gt, gte, inArray, lt, lte, ne, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/database.ts';
import { bookings, declarations, enterprises, inspectionSessions, ports, users, type BookingStatus, type InspectionType } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { isEnterpriseSide, mayHandleBooking, mayRead, readableBookings, requireActsFor, requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import { announce, enterpriseUsers, portOfficers, storeNotifications, type Notified } from './recipients.ts';
import type { DomainEvents } from './domain-events.ts';
import type { BookingView } from '../contracts/records.ts';
import { localDay } from '../contracts/local-time.ts';

export const SLOT_MIN_MINUTES = 15;
export const SLOT_MAX_MINUTES = 4 * 60;
export const BOOKING_HORIZON_DAYS = 90;
/** An officer may open the session this long before the slot starts. */
export const EARLY_START_MINUTES = 30;

export type BookingAction = 'confirm' | 'propose' | 'accept' | 'cancel' | 'no_show' | 'start' | 'complete';

/** The booking state machine: from which states each action may be taken, and where it leads. */
export const transitions: Record<BookingAction, { from: readonly BookingStatus[]; to: BookingStatus }> = {
  confirm: { from: ['requested'], to: 'confirmed' },
  propose: { from: ['requested', 'proposed', 'confirmed'], to: 'proposed' },
  accept: { from: ['proposed'], to: 'confirmed' },
  cancel: { from: ['requested', 'proposed', 'confirmed'], to: 'cancelled' },
  no_show: { from: ['confirmed'], to: 'no_show' },
  start: { from: ['confirmed'], to: 'in_progress' },
  complete: { from: ['in_progress'], to: 'completed' },
};

/** Bookings that hold an officer's time. */
const OCCUPYING: BookingStatus[] = ['confirmed', 'in_progress'];

export type { BookingView };

export interface SlotInput {
  slotStart: Date;
  slotEnd: Date;
}

export interface BookingRequestInput extends SlotInput {
  declarationId: string;
  type: InspectionType;
  note?: string;
  vehiclePlate?: string;
}

export interface BookingListFilter {
  status?: BookingStatus[];
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

type BookingRow = typeof bookings.$inferSelect;

const officers = aliasedTable(users, 'officer');

export class BookingService {
  private readonly clock: () => Date;

  constructor(private readonly deps: { db: Db; events: DomainEvents; clock?: () => Date }) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async request(p: Principal, input: BookingRequestInput): Promise<BookingView> {
    const now = this.clock();
    if (!isEnterpriseSide(p)) throw forbidden('Only the enterprise or its broker can request an inspection');
    const [declaration] = await this.deps.db.select().from(declarations).where(eq(declarations.id, input.declarationId));
    // A declaration of another enterprise is reported as missing: its existence is not theirs to know.
    if (!declaration || !p.enterpriseIds.includes(declaration.enterpriseId)) throw notFound('Declaration');
    requireActsFor(p, declaration.enterpriseId);
    validateSlot(input, now);

    const created = await this.deps.db.transaction(async (tx) => {
      await assertDeclarationFree(tx, declaration.id, input, null);
      const [row] = await tx
        .insert(bookings)
        .values({
          declarationId: declaration.id,
          enterpriseId: declaration.enterpriseId,
          portId: declaration.portId,
          requestedBy: p.userId,
          type: input.type,
          slotStart: input.slotStart,
          slotEnd: input.slotEnd,
          note: input.note ?? '',
          vehiclePlate: input.vehiclePlate ? normaliseCode(input.vehiclePlate) : null,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: bookings.id });
      await appendAudit(
        tx,
        {
          actorId: p.userId,
          action: 'booking.request',
          entityType: 'booking',
          entityId: row!.id,
          details: { declarationId: declaration.id, type: input.type, slotStart: input.slotStart, slotEnd: input.slotEnd },
        },
        now,
      );
      return { id: row!.id, told: await this.tellParties(tx, row!.id, 'request', p, now) };
    });
    return this.announce(created.id, 'request', p, created.told);
  }

  async list(p: Principal, filter: BookingListFilter): Promise<{ items: BookingView[]; total: number }> {
    const where = and(this.visibleTo(p), ...this.filterConditions(filter));
    const [totalRow] = await this.deps.db.select({ n: count() }).from(bookings).where(where);
    const rows = await this.selectViews(this.deps.db, where, { limit: filter.limit, offset: filter.offset });
    return { items: rows, total: totalRow?.n ?? 0 };
  }

  async get(p: Principal, id: string): Promise<BookingView> {
    const [view] = await this.selectViews(this.deps.db, eq(bookings.id, id), { limit: 1, offset: 0 });
    if (!view || !mayRead(p, view)) throw notFound('Booking');
    return view;
  }

  /** An officer of the booking's port takes the requested slot. */
  confirm(p: Principal, id: string): Promise<BookingView> {
    return this.change(
      p,
      id,
      'confirm',
      (b) => this.requireOfficerFor(p, b),
      async (tx, booking, now) => {
        if (booking.slotStart <= now) {
          throw new AppError('slot_invalid', 'The requested slot has already started; propose another slot', { reason: 'slot_started' });
        }
        await assertOfficerFree(tx, p.userId, booking, booking.id);
        return { officerId: p.userId };
      },
    );
  }

  /** An officer offers another slot; the enterprise accepts it (or cancels). */
  propose(p: Principal, id: string, slot: SlotInput & { reason?: string }): Promise<BookingView> {
    return this.change(
      p,
      id,
      'propose',
      (b) => this.requireOfficerFor(p, b),
      async (tx, booking, now) => {
        validateSlot(slot, now);
        await assertOfficerFree(tx, p.userId, slot, booking.id);
        await assertDeclarationFree(tx, booking.declarationId, slot, booking.id);
        return { officerId: p.userId, slotStart: slot.slotStart, slotEnd: slot.slotEnd, statusReason: slot.reason ?? '' };
      },
    );
  }

  /** The enterprise accepts the slot an officer proposed. */
  accept(p: Principal, id: string): Promise<BookingView> {
    return this.change(
      p,
      id,
      'accept',
      (b) => requireActsFor(p, b.enterpriseId),
      async (tx, booking, now) => {
        if (booking.slotStart <= now) throw new AppError('slot_invalid', 'The proposed slot has already started', { reason: 'slot_started' });
        // The proposing officer may have been booked for the same time since.
        if (booking.officerId) await assertOfficerFree(tx, booking.officerId, booking, booking.id);
        return {};
      },
    );
  }

  cancel(p: Principal, id: string, reason = ''): Promise<BookingView> {
    const authorize = (b: BookingRow) => (isEnterpriseSide(p) ? requireActsFor(p, b.enterpriseId) : this.requireOfficerFor(p, b));
    return this.change(p, id, 'cancel', authorize, async () => ({ statusReason: reason }));
  }

  /** The assigned officer records that the enterprise did not join. Only once the slot has started. */
  markNoShow(p: Principal, id: string): Promise<BookingView> {
    return this.change(
      p,
      id,
      'no_show',
      (b) => this.requireAssignedOfficer(p, b),
      async (_tx, booking, now) => {
        if (now < booking.slotStart) {
          throw new AppError('invalid_transition', 'A no-show can only be recorded once the slot has started', { reason: 'no_show_before_slot' });
        }
        return {};
      },
    );
  }

  /** The assigned officer opens the live inspection session. */
  start(p: Principal, id: string): Promise<BookingView> {
    return this.change(
      p,
      id,
      'start',
      (b) => this.requireAssignedOfficer(p, b),
      async (tx, booking, now) => {
        if (now.getTime() < booking.slotStart.getTime() - EARLY_START_MINUTES * 60_000) {
          throw new AppError('invalid_transition', `The session can be opened at most ${EARLY_START_MINUTES} minutes before the slot`, {
            reason: 'too_early_to_start',
            params: { minutes: EARLY_START_MINUTES },
          });
        }
        if (now > booking.slotEnd) throw new AppError('invalid_transition', 'The slot is over; propose another slot', { reason: 'slot_over' });
        await tx.insert(inspectionSessions).values({ bookingId: booking.id, startedAt: now });
        return {};
      },
    );
  }

  /** Closes the session of a booking in progress (normally when the verdict is recorded). */
  complete(p: Principal, id: string): Promise<BookingView> {
    return this.change(
      p,
      id,
      'complete',
      (b) => this.requireAssignedOfficer(p, b),
      async (tx, booking, now) => {
        await tx.update(inspectionSessions).set({ status: 'closed', endedAt: now }).where(eq(inspectionSessions.bookingId, booking.id));
        return {};
      },
    );
  }

  /**
   * One state change: lock the row; check, in this order, that the caller may see it (404), may act on it
   * (403) and that the transition is allowed (409); let `apply` check the rest and return the columns to
   * change; write and audit in the same transaction; then announce.
   */
  private async change(
    p: Principal,
    id: string,
    action: BookingAction,
    authorize: (booking: BookingRow) => void,
    apply: (tx: DbOrTx, booking: BookingRow, now: Date) => Promise<Partial<BookingRow>> = async () => ({}),
  ): Promise<BookingView> {
    const now = this.clock();
    const told = await this.deps.db.transaction(async (tx) => {
      const [booking] = await tx.select().from(bookings).where(eq(bookings.id, id)).for('update');
      if (!booking || !mayRead(p, booking)) throw notFound('Booking');
      authorize(booking);
      const rule = transitions[action];
      if (!rule.from.includes(booking.status)) {
        throw new AppError('invalid_transition', `Cannot ${action.replace('_', '-')} a booking that is ${booking.status}`, {
          reason: 'transition_not_allowed',
          params: { status: booking.status },
          details: { status: booking.status, allowedFrom: rule.from },
        });
      }
      const changes = await apply(tx, booking, now);
      await tx
        .update(bookings)
        .set({ ...changes, status: rule.to, updatedAt: now })
        .where(eq(bookings.id, id));
      await appendAudit(
        tx,
        {
          actorId: p.userId,
          action: `booking.${action}`,
          entityType: 'booking',
          entityId: id,
          details: { from: booking.status, to: rule.to, ...changes },
        },
        now,
      );
      return this.tellParties(tx, id, action, p, now);
    });
    return this.announce(id, action, p, told);
  }

  private async announce(id: string, action: string, p: Principal, told: Notified | null = null): Promise<BookingView> {
    const [view] = await this.selectViews(this.deps.db, eq(bookings.id, id), { limit: 1, offset: 0 });
    this.deps.events.emit('booking.changed', { booking: view!, action, actorId: p.userId });
    announce(this.deps.events, told);
    return view!;
  }

  /**
   * The other side hears of a request, a confirmation, another time proposed or a cancellation (in the
   * change's transaction): the port's officers (or the booking's officer) of what the enterprise did, the
   * enterprise's users of what customs did.
   */
  private async tellParties(tx: DbOrTx, id: string, action: BookingAction | 'request', p: Principal, now: Date): Promise<Notified | null> {
    const kinds = {
      request: 'booking.requested',
      confirm: 'booking.confirmed',
      accept: 'booking.confirmed',
      propose: 'booking.proposed',
      cancel: 'booking.cancelled',
      start: 'session.starting',
    } as const;
    const kind = kinds[action as keyof typeof kinds];
    if (!kind) return null;
    const [b] = await tx
      .select({ booking: bookings, declarationNumber: declarations.number, enterpriseName: enterprises.name })
      .from(bookings)
      .innerJoin(declarations, eq(declarations.id, bookings.declarationId))
      .innerJoin(enterprises, eq(enterprises.id, bookings.enterpriseId))
      .where(eq(bookings.id, id));
    if (!b) return null;
    const userIds = isEnterpriseSide(p) ? (b.booking.officerId ? [b.booking.officerId] : await portOfficers(tx, b.booking.portId)) : await enterpriseUsers(tx, b.booking.enterpriseId);
    const [session] = action === 'start' ? await tx.select({ id: inspectionSessions.id }).from(inspectionSessions).where(eq(inspectionSessions.bookingId, id)) : [];
    const payload = {
      bookingId: id,
      declarationNumber: b.declarationNumber,
      enterpriseName: b.enterpriseName,
      slotStart: b.booking.slotStart.toISOString(),
      type: b.booking.type,
      ...(session ? { sessionId: session.id } : {}),
    };
    await storeNotifications(tx, userIds, kind, payload, now);
    return { userIds, kind, payload };
  }

  /**
   * A reminder of a confirmed booking is due: stored as a notification of its enterprise's active users and
   * its officer. Null when the booking is no longer confirmed for that slot (the reminder is stale).
   */
  async recordReminder(bookingId: string, slotStart: string): Promise<{ recipients: string[]; payload: { bookingId: string; slotStart: string; type: InspectionType } } | null> {
    const { db } = this.deps;
    const [booking] = await db.select().from(bookings).where(eq(bookings.id, bookingId));
    if (!booking || booking.status !== 'confirmed' || booking.slotStart.toISOString() !== slotStart) return null;
    const recipients = [...(await enterpriseUsers(db, booking.enterpriseId)), ...(booking.officerId ? [booking.officerId] : [])];
    const payload = { bookingId: booking.id, slotStart: booking.slotStart.toISOString(), type: booking.type };
    await storeNotifications(db, recipients, 'booking.reminder', payload);
    return { recipients, payload };
  }

  /** The assigned officer, or any officer of the port while nobody is assigned. */
  private requireOfficerFor(p: Principal, booking: BookingRow): void {
    requireRole(p, 'officer');
    if (!mayHandleBooking(p, booking)) throw forbidden('This booking belongs to another officer or port');
  }

  private requireAssignedOfficer(p: Principal, booking: BookingRow): void {
    requireRole(p, 'officer');
    if (booking.officerId !== p.userId) throw forbidden('Only the assigned officer can do this');
  }

  private visibleTo(p: Principal): SQL | undefined {
    return readableBookings(p);
  }

  private filterConditions(filter: BookingListFilter): SQL[] {
    const conditions: SQL[] = [];
    if (filter.status?.length) conditions.push(inArray(bookings.status, filter.status));
    if (filter.from) conditions.push(gte(bookings.slotEnd, filter.from));
    if (filter.to) conditions.push(lte(bookings.slotStart, filter.to));
    return conditions;
  }

  private async selectViews(db: DbOrTx, where: SQL | undefined, page: { limit: number; offset: number }): Promise<BookingView[]> {
    const rows = await db
      .select({
        booking: bookings,
        declarationNumber: declarations.number,
        enterpriseName: enterprises.name,
        officerName: officers.displayName,
        sessionId: inspectionSessions.id,
      })
      .from(bookings)
      .innerJoin(declarations, eq(declarations.id, bookings.declarationId))
      .innerJoin(enterprises, eq(enterprises.id, bookings.enterpriseId))
      .leftJoin(officers, eq(officers.id, bookings.officerId))
      .leftJoin(inspectionSessions, eq(inspectionSessions.bookingId, bookings.id))
      .where(where)
      .orderBy(asc(bookings.slotStart), asc(bookings.id))
      .limit(page.limit)
      .offset(page.offset);
    return rows.map(({ booking: b, ...joined }) => ({
      id: b.id,
      declarationId: b.declarationId,
      declarationNumber: joined.declarationNumber,
      enterpriseId: b.enterpriseId,
      enterpriseName: joined.enterpriseName,
      portId: b.portId,
      type: b.type,
      status: b.status,
      slotStart: b.slotStart.toISOString(),
      slotEnd: b.slotEnd.toISOString(),
      officerId: b.officerId,
      officerName: joined.officerName,
      requestedBy: b.requestedBy,
      note: b.note,
      statusReason: b.statusReason,
      vehiclePlate: b.vehiclePlate,
      sessionId: joined.sessionId,
      createdAt: b.createdAt.toISOString(),
      updatedAt: b.updatedAt.toISOString(),
    }));
  }
}

export function validateSlot(slot: SlotInput, now: Date): void {
  const minutes = (slot.slotEnd.getTime() - slot.slotStart.getTime()) / 60_000;
  if (!(minutes >= SLOT_MIN_MINUTES && minutes <= SLOT_MAX_MINUTES)) {
    throw new AppError('slot_invalid', `A slot lasts between ${SLOT_MIN_MINUTES} and ${SLOT_MAX_MINUTES} minutes`, { reason: 'slot_length', params: { min: SLOT_MIN_MINUTES, max: SLOT_MAX_MINUTES } });
  }
  if (slot.slotStart <= now) throw new AppError('slot_invalid', 'The slot must start in the future', { reason: 'slot_in_past' });
  if (slot.slotStart.getTime() - now.getTime() > BOOKING_HORIZON_DAYS * 86_400_000) {
    throw new AppError('slot_invalid', `Slots can be booked at most ${BOOKING_HORIZON_DAYS} days ahead`, { reason: 'slot_too_far', params: { days: BOOKING_HORIZON_DAYS } });
  }
}

/**
 * Fails when the officer already holds another booking overlapping the slot. Locks the officer's user
 * row first so two concurrent confirmations for the same officer are serialised.
 */
/** Bookings still to happen or happening. */
const ACTIVE: BookingStatus[] = ['requested', 'proposed', 'confirmed', 'in_progress'];

/**
 * A declaration is inspected within its validity (the last day, the port's) and one inspection at a time:
 * a second booking over the same time is a mistake (a double tap, two brokers).
 */
async function assertDeclarationFree(tx: DbOrTx, declarationId: string, slot: SlotInput, exceptBookingId: string | null): Promise<void> {
  // Serialises requests for the same declaration, so two arriving together cannot both pass.
  const [declaration] = await tx
    .select({ validUntil: declarations.validUntil, timeZone: ports.timeZone })
    .from(declarations)
    .innerJoin(ports, eq(ports.id, declarations.portId))
    .where(eq(declarations.id, declarationId))
    .for('update', { of: declarations });
  if (declaration?.validUntil && localDay(new Date(slot.slotStart), declaration.timeZone) > declaration.validUntil)
    throw new AppError('validation_failed', `The declaration is valid until ${declaration.validUntil}`, { reason: 'declaration_expired', params: { day: declaration.validUntil } });
  const [clash] = await tx
    .select({ id: bookings.id })
    .from(bookings)
    .where(
      and(
        eq(bookings.declarationId, declarationId),
        inArray(bookings.status, ACTIVE),
        exceptBookingId ? ne(bookings.id, exceptBookingId) : undefined,
        lt(bookings.slotStart, slot.slotEnd),
        gt(bookings.slotEnd, slot.slotStart),
      ),
    )
    .limit(1);
  if (clash) throw new AppError('conflict', 'This declaration already has an inspection booked at that time', { reason: 'declaration_already_booked', details: { bookingId: clash.id } });
}

async function assertOfficerFree(tx: DbOrTx, officerId: string, slot: SlotInput, exceptBookingId: string): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, officerId)).for('update');
  const [clash] = await tx
    .select({ id: bookings.id, slotStart: bookings.slotStart, slotEnd: bookings.slotEnd })
    .from(bookings)
    .where(and(eq(bookings.officerId, officerId), inArray(bookings.status, OCCUPYING), ne(bookings.id, exceptBookingId), lt(bookings.slotStart, slot.slotEnd), gt(bookings.slotEnd, slot.slotStart)))
    .limit(1);
  if (clash) {
    throw new AppError('officer_double_booked', 'The officer already has an inspection at that time', {
      details: { bookingId: clash.id, slotStart: clash.slotStart.toISOString(), slotEnd: clash.slotEnd.toISOString() },
    });
  }
}
