/**
 * A small world for tests: two ports, two enterprises, one user of each role (and a second officer at
 * the same port, a third at another), one broker acting for enterprise A, one declaration per enterprise.
 */
import type { InspectionType, Role } from '../../server/db/schema.ts';
import type { Principal } from '../../server/services/access.ts';
import type { Services } from '../../server/services/index.ts';

export const PASSWORD = 'correct horse battery';

export type UserKey = 'entA' | 'entB' | 'brokerA' | 'officer1' | 'officer2' | 'officerOtherPort' | 'supervisor' | 'admin';

export interface World {
  ports: { main: string; other: string };
  enterprises: { a: string; b: string };
  users: Record<UserKey, { id: string; username: string; role: Role }>;
  declarations: { a: string; b: string };
}

export async function createWorld(services: Services): Promise<World> {
  const { admin, declarations } = services;
  const main = await admin.createPort(null, { code: 'P1', name: 'Huangpu Port' });
  const other = await admin.createPort(null, { code: 'P2', name: 'Shekou Port' });
  const a = await admin.createEnterprise(null, { name: 'Alpha Foods', customsCode: '4401100001', riskClass: 'B' });
  const b = await admin.createEnterprise(null, { name: 'Beta Farms', customsCode: '4401100002', riskClass: 'C' });

  const specs: Record<UserKey, { role: Role; enterpriseId?: string; portId?: string }> = {
    entA: { role: 'enterprise_user', enterpriseId: a.id },
    entB: { role: 'enterprise_user', enterpriseId: b.id },
    brokerA: { role: 'broker' },
    officer1: { role: 'officer', portId: main.id },
    officer2: { role: 'officer', portId: main.id },
    officerOtherPort: { role: 'officer', portId: other.id },
    supervisor: { role: 'supervisor' },
    admin: { role: 'admin' },
  };
  const users = {} as World['users'];
  await Promise.all(
    (Object.keys(specs) as UserKey[]).map(async (key) => {
      const spec = specs[key];
      const user = await admin.createUser(null, { username: key, displayName: key, password: PASSWORD, ...spec });
      users[key] = { id: user.id, username: user.username, role: user.role };
    }),
  );
  await admin.grantDelegation(null, { brokerId: users.brokerA.id, enterpriseId: a.id });

  const adminPrincipal = await services.auth.login(users.admin.username, PASSWORD).then((r) => r.principal);
  const declA = await declarations.create(adminPrincipal, {
    number: '530120261000000001',
    enterpriseId: a.id,
    portId: main.id,
    goodsDescription: 'Frozen dumplings, pre-packaged',
    declaredQuantity: 1200,
    quantityUnit: 'carton',
    sealNumbers: ['cn 1234567'],
  });
  const declB = await declarations.create(adminPrincipal, {
    number: '530120261000000002',
    enterpriseId: b.id,
    portId: main.id,
    goodsDescription: 'Live pigs for Hong Kong',
    declaredQuantity: 40,
    quantityUnit: 'head',
    sealNumbers: ['SL8472913'],
  });
  return { ports: { main: main.id, other: other.id }, enterprises: { a: a.id, b: b.id }, users, declarations: { a: declA.id, b: declB.id } };
}

/**
 * Enterprise A books an inspection of a declaration (by default one at its port, created here), officer1
 * confirms and starts it: the live session the media and archive tests work on.
 */
/** Who `startLiveInspection` acts as: enterprise A's user, the officer who confirms and conducts it, the administrator. */
export async function inspectionActors(services: Services, officer: UserKey = 'officer1'): Promise<{ entA: Principal; officer1: Principal; admin: Principal }> {
  const as = async (key: UserKey) => (await services.auth.login(key, PASSWORD)).principal;
  return { entA: await as('entA'), officer1: await as(officer), admin: await as('admin') };
}

export async function startLiveInspection(
  services: Services,
  actors: { entA: Principal; officer1: Principal; admin: Principal },
  world: World,
  options: {
    /** A new declaration, or one registered before (`{ id }`: another inspection of it). */
    declaration: { number: string; siteId?: string; goodsDescription: string; declaredQuantity: number; quantityUnit: string; sealNumbers: string[] } | { id: string };
    type: InspectionType;
    vehiclePlate?: string;
  },
): Promise<{ sessionId: string; bookingId: string; declarationId: string }> {
  const declaration =
    'id' in options.declaration ? options.declaration : await services.declarations.create(actors.admin, { ...options.declaration, enterpriseId: world.enterprises.a, portId: world.ports.main });
  const slotStart = new Date(Date.now() + 10 * 60_000);
  const booking = await services.bookings.request(actors.entA, {
    declarationId: declaration.id,
    type: options.type,
    slotStart,
    slotEnd: new Date(slotStart.getTime() + 3_600_000),
    vehiclePlate: options.vehiclePlate,
  });
  await services.bookings.confirm(actors.officer1, booking.id);
  const started = await services.bookings.start(actors.officer1, booking.id);
  return { sessionId: started.sessionId!, bookingId: booking.id, declarationId: declaration.id };
}
