/** Who is told of something: the active users of an enterprise, the active officers of a port. */
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/database.ts';
import { users } from '../db/schema.ts';

const MAX_RECIPIENTS = 500;

export async function enterpriseUsers(db: DbOrTx, enterpriseId: string): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.enterpriseId, enterpriseId), eq(users.active, true)))
    .limit(MAX_RECIPIENTS);
  return rows.map((r) => r.id);
}

export async function portOfficers(db: DbOrTx, portId: string): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.portId, portId), eq(users.role, 'officer'), eq(users.active, true)))
    .limit(MAX_RECIPIENTS);
  return rows.map((r) => r.id);
}
