import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite, type Database } from '../server/db/database.ts';
import { createTestDatabase } from './support/database.ts';
import { rejectionText } from './support/errors.ts';

async function tableNames(database: Database): Promise<string[]> {
  const result = (await database.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`)) as unknown as {
    rows: Array<{ table_name: string }>;
  };
  return result.rows.map((r) => r.table_name);
}

const EXPECTED_TABLES = [
  'alarm_mutes',
  'alarms',
  'annual_reports',
  'audit_log',
  'auth_sessions',
  'bookings',
  'broker_delegations',
  'camera_footage',
  'camera_zones',
  'cameras',
  'deadline_reminders',
  'declarations',
  'deliveries',
  'delivery_attempts',
  'enterprises',
  'farm_form_notes',
  'farm_form_revisions',
  'farm_forms',
  'footage_deletions',
  'footage_holds',
  'form_definitions',
  'form_imports',
  'form_reminders',
  'idempotency_keys',
  'import_mappings',
  'inspection_sessions',
  'loading_batches',
  'loading_record_events',
  'loading_record_seals',
  'loading_records',
  'login_throttles',
  'model_settings',
  'notice_acknowledgements',
  'notices',
  'notification_settings',
  'notifications',
  'plate_formats',
  'port_calendars',
  'ports',
  'recording_segments',
  'recordings',
  'rectification_steps',
  'rectifications',
  'retention_policies',
  'service_accounts',
  'session_seals',
  'sites',
  'supervision_frequencies',
  'ticket_messages',
  'tickets',
  'timeline_events',
  'user_contacts',
  'users',
  'vehicles',
  'verdicts',
  'vision_samples',
  'webhook_endpoints',
];

describe.each([
  ['PGlite', () => openPglite(undefined)],
  ['PostgreSQL 15', () => createTestDatabase()],
])('migrations on %s', (_name, open) => {
  let database: Database;
  afterAll(() => database?.close());

  it('creates every table of the data model', async () => {
    database = await open();
    expect(await tableNames(database)).toEqual(EXPECTED_TABLES);
  });

  it('makes the audit trail append-only', async () => {
    await database.db.execute(sql`insert into audit_log (at, action, entity_type, entity_id, prev_hash, hash)
      values (now(), 'test', 'test', '1', ${'0'.repeat(64)}, ${'1'.repeat(64)})`);
    expect(await rejectionText(database.db.execute(sql`update audit_log set action = 'edited'`))).toMatch(/append-only/);
    expect(await rejectionText(database.db.execute(sql`delete from audit_log`))).toMatch(/append-only/);
  });

  it('is idempotent: migrating an up-to-date database changes nothing', async () => {
    const { migrationsFolder } = await import('../server/db/database.ts');
    const { migrate } = await import(database.kind === 'postgres' ? 'drizzle-orm/node-postgres/migrator' : 'drizzle-orm/pglite/migrator');
    const applied = async () => ((await database.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as unknown as { rows: Array<{ n: number }> }).rows[0]!.n;
    const before = await applied();
    // Every migration of the journal was applied, once.
    const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
    expect(before).toBe(journal.entries.length);
    await migrate(database.db as never, { migrationsFolder });
    expect(await applied()).toBe(before);
    expect(await tableNames(database)).toEqual(EXPECTED_TABLES);
  });
});
