/**
 * The role matrix: every role against every booking route over real HTTP. A refused call answers
 * 403 (role never allowed) or 404 (not theirs to see) and changes nothing, not even the audit trail.
 */
import { and, count, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, bookings, inspectionSessions, sessionSeals } from '../server/db/schema.ts';
import type { Platform } from '../server/platform.ts';
import type { Principal } from '../server/services/access.ts';
import { HttpClient, startTestPlatform, testClock } from './support/platform.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, PASSWORD, type UserKey, type World } from './support/world.ts';

const HOUR = 3_600_000;
const BASE = new Date('2026-12-01T08:00:00Z');
const clock = testClock(BASE);
let platform: Platform;
let world: World;
const clients = {} as Record<UserKey, HttpClient>;
const principals = {} as Record<UserKey, Principal>;
const ROLES: UserKey[] = ['entA', 'brokerA', 'entB', 'officer1', 'officer2', 'officerOtherPort', 'supervisor', 'admin'];

beforeAll(async () => {
  // The test clock jumps days ahead to reach booked slots; logins must outlive that.
  platform = await startTestPlatform({ clock: clock.fn, env: { SESSION_TTL_HOURS: '720' } });
  world = await createWorld(platform.services);
  for (const key of ROLES) {
    clients[key] = new HttpClient(platform.url);
    principals[key] = (await clients[key].login(key, PASSWORD)).body as Principal;
  }
});
afterAll(() => platform?.stop());

type Stage = 'requested' | 'proposed' | 'confirmed' | 'started_slot' | 'in_progress';
let nextSlot = 0;

/** A booking of enterprise A in the given stage, its slot distinct from every other one. */
async function bookingIn(stage: Stage): Promise<string> {
  clock.set(BASE);
  const b = platform.services.bookings;
  const slotStart = new Date(BASE.getTime() + (10 + 2 * nextSlot++) * HOUR);
  const booking = await b.request(principals.entA, {
    declarationId: world.declarations.a,
    type: 'destination_inspection',
    slotStart,
    slotEnd: new Date(slotStart.getTime() + HOUR),
  });
  if (stage === 'proposed') {
    await b.propose(principals.officer1, booking.id, { slotStart: new Date(slotStart.getTime() + HOUR / 2), slotEnd: new Date(slotStart.getTime() + 1.5 * HOUR) });
  }
  if (stage === 'confirmed' || stage === 'started_slot' || stage === 'in_progress') await b.confirm(principals.officer1, booking.id);
  if (stage === 'started_slot' || stage === 'in_progress') clock.set(new Date(slotStart.getTime() + 60_000));
  if (stage === 'in_progress') await b.start(principals.officer1, booking.id);
  return booking.id;
}

/**
 * A completed booking's session is sealed in the background after the response (an audit entry of its
 * own); wait for that so it does not land inside another call's before/after comparison.
 */
async function backgroundSealsDone() {
  await waitFor(async () => {
    const [open] = await platform.database.db
      .select({ n: count() })
      .from(inspectionSessions)
      .leftJoin(sessionSeals, eq(sessionSeals.sessionId, inspectionSessions.id))
      .where(and(eq(inspectionSessions.status, 'closed'), isNull(sessionSeals.sessionId)));
    return open!.n === 0;
  }, 'the sealing of closed sessions');
}

async function snapshot(id: string) {
  await backgroundSealsDone();
  const [row] = await platform.database.db.select().from(bookings).where(eq(bookings.id, id));
  const [audit] = await platform.database.db.select({ n: count() }).from(auditLog);
  return { row, auditEntries: audit!.n };
}

type Expect = Record<UserKey, number>;
const officerOnly = (officer2: number): Expect => ({
  entA: 403,
  brokerA: 403,
  entB: 403,
  officer1: 200,
  officer2,
  officerOtherPort: 404,
  supervisor: 403,
  admin: 403,
});

const matrix: Array<{ route: string; stage: Stage; body?: () => unknown; expect: Expect }> = [
  { route: 'confirm', stage: 'requested', expect: officerOnly(200) },
  {
    route: 'propose',
    stage: 'requested',
    // A slot of its own each time: two bookings of one declaration may not overlap.
    body: () => {
      const start = clock.now().getTime() + (500 + 2 * nextSlot++) * HOUR;
      return { slotStart: new Date(start).toISOString(), slotEnd: new Date(start + HOUR).toISOString() };
    },
    expect: officerOnly(200),
  },
  {
    route: 'accept',
    stage: 'proposed',
    expect: { entA: 200, brokerA: 200, entB: 404, officer1: 403, officer2: 403, officerOtherPort: 403, supervisor: 403, admin: 403 },
  },
  {
    route: 'cancel',
    stage: 'requested',
    expect: { entA: 200, brokerA: 200, entB: 404, officer1: 200, officer2: 200, officerOtherPort: 404, supervisor: 403, admin: 403 },
  },
  { route: 'no-show', stage: 'started_slot', expect: officerOnly(403) },
  { route: 'start', stage: 'started_slot', expect: officerOnly(403) },
  { route: 'complete', stage: 'in_progress', expect: officerOnly(403) },
];

describe.each(matrix)('POST /api/bookings/:id/$route', ({ route, stage, body, expect: expected }) => {
  it.each(ROLES)('as %s', async (role) => {
    const id = await bookingIn(stage);
    const before = await snapshot(id);
    const res = await clients[role].post(`/api/bookings/${id}/${route}`, body?.() ?? {});
    expect(res.status, JSON.stringify(res.body)).toBe(expected[role]);
    if (res.status === 200) {
      expect(res.body.id).toBe(id);
    } else {
      expect(res.body.error.code).toBe(res.status === 403 ? 'forbidden' : 'not_found');
      expect(await snapshot(id)).toEqual(before);
    }
  });
});

describe('GET /api/bookings/:id', () => {
  const expected: Expect = { entA: 200, brokerA: 200, entB: 404, officer1: 200, officer2: 200, officerOtherPort: 404, supervisor: 200, admin: 200 };
  it.each(ROLES)('as %s', async (role) => {
    const id = await bookingIn('confirmed');
    const res = await clients[role].get(`/api/bookings/${id}`);
    expect(res.status).toBe(expected[role]);
  });
});

describe('POST /api/bookings', () => {
  const expected: Expect = { entA: 201, brokerA: 201, entB: 404, officer1: 403, officer2: 403, officerOtherPort: 403, supervisor: 403, admin: 403 };
  it.each(ROLES)("for enterprise A's declaration, as %s", async (role) => {
    clock.set(BASE);
    const [before] = await platform.database.db.select({ n: count() }).from(bookings);
    const slotStart = new Date(BASE.getTime() + (1000 + nextSlot++) * HOUR);
    const res = await clients[role].post('/api/bookings', {
      declarationId: world.declarations.a,
      type: 'label_rectification',
      slotStart: slotStart.toISOString(),
      slotEnd: new Date(slotStart.getTime() + HOUR).toISOString(),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(expected[role]);
    const [after] = await platform.database.db.select({ n: count() }).from(bookings);
    expect(after!.n - before!.n).toBe(res.status === 201 ? 1 : 0);
    if (res.status === 201) expect(res.body).toMatchObject({ status: 'requested', enterpriseId: world.enterprises.a, requestedBy: principals[role].userId });
  });
});

describe('GET /api/bookings', () => {
  it('lists for each role exactly the bookings it may see', async () => {
    await bookingIn('requested');
    const all = (await clients.supervisor.get('/api/bookings?limit=100')).body;
    expect(all.total).toBeGreaterThan(0);
    for (const role of ROLES) {
      const res = await clients[role].get('/api/bookings?limit=100');
      expect(res.status).toBe(200);
      const ids = new Set(res.body.items.map((b: { id: string }) => b.id));
      const visible = all.items.filter((b: { enterpriseId: string; portId: string; officerId: string | null }) => {
        if (role === 'entA' || role === 'brokerA') return b.enterpriseId === world.enterprises.a;
        if (role === 'entB') return b.enterpriseId === world.enterprises.b;
        if (role === 'officerOtherPort') return b.portId === world.ports.other;
        return true; // officers of the main port, supervisors and admins see them all here
      });
      expect(res.body.total, role).toBe(visible.length);
      expect(ids.size, role).toBe(Math.min(visible.length, 100));
    }
  });

  it('filters by status and pages', async () => {
    const res = await clients.supervisor.get('/api/bookings?status=requested,proposed&limit=2&offset=1');
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(2);
    expect(res.body.items.every((b: { status: string }) => ['requested', 'proposed'].includes(b.status))).toBe(true);
  });
});
