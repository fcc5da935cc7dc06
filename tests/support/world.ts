/**
 * A small world for tests: two ports, two enterprises, one user of each role (and a second officer at
 * the same port, a third at another), one broker acting for enterprise A, one declaration per enterprise.
 */
import type { Role } from '../../server/db/schema.ts';
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
    number: '530120261000000001', enterpriseId: a.id, portId: main.id, goodsDescription: 'Frozen dumplings, pre-packaged',
    declaredQuantity: 1200, quantityUnit: 'carton', sealNumbers: ['cn 1234567'],
  });
  const declB = await declarations.create(adminPrincipal, {
    number: '530120261000000002', enterpriseId: b.id, portId: main.id, goodsDescription: 'Live pigs for Hong Kong',
    declaredQuantity: 40, quantityUnit: 'head', sealNumbers: ['SL8472913'],
  });
  return { ports: { main: main.id, other: other.id }, enterprises: { a: a.id, b: b.id }, users, declarations: { a: declA.id, b: declB.id } };
}
