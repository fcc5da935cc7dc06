import path from 'node:path';
import { z } from 'zod';

/** Configuration is read from the environment once, at start-up, and validated here. */
const booleanString = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const configSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Where PGlite, the local Redis, recordings and keys live when no external service is configured. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** A PostgreSQL server (postgres://...). Unset: embedded PGlite in DATA_DIR/pglite. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** A Redis server (redis://...). Unset: the app starts its own redis-server child process. */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  /** Prefix of every Redis key and channel (queues, socket.io), so several deployments can share a Redis. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).default('watchpost'),
  REDIS_SERVER_BIN: z.string().min(1).default('redis-server'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long a login lasts without use. */
  SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  /** Set true behind HTTPS so the session cookie is only sent over TLS. */
  COOKIE_SECURE: booleanString.default(false),
  /** Minutes before a confirmed inspection at which the enterprise and officer are reminded. */
  REMINDER_MINUTES_BEFORE: z.coerce.number().int().min(1).max(24 * 60).default(15),
});

export type Config = z.infer<typeof configSchema> & { dataDir: string };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}
