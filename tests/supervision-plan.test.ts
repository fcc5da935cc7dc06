/**
 * The supervision plan by risk class through the real platform: the administrator sets the frequencies and
 * the port's calendar (bad settings refused, nothing changed); the plan spreads the port's enterprises'
 * routine supervisions over its officers around their bookings, in working hours of the port's zone; a risk
 * class changed by the administrator (audited) changes the enterprise's plan.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDay } from '../server/contracts/local-time.ts';
import { DEFAULT_CALENDAR, DEFAULT_FREQUENCIES } from '../server/contracts/supervision-plan.ts';
import { auditLog } from '../server/db/schema.ts';
import { loggedInClients, startTestPlatform, type TestPlatform } from './support/platform.ts';
import { createWorld, PASSWORD, type UserKey, type World } from './support/world.ts';

let platform: TestPlatform;
let world: World;
const clients = loggedInClients(() => platform.url, PASSWORD);
const as = (key: UserKey) => clients.as(key);

beforeAll(async () => {
  platform = await startTestPlatform();
  world = await createWorld(platform.services);
}, 60_000);
afterAll(async () => {
  await platform?.stop();
});

const settings = { frequencies: DEFAULT_FREQUENCIES, calendar: { ...DEFAULT_CALENDAR, dayStart: '08:30', dayEnd: '12:30', perOfficerDay: 2 } };

describe('the supervision plan', () => {
  it('takes settings from the administrator only, and refuses bad ones changing nothing', async () => {
    const admin = await as('admin');
    const url = `/api/admin/ports/${world.ports.main}/plan-settings`;
    expect((await (await as('officer1')).request('PUT', url, settings)).status).toBe(403);
    expect((await admin.request('PUT', url, { ...settings, calendar: { ...settings.calendar, dayEnd: '08:00' } })).status).toBe(400);
    expect((await admin.request('PUT', url, { ...settings, frequencies: { ...settings.frequencies, D: { ...DEFAULT_FREQUENCIES.D, remoteEveryDays: 0 } } })).status).toBe(400);
    expect((await (await as('officer1')).get(`/api/ports/${world.ports.main}/plan-settings`)).body.calendar.dayStart).toBe('09:00');
    expect((await admin.request('PUT', url, settings)).status).toBe(200);
    expect((await (await as('officer1')).get(`/api/ports/${world.ports.main}/plan-settings`)).body.calendar).toMatchObject({ dayStart: '08:30', perOfficerDay: 2 });
    expect((await (await as('officerOtherPort')).get(`/api/ports/${world.ports.main}/plan-settings`)).status).toBe(404);
    expect((await (await as('entA')).get(`/api/ports/${world.ports.main}/plan`)).status).toBe(403);
  });

  it('plans the port enterprises over its officers in working hours, and follows a changed risk class', async () => {
    const today = localDay(new Date(), 'Asia/Shanghai');
    const url = `/api/ports/${world.ports.main}/plan?from=${today}&to=${addDays(today, 27)}`;
    const before = (await (await as('officer1')).get(url)).body;
    // Both enterprises have a declaration at the port: A is class B (every 14 days), B class C (every 7).
    const count = (plan: { visits: Array<{ enterpriseId: string }> }, id: string) => plan.visits.filter((v) => v.enterpriseId === id).length;
    expect(count(before, world.enterprises.a)).toBe(2);
    expect(count(before, world.enterprises.b)).toBe(4);
    for (const v of before.visits) {
      const time = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(v.slotStart));
      expect(time >= '08:30' && time <= '11:30').toBe(true);
    }
    expect(new Set(before.visits.map((v: { officerName: string }) => v.officerName))).toEqual(new Set(['officer1', 'officer2']));

    const admin = (await platform.services.auth.login('admin', PASSWORD)).principal;
    await platform.services.admin.setRiskClass(admin, world.enterprises.a, 'D');
    const after = (await (await as('officer1')).get(url)).body;
    expect(count(after, world.enterprises.a)).toBeGreaterThanOrEqual(9);
    const audited = await platform.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'enterprise.risk_class'), eq(auditLog.entityId, world.enterprises.a)));
    expect(audited).toHaveLength(1);
    expect((await (await as('officer1')).get(`/api/ports/${world.ports.main}/plan?from=${today}&to=${addDays(today, 40)}`)).body.error.reason).toBe('range_too_long');
  });
});
