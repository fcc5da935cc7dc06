/**
 * Who is told of something — the active users of an enterprise, the active officers of a port — and the one
 * way it is stored for them (the in-app notification centre's rows; pushed live through `user.notified`).
 */
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/database.ts';
import { notifications, users } from '../db/schema.ts';

const MAX_RECIPIENTS = 500;

/** Whom something was told (stored for them already), what and with what: pushed live after the commit. */
export interface Notified {
  userIds: string[];
  kind: string;
  payload: Record<string, unknown>;
}

/** What sending a reminder did: told someone, found it too early, or nothing (no longer wanted, or sent before). */
export type ReminderOutcome = Notified | { notBefore: Date } | null;

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

/** Stores a notification for each user (inside the caller's transaction, with what it tells of). */
export async function storeNotifications(db: DbOrTx, userIds: string[], kind: string, payload: Record<string, unknown>): Promise<void> {
  if (userIds.length > 0) await db.insert(notifications).values(userIds.map((userId) => ({ userId, kind, payload })));
}
