/**
 * Maintenance commands (first administrator, demo data). Each is one function of the services, run either
 * in-process by the CLI or, when `npm start` holds the embedded database, inside the running server.
 */
import path from 'node:path';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Services } from '../services/index.ts';
import { backup } from './backup.ts';
import { seedDemo } from './seed-demo.ts';

/** What a maintenance command may use: the services and the database they run on. */
export interface MaintenanceContext {
  services: Services;
  database: Database;
  dataDir: string;
  databaseUrl?: string;
}

export const maintenanceCommands = {
  'create-admin': {
    args: z.object({
      username: z.string().regex(/^[A-Za-z0-9_.@-]{3,64}$/),
      password: z.string().min(10).max(200),
      displayName: z.string().min(1).max(200).default('Administrator'),
    }),
    async run({ services }: MaintenanceContext, args: { username: string; password: string; displayName: string }) {
      const user = await services.admin.createUser(null, { ...args, role: 'admin', locale: 'en' });
      return { created: user.username, id: user.id };
    },
  },
  verify: {
    args: z.object({ sessionId: z.uuid() }),
    run: ({ services }: MaintenanceContext, args: { sessionId: string }) => services.archive.verify(null, args.sessionId),
  },
  'verify-loading': {
    args: z.object({ recordId: z.uuid() }),
    run: ({ services }: MaintenanceContext, args: { recordId: string }) => services.loadingArchive.verify(null, args.recordId),
  },
  backup: {
    args: z.object({ target: z.string().min(1) }),
    run: (ctx: MaintenanceContext, args: { target: string }) => backup(ctx.database, { dataDir: ctx.dataDir, databaseUrl: ctx.databaseUrl, store: ctx.services.store, target: args.target }),
  },
  'export-samples': {
    args: z.object({
      dir: z
        .string()
        .min(1)
        .refine((d) => path.isAbsolute(d), { message: 'an absolute path' }),
    }),
    run: ({ services }: MaintenanceContext, args: { dir: string }) => services.samples.exportTo(args.dir),
  },
  'seed-demo': {
    args: z.object({}),
    run: ({ services }: MaintenanceContext) => seedDemo(services),
  },
} as const;

export type MaintenanceCommand = keyof typeof maintenanceCommands;

export async function runMaintenance(ctx: MaintenanceContext, command: string, rawArgs: unknown): Promise<unknown> {
  if (!(command in maintenanceCommands)) throw new Error(`unknown maintenance command ${command}`);
  const spec = maintenanceCommands[command as MaintenanceCommand];
  const args = spec.args.parse(rawArgs);
  return (spec.run as (c: MaintenanceContext, a: typeof args) => Promise<unknown>)(ctx, args);
}
