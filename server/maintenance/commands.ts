/**
 * Maintenance commands (first administrator, demo data). Each is one function of the services, run either
 * in-process by the CLI or, when `npm start` holds the embedded database, inside the running server.
 */
import { z } from 'zod';
import type { Services } from '../services/index.ts';
import { seedDemo } from './seed-demo.ts';

export const maintenanceCommands = {
  'create-admin': {
    args: z.object({
      username: z.string().regex(/^[A-Za-z0-9_.@-]{3,64}$/),
      password: z.string().min(10).max(200),
      displayName: z.string().min(1).max(200).default('Administrator'),
    }),
    async run(services: Services, args: { username: string; password: string; displayName: string }) {
      const user = await services.admin.createUser(null, { ...args, role: 'admin', locale: 'en' });
      return { created: user.username, id: user.id };
    },
  },
  verify: {
    args: z.object({ sessionId: z.uuid() }),
    run: (services: Services, args: { sessionId: string }) => services.archive.verify(null, args.sessionId),
  },
  'seed-demo': {
    args: z.object({}),
    run: (services: Services) => seedDemo(services),
  },
} as const;

export type MaintenanceCommand = keyof typeof maintenanceCommands;

export async function runMaintenance(services: Services, command: string, rawArgs: unknown): Promise<unknown> {
  if (!(command in maintenanceCommands)) throw new Error(`unknown maintenance command ${command}`);
  const spec = maintenanceCommands[command as MaintenanceCommand];
  const args = spec.args.parse(rawArgs);
  return (spec.run as (s: Services, a: typeof args) => Promise<unknown>)(services, args);
}
