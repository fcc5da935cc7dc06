/**
 * The outbox of notifications leaving the platform, written in the caller's transaction with the in-app
 * notification itself: for each recipient, one delivery per outside channel they chose for the kind's group
 * (email by default) and have a verified address for, held until their quiet hours end (alarms are not
 * held); and one per active webhook endpoint that wants the kind. The delivery jobs send them.
 */
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { DbOrTx } from '../db/database.ts';
import { deliveries, notificationSettings, ports, userContacts, users, webhookEndpoints } from '../db/schema.ts';
import { DEFAULT_CHANNELS, groupOf, ignoresQuietHours, type WebhookEvent } from '../contracts/notifications.ts';
import { endOfQuiet } from '../contracts/local-time.ts';
import { DEFAULT_TIME_ZONE } from '../contracts/schedule.ts';

type DeliveryRow = typeof deliveries.$inferInsert;

export async function queueDeliveries(db: DbOrTx, userIds: string[], kind: string, payload: Record<string, unknown>, now: Date): Promise<number> {
  const rows: DeliveryRow[] = [];
  if (userIds.length > 0) {
    const contacts = await db
      .select({ userId: userContacts.userId, channel: userContacts.channel })
      .from(userContacts)
      .where(and(inArray(userContacts.userId, userIds), isNotNull(userContacts.verifiedAt)));
    if (contacts.length > 0) {
      const reached = [...new Set(contacts.map((c) => c.userId))];
      const settings = await db
        .select({ userId: users.id, channels: notificationSettings.channels, quietStart: notificationSettings.quietStart, quietEnd: notificationSettings.quietEnd, timeZone: ports.timeZone })
        .from(users)
        .leftJoin(notificationSettings, eq(notificationSettings.userId, users.id))
        .leftJoin(ports, eq(ports.id, users.portId))
        .where(inArray(users.id, reached));
      const group = groupOf(kind);
      for (const s of settings) {
        const chosen = s.channels?.[group] ?? DEFAULT_CHANNELS;
        const quiet = s.quietStart && s.quietEnd && !ignoresQuietHours(kind) ? { start: s.quietStart, end: s.quietEnd } : null;
        const nextAt = quiet ? endOfQuiet(now, quiet, s.timeZone ?? DEFAULT_TIME_ZONE) : now;
        for (const c of contacts) if (c.userId === s.userId && chosen.includes(c.channel)) rows.push({ channel: c.channel, userId: s.userId, kind, payload, nextAt, createdAt: now });
      }
    }
  }
  // The platform's own housekeeping (disk, webhooks) is for its administrators, not for other systems.
  if (internalOnly(kind)) return insert(db, rows);
  const endpoints = await db.select({ id: webhookEndpoints.id, events: webhookEndpoints.events }).from(webhookEndpoints).where(eq(webhookEndpoints.active, true));
  const wanting = endpoints.filter((e) => e.events.length === 0 || e.events.includes(kind));
  if (wanting.length > 0) {
    // One event, the same id at every endpoint.
    const event: WebhookEvent = { id: crypto.randomUUID(), version: 1, type: kind as WebhookEvent['type'], occurredAt: now.toISOString(), data: payload };
    for (const e of wanting) rows.push({ channel: 'webhook', endpointId: e.id, kind, payload: event, nextAt: now, createdAt: now });
  }
  return insert(db, rows);
}

const internalOnly = (kind: string) => ['storage', 'webhook'].includes(groupOf(kind));

async function insert(db: DbOrTx, rows: DeliveryRow[]): Promise<number> {
  if (rows.length > 0) await db.insert(deliveries).values(rows);
  return rows.length;
}
