/**
 * Opens the database: embedded PGlite in the data dir by default, a PostgreSQL server when a URL is given.
 * Both are reached through the same Drizzle API and migrated with the same SQL files.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction or the database itself: services accept either so they compose. */
export type DbOrTx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  ping(): Promise<void>;
  close(): Promise<void>;
  /** PGlite only: its whole data dir as a gzipped tarball, taken consistently while it runs. */
  dumpDataDir?: () => Promise<Blob>;
}

/**
 * A query on the database itself, issued from inside a transaction callback while that transaction is
 * open, instead of on the `tx` it was given. On PostgreSQL it takes a second connection and usually works;
 * on PGlite (one connection) it waits for the transaction, which waits for it: the whole platform stops.
 * Both backends refuse it at once, so a test on either finds it.
 */
export class QueryOutsideTransactionError extends Error {
  constructor() {
    super('A query on the database was issued inside a transaction that is still open; use the transaction given to the callback');
  }
}

const openTransaction = new AsyncLocalStorage<{ open: boolean }>();

function refuseInsideTransaction() {
  if (openTransaction.getStore()?.open) throw new QueryOutsideTransactionError();
}

/** Runs every transaction callback in a context that marks it open until the callback settles. */
function markTransactions(db: Db): Db {
  const transaction = db.transaction.bind(db);
  db.transaction = ((callback, config) =>
    transaction(async (tx) => {
      const state = { open: true };
      try {
        return await openTransaction.run(state, () => callback(tx));
      } finally {
        state.open = false;
      }
    }, config)) as Db['transaction'];
  return db;
}

/** Wraps a client's root query methods so they refuse to run inside an open transaction. */
function guardClient<T extends object>(client: T, methods: Array<keyof T>): void {
  for (const name of methods) {
    const original = client[name] as unknown as (...args: unknown[]) => Promise<unknown>;
    (client as Record<keyof T, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
      try {
        refuseInsideTransaction();
      } catch (err) {
        return Promise.reject(err);
      }
      return original.apply(client, args);
    };
  }
}

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function openPostgres(url: string, options: { maxConnections?: number; onConnectionError?: (err: Error) => void } = {}): Promise<Database> {
  const { default: pg } = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10 });
  // A server restart ends idle connections with an error on the pool: without a listener that error
  // would stop the process. The pool opens new connections by itself; queries in flight fail and say so.
  pool.on('error', (err) => options.onConnectionError?.(err));
  await migrate(drizzle(pool, { schema }), { migrationsFolder });
  guardClient(pool, ['query', 'connect']);
  const db = markTransactions(drizzle(pool, { schema }) as unknown as Db);
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => pool.end(),
  };
}

/** dataDir: a folder for a file-backed database; undefined for an in-memory one. */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir ? { dataDir } : {});
  await migrate(drizzle(client, { schema }), { migrationsFolder });
  guardClient(client, ['query', 'exec', 'transaction']);
  const db = markTransactions(drizzle(client, { schema }) as unknown as Db);
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
    dumpDataDir: () => client.dumpDataDir('gzip'),
  };
}

export function openDatabase(config: { DATABASE_URL?: string; dataDir: string }, onConnectionError?: (err: Error) => void): Promise<Database> {
  return config.DATABASE_URL ? openPostgres(config.DATABASE_URL, { onConnectionError }) : openPglite(path.join(config.dataDir, 'pglite'));
}

/** Whether a database error (possibly wrapped by Drizzle in `cause`) is a unique-constraint violation. */
export const isUniqueViolation = (err: unknown) => hasPostgresCode(err, '23505');
/** A row still referred to by another (a user with sessions, a camera with recordings). */
export const isForeignKeyViolation = (err: unknown) => hasPostgresCode(err, '23503');

function hasPostgresCode(err: unknown, code: string): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === code) return true;
  }
  return false;
}
