/** Demo data so a new user can try Watchpost at once. Running it twice changes nothing. */
import type { Services } from '../services/index.ts';
import { eq } from 'drizzle-orm';
import { users } from '../db/schema.ts';

export const DEMO_PASSWORD = 'watchpost-demo';
/**
 * The demo farm's cameras: `npm run demo` streams a picture or a clip to each port (as the farm's IP cameras
 * would), so a demo session or loading record shows a plate read against the registered vehicles, and pigs
 * walking up the ramp counted across a line.
 */
export const DEMO_CAMERAS = [
  { name: 'Ramp camera', port: 5004, analysis: ['plate', 'seal'], picture: 'plate-hong-kong.jpg' },
  { name: 'Truck deck camera', port: 5006, analysis: ['count'], picture: 'pigs-crossing.mp4' },
] as const;
export const DEMO_USERS = {
  enterprise: 'demo.enterprise',
  broker: 'demo.broker',
  officer: 'demo.officer',
  supervisor: 'demo.supervisor',
  admin: 'demo.admin',
} as const;

export async function seedDemo(services: Services) {
  if (await userExists(services, DEMO_USERS.admin)) {
    return { seeded: false, message: 'demo data is already there', users: DEMO_USERS, password: DEMO_PASSWORD };
  }
  const { admin, declarations } = services;
  const port = await admin.createPort(null, { code: '5316', name: 'Huangpu Old Port Customs' });
  const farm = await admin.createEnterprise(null, { name: 'Lianhua Pig Farm Co., Ltd.', customsCode: '4419960001', riskClass: 'B' });
  const foods = await admin.createEnterprise(null, { name: 'Pearl River Foods Import Co., Ltd.', customsCode: '4401230002', riskClass: 'C' });
  const farmSite = await admin.createSite(null, { enterpriseId: farm.id, portId: port.id, name: 'Lianhua farm, loading ramp', kind: 'farm', address: 'Qingxi, Dongguan' });
  const warehouse = await admin.createSite(null, { enterpriseId: foods.id, portId: port.id, name: 'Bonded warehouse 7', kind: 'warehouse', address: 'Huangpu, Guangzhou' });
  for (const camera of DEMO_CAMERAS) {
    // Supervised: on the Farms wall (and analysed) with or without a booking, as a registered farm's are.
    await admin.createCamera(null, { siteId: farmSite.id, name: camera.name, sourceUrl: `udp://127.0.0.1:${camera.port}`, analysis: [...camera.analysis], supervision: true });
  }
  await admin.createVehicle(null, { enterpriseId: farm.id, plate: '粤ZA123港', description: 'Livestock truck' });

  const make = (username: string, displayName: string, role: 'enterprise_user' | 'broker' | 'officer' | 'supervisor' | 'admin', extra = {}) =>
    admin.createUser(null, { username, displayName, password: DEMO_PASSWORD, role, locale: 'zh-CN', ...extra });
  await make(DEMO_USERS.enterprise, 'Chen Wei (Lianhua farm)', 'enterprise_user', { enterpriseId: farm.id });
  const broker = await make(DEMO_USERS.broker, 'Li Na (customs broker)', 'broker');
  await make(DEMO_USERS.officer, 'Officer Wang', 'officer', { portId: port.id });
  await make(DEMO_USERS.supervisor, 'Supervisor Zhao', 'supervisor');
  const adminUser = await make(DEMO_USERS.admin, 'Demo administrator', 'admin', { locale: 'en' });
  await admin.grantDelegation(null, { brokerId: broker.id, enterpriseId: farm.id });
  await admin.grantDelegation(null, { brokerId: broker.id, enterpriseId: foods.id });

  const actor = { userId: adminUser.id, username: adminUser.username, displayName: adminUser.displayName, role: 'admin' as const, locale: 'en', enterpriseIds: [], portId: null };
  const pigs = await declarations.create(actor, {
    number: '531620260000012345',
    enterpriseId: farm.id,
    portId: port.id,
    siteId: farmSite.id,
    goodsDescription: 'Live pigs for slaughter, for Hong Kong',
    declaredQuantity: 40,
    quantityUnit: 'head',
    sealNumbers: ['SL8472913'],
  });
  const dumplings = await declarations.create(actor, {
    number: '531620260000012346',
    enterpriseId: foods.id,
    portId: port.id,
    siteId: warehouse.id,
    goodsDescription: 'Frozen dumplings, pre-packaged (label rectification)',
    declaredQuantity: 1200,
    quantityUnit: 'carton',
    sealNumbers: ['CN1234567'],
  });
  return {
    seeded: true,
    users: DEMO_USERS,
    password: DEMO_PASSWORD,
    declarations: [
      { id: pigs.id, number: pigs.number, enterprise: farm.name },
      { id: dumplings.id, number: dumplings.number, enterprise: foods.name },
    ],
  };
}

async function userExists(services: Services, username: string): Promise<boolean> {
  const [row] = await services.db.select({ id: users.id }).from(users).where(eq(users.username, username));
  return Boolean(row);
}
