/** The domain services on a fresh test database, with the test world and every user logged in. */
import type { Principal } from '../../server/services/access.ts';
import { createServices, type Services } from '../../server/services/index.ts';
import { createTestDatabase } from './database.ts';
import { testSigningKey } from './keys.ts';
import { createWorld, PASSWORD, type UserKey, type World } from './world.ts';

export interface ServiceWorld {
  database: Awaited<ReturnType<typeof createTestDatabase>>;
  services: Services;
  world: World;
  principals: Record<UserKey, Principal>;
}

export async function servicesWithWorld(options: { clock: () => Date; dataDir: string; sessionTtlMs?: number }): Promise<ServiceWorld> {
  const database = await createTestDatabase();
  const services = createServices({
    db: database.db,
    sessionTtlMs: options.sessionTtlMs ?? 3_600_000,
    signingKey: testSigningKey(),
    dataDir: options.dataDir,
    clock: options.clock,
  });
  const world = await createWorld(services);
  const principals = {} as Record<UserKey, Principal>;
  for (const key of Object.keys(world.users) as UserKey[]) {
    principals[key] = (await services.auth.login(world.users[key].username, PASSWORD)).principal;
  }
  return { database, services, world, principals };
}
