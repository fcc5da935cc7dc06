import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalRedis } from '../../server/infra/local-redis.ts';
import { startTestPostgres } from './postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the test PostgreSQL server; each test file creates its own database. */
    pgAdminUrl: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const started = Date.now();
  const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-redis-'));
  const [postgres, redis] = await Promise.all([startTestPostgres(), startLocalRedis({ dir: redisDir })]);
  project.provide('pgAdminUrl', postgres.url);
  project.provide('redisUrl', redis.url);
  console.log(`[tests] PostgreSQL at ${postgres.url}, Redis at ${redis.url} (${Date.now() - started} ms)`);
  return async () => {
    await redis.stop();
    postgres.stop();
    fs.rmSync(redisDir, { recursive: true, force: true });
  };
}
