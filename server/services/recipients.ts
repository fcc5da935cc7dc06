/**
 * Who is told of something — the active users of an enterprise, the active officers of a port — and the one
 * way it is stored for them (the in-app notification centre's rows; pushed live through `user.notified`).
 */
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/database.ts';
import { notifications, users } from '../db/schema.ts';
import type { NotificationKind } from '../contracts/notifications.ts';
import { queueDeliveries } from './outbox.ts';
import type { DomainEvents } from './domain-events.ts';

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

/**
 * The one way anything is told: stores a notification for each user (inside the caller's transaction, with
 * what it tells of) and, in the same transaction, what is to go out by email, SMS, IM and to webhooks
 * (outbox.ts). `kind` is one of the contract's notification kinds.
 */
export async function storeNotifications(db: DbOrTx, userIds: string[], kind: NotificationKind, payload: Record<string, unknown>, now: Date = new Date()): Promise<void> {
  if (userIds.length > 0) await db.insert(notifications).values(userIds.map((userId) => ({ userId, kind, payload, createdAt: now })));
  await queueDeliveries(db, userIds, kind, payload, now);
}

/**
 * Says, after the commit that stored it, that something was told: pushed to the recipients' open pages, and
 * the outbox swept at once (also when it told no user: its webhooks wait on this).
 */
export function announce(events: DomainEvents, n: Notified | null): void {
  if (n) events.emit('user.notified', n);
}
