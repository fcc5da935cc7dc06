import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openPglite, openPostgres, type Database } from '../../server/db/database.ts';

/**
 * Which database the integration tests run on: the suite runs them twice (vitest.config.ts), on PGlite as
 * `npm start` uses it and on a PostgreSQL server, so a failure of either backend alone cannot land.
 */
export const testBackend: 'pglite' | 'postgres' = process.env.WATCHPOST_TEST_DB === 'pglite' ? 'pglite' : 'postgres';

/** An empty database (no schema) on the shared test server, e.g. to restore a backup into. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = inject('pgAdminUrl');
  const name = `wp_empty_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: adminUrl.replace(/\/postgres$/, `/${name}`),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A fresh, migrated database of the suite's backend: in-memory PGlite, or a database on the shared test
 * server (`url` set) dropped again by close().
 */
export async function createTestDatabase(): Promise<Database & { url?: string }> {
  if (testBackend === 'pglite') return openPglite(undefined);
  const empty = await createEmptyDatabase();
  const database = await openPostgres(empty.url);
  return {
    ...database,
    url: empty.url,
    async close() {
      await database.close();
      await empty.drop();
    },
  };
}
