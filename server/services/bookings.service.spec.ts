import os from 'node:os';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, bookings } from '../db/schema.ts';
import { servicesWithWorld, type ServiceWorld } from '../../tests/support/services.ts';
import { testClock } from '../../tests/support/platform.ts';
import { PASSWORD, type UserKey, type World } from '../../tests/support/world.ts';
import { AppError } from '../errors.ts';
import type { Principal } from './access.ts';
import { verifyAuditChain } from './audit.service.ts';
import { transitions, type BookingView } from './bookings.service.ts';
import type { Services } from './index.ts';

const HOUR = 3_600_000;
const clock = testClock(new Date('2026-12-01T08:00:00Z'));
let database: ServiceWorld['database'];
let services: Services;
let world: World;
let principals: Record<UserKey, Principal>;

beforeAll(async () => {
  ({ database, services, world, principals } = await servicesWithWorld({ clock: clock.fn, dataDir: os.tmpdir() }));
});
afterAll(() => database.close());
beforeEach(() => clock.set(new Date('2026-12-01T08:00:00Z')));

const slot = (hoursFromNow: number, minutes = 60) => {
  const slotStart = new Date(clock.now().getTime() + hoursFromNow * HOUR);
  return { slotStart, slotEnd: new Date(slotStart.getTime() + minutes * 60_000) };
};

const request = (hoursFromNow = 24, who: UserKey = 'entA', declaration: 'a' | 'b' = 'a') =>
  services.bookings.request(principals[who], {
    declarationId: world.declarations[declaration],
    type: 'label_rectification',
    ...slot(hoursFromNow),
  });

async function expectError(promise: Promise<unknown>, code: string) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
}

async function statusOf(id: string) {
  const [row] = await database.db.select({ status: bookings.status }).from(bookings).where(eq(bookings.id, id));
  return row?.status;
}

describe('booking state machine', () => {
  it('runs request → confirm → start → complete, opening and closing a session', async () => {
    const booking = await request(2);
    expect(booking.status).toBe('requested');
    const confirmed = await services.bookings.confirm(principals.officer1, booking.id);
    expect(confirmed).toMatchObject({ status: 'confirmed', officerId: world.users.officer1.id, officerName: 'officer1' });
    clock.advance(2 * HOUR);
    const started = await services.bookings.start(principals.officer1, booking.id);
    expect(started.status).toBe('in_progress');
    expect(started.sessionId).toBeTruthy();
    const completed = await services.bookings.complete(principals.officer1, booking.id);
    expect(completed.status).toBe('completed');
  });

  it('lets an officer propose another slot that the enterprise (or its broker) accepts', async () => {
    const booking = await request(5);
    const proposed = await services.bookings.propose(principals.officer2, booking.id, { ...slot(30), reason: 'busy at 13:00' });
    expect(proposed).toMatchObject({ status: 'proposed', officerId: world.users.officer2.id, statusReason: 'busy at 13:00' });
    expect(proposed.slotStart).toBe(slot(30).slotStart.toISOString());
    const accepted = await services.bookings.accept(principals.brokerA, booking.id);
    expect(accepted.status).toBe('confirmed');
  });

  it.each([
    ['complete a booking that never started', 'complete', 'confirmed', 201],
    ['start a cancelled booking', 'start', 'cancelled', 202],
    ['accept a booking nobody proposed', 'accept', 'requested', 203],
    ['confirm a cancelled booking', 'confirm', 'cancelled', 204],
    ['cancel a completed booking', 'cancel', 'completed', 205],
  ] as const)('refuses to %s', async (_title, action, state, hoursAhead) => {
    const booking = await request(hoursAhead);
    const officer = principals.officer1;
    if (state !== 'requested') {
      await services.bookings.confirm(officer, booking.id);
      if (state === 'cancelled') await services.bookings.cancel(principals.entA, booking.id);
      if (state === 'completed') {
        clock.advance(hoursAhead * HOUR);
        await services.bookings.start(officer, booking.id);
        await services.bookings.complete(officer, booking.id);
      }
    }
    const before = await statusOf(booking.id);
    const run: Record<typeof action, () => Promise<BookingView>> = {
      complete: () => services.bookings.complete(officer, booking.id),
      start: () => services.bookings.start(officer, booking.id),
      accept: () => services.bookings.accept(principals.entA, booking.id),
      confirm: () => services.bookings.confirm(officer, booking.id),
      cancel: () => services.bookings.cancel(principals.entA, booking.id),
    };
    await expectError(run[action](), 'invalid_transition');
    expect(await statusOf(booking.id)).toBe(before);
    expect(transitions[action].from).not.toContain(before);
  });

  it('records a no-show only once the slot has started', async () => {
    const booking = await request(3);
    await services.bookings.confirm(principals.officer1, booking.id);
    await expectError(services.bookings.markNoShow(principals.officer1, booking.id), 'invalid_transition');
    clock.advance(3 * HOUR + 60_000);
    expect((await services.bookings.markNoShow(principals.officer1, booking.id)).status).toBe('no_show');
  });

  it('refuses slots in the past, too short, too long or too far ahead', async () => {
    const base = { declarationId: world.declarations.a, type: 'routine_supervision' as const };
    for (const s of [slot(-1), slot(1, 5), slot(1, 5 * 60), slot(24 * 100)]) {
      await expectError(services.bookings.request(principals.entA, { ...base, ...s }), 'slot_invalid');
    }
  });
});

describe('double-booking', () => {
  it('refuses to confirm an officer for an overlapping slot, but allows back-to-back slots', async () => {
    const first = await request(48);
    await services.bookings.confirm(principals.officer1, first.id);

    const overlapping = await services.bookings.request(principals.entB, {
      declarationId: world.declarations.b,
      type: 'routine_supervision',
      slotStart: new Date(Date.parse(first.slotStart) + 30 * 60_000),
      slotEnd: new Date(Date.parse(first.slotEnd) + 30 * 60_000),
    });
    await expectError(services.bookings.confirm(principals.officer1, overlapping.id), 'officer_double_booked');
    expect(await statusOf(overlapping.id)).toBe('requested');
    // Another officer of the port can take it.
    expect((await services.bookings.confirm(principals.officer2, overlapping.id)).status).toBe('confirmed');

    // Declaration A's (declaration B already has the overlapping booking then: one inspection of a declaration at a time).
    const backToBack = await services.bookings.request(principals.entA, {
      declarationId: world.declarations.a,
      type: 'routine_supervision',
      slotStart: new Date(first.slotEnd),
      slotEnd: new Date(Date.parse(first.slotEnd) + HOUR),
    });
    expect((await services.bookings.confirm(principals.officer1, backToBack.id)).status).toBe('confirmed');
  });

  it('refuses a proposal that would double-book the proposing officer', async () => {
    const held = await request(72);
    await services.bookings.confirm(principals.officer1, held.id);
    const other = await request(80);
    await expectError(services.bookings.propose(principals.officer1, other.id, { slotStart: new Date(held.slotStart), slotEnd: new Date(held.slotEnd) }), 'officer_double_booked');
  });

  it('lets only one of two concurrent confirmations of the same officer win', async () => {
    const one = await request(100);
    const two = await request(100, 'entB', 'b');
    const results = await Promise.allSettled([services.bookings.confirm(principals.officer2, one.id), services.bookings.confirm(principals.officer2, two.id)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as AppError).code).toBe('officer_double_booked');
  });
});

describe('access', () => {
  it("hides another enterprise's declaration and bookings", async () => {
    await expectError(request(6, 'entA', 'b'), 'not_found');
    const ofB = await request(7, 'entB', 'b');
    await expectError(services.bookings.get(principals.entA, ofB.id), 'not_found');
    await expectError(services.bookings.cancel(principals.entA, ofB.id), 'not_found');
    const listed = await services.bookings.list(principals.entA, { limit: 100, offset: 0 });
    expect(listed.items.every((b) => b.enterpriseId === world.enterprises.a)).toBe(true);
  });

  it('lets officers of another port neither see nor act on the booking', async () => {
    const booking = await request(9);
    await expectError(services.bookings.get(principals.officerOtherPort, booking.id), 'not_found');
    await expectError(services.bookings.confirm(principals.officerOtherPort, booking.id), 'not_found');
  });

  it('lets only the assigned officer start the session', async () => {
    const booking = await request(1);
    await services.bookings.confirm(principals.officer1, booking.id);
    clock.advance(HOUR);
    await expectError(services.bookings.start(principals.officer2, booking.id), 'forbidden');
    await expectError(services.bookings.start(principals.supervisor, booking.id), 'forbidden');
  });

  it("loses a broker's access when the delegation is revoked", async () => {
    const booking = await request(11, 'brokerA');
    await services.admin.revokeDelegation(principals.admin, { brokerId: world.users.brokerA.id, enterpriseId: world.enterprises.a });
    const fresh = (await services.auth.login('brokerA', PASSWORD)).principal;
    expect(fresh.enterpriseIds).toEqual([]);
    await expectError(services.bookings.get(fresh, booking.id), 'not_found');
    await services.admin.grantDelegation(principals.admin, { brokerId: world.users.brokerA.id, enterpriseId: world.enterprises.a });
  });
});

describe('declarations', () => {
  it('refuses a second declaration with the same number, also when two arrive together', async () => {
    const input = {
      number: '530120261000000777',
      enterpriseId: world.enterprises.a,
      portId: world.ports.main,
      goodsDescription: 'Frozen fish',
      declaredQuantity: 10,
      quantityUnit: 'carton',
      sealNumbers: [],
    };
    const results = await Promise.allSettled([services.declarations.create(principals.entA, input), services.declarations.create(principals.brokerA, input)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as AppError).code).toBe('conflict');
    await expectError(services.declarations.create(principals.entA, input), 'conflict');
  });
});

describe('audit trail', () => {
  it('records every booking change in a chain that verifies', async () => {
    const booking = await request(13);
    await services.bookings.confirm(principals.officer1, booking.id);
    const rows = await database.db.select().from(auditLog).where(eq(auditLog.entityId, booking.id));
    expect(rows.map((r) => r.action)).toEqual(['booking.request', 'booking.confirm']);
    expect(rows[1]!.details).toMatchObject({ from: 'requested', to: 'confirmed', officerId: world.users.officer1.id });
    const report = await verifyAuditChain(database.db);
    expect(report.ok).toBe(true);
    expect(report.checked).toBeGreaterThan(10);
  });

  it('detects a tampered row and names it, even when the append-only trigger was bypassed', async () => {
    const booking = await request(15);
    await request(16); // so the tampered entry is not the newest one
    const [row] = await database.db.select().from(auditLog).where(eq(auditLog.entityId, booking.id));
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
      await tx.execute(sql`update audit_log set details = jsonb_set(details, '{type}', '"pre_export_sampling"') where seq = ${row!.seq}`);
      await tx.execute(sql`alter table audit_log enable trigger audit_log_append_only`);
    });
    const report = await verifyAuditChain(database.db, 7);
    expect(report.ok).toBe(false);
    expect(report.firstBad).toMatchObject({ seq: row!.seq, problem: 'hash_mismatch', action: 'booking.request' });

    // Deleting the row instead breaks the link from the next entry.
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
      await tx.execute(sql`delete from audit_log where seq = ${row!.seq}`);
      await tx.execute(sql`alter table audit_log enable trigger audit_log_append_only`);
    });
    const afterDelete = await verifyAuditChain(database.db, 7);
    expect(afterDelete.firstBad?.problem).toBe('broken_link');
    expect(afterDelete.firstBad!.seq).toBeGreaterThan(row!.seq);
  });
});
