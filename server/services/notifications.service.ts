/**
 * The notification centre and how each user is reached: the in-app list (unread count, mark read), the
 * user's addresses outside the platform (email, phone for SMS, an IM handle), each verified by a code sent
 * there before it is used, the channels chosen per kind of notification and quiet hours. For administrators:
 * the delivery log (every attempt) and resending a delivery. What goes out is written by the outbox
 * (outbox.ts) and sent by server/jobs/deliveries.ts.
 */
import crypto from 'node:crypto';
import { and, count, desc, eq, inArray, isNull, lt, or, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { type contactChannels, deliveries, deliveryAttempts, type deliveryStatuses, notificationSettings, notifications, userContacts, users, webhookEndpoints } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { DEFAULT_CHANNELS, groupsFor, type NotificationPreferences } from '../contracts/notifications.ts';
import { requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import type { DomainEvents } from './domain-events.ts';
import { render } from '../notify/templates.ts';
import { DEFAULT_TIME_ZONE } from '../contracts/schedule.ts';

export type ContactChannel = (typeof contactChannels)[number];
/** Sends a verification code to an address; throws when the channel is not configured or refuses. */
export type CodeSender = (channel: ContactChannel, address: string, code: string, locale: string) => Promise<void>;

const LISTED = 100;
const CODE_TTL_MS = 15 * 60_000;
const CODE_RESEND_MS = 60_000;
const CODE_TRIES = 5;
const ATTEMPTS_SHOWN = 20;

const hashCode = (userId: string, code: string) => crypto.createHash('sha256').update(`${userId}:${code}`).digest('hex');

export class NotificationService {
  private readonly clock: () => Date;

  constructor(
    private readonly deps: {
      db: Db;
      events: DomainEvents;
      sendCode: CodeSender;
      /** The outside channels this platform can send on (configured). */
      channels: () => ContactChannel[];
      clock?: () => Date;
    },
  ) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Newest first, each told in words (`locale`, times in `timeZone`: the reader's, else the user's and the platform's). */
  async list(p: Principal, query: { unread?: boolean; before?: number; locale?: string; timeZone?: string }) {
    const mine = eq(notifications.userId, p.userId);
    const items = await this.deps.db
      .select({ id: notifications.id, kind: notifications.kind, payload: notifications.payload, createdAt: notifications.createdAt, readAt: notifications.readAt })
      .from(notifications)
      .where(and(mine, query.unread ? isNull(notifications.readAt) : undefined, query.before ? lt(notifications.id, query.before) : undefined))
      .orderBy(desc(notifications.id))
      .limit(LISTED);
    const [unread] = await this.deps.db
      .select({ n: count() })
      .from(notifications)
      .where(and(mine, isNull(notifications.readAt)));
    return {
      unread: unread?.n ?? 0,
      items: items.map((n) => {
        const payload = n.payload as Record<string, unknown>;
        const { title, body, link } = render(n.kind, payload, { locale: query.locale ?? p.locale, timeZone: query.timeZone ?? DEFAULT_TIME_ZONE, baseUrl: '' });
        return { ...n, payload, title, body, link, createdAt: n.createdAt.toISOString(), readAt: n.readAt?.toISOString() ?? null };
      }),
    };
  }

  /** Marks the user's notifications read: these ids, or all. */
  async markRead(p: Principal, ids: number[] | 'all') {
    await this.deps.db
      .update(notifications)
      .set({ readAt: this.clock() })
      .where(and(eq(notifications.userId, p.userId), isNull(notifications.readAt), ids === 'all' ? undefined : inArray(notifications.id, ids)));
    return this.list(p, { unread: true });
  }

  async settings(p: Principal) {
    const [row] = await this.deps.db.select().from(notificationSettings).where(eq(notificationSettings.userId, p.userId));
    const contacts = await this.deps.db.select().from(userContacts).where(eq(userContacts.userId, p.userId));
    const channels = Object.fromEntries(groupsFor(p.role).map((g) => [g, (row?.channels[g] as NotificationPreferences['channels'][typeof g]) ?? [...DEFAULT_CHANNELS]]));
    return {
      channels,
      quietHours: row?.quietStart && row.quietEnd ? { start: row.quietStart, end: row.quietEnd } : null,
      contacts: contacts.map((c) => ({ channel: c.channel, address: c.address, verified: c.verifiedAt !== null, codeSent: c.codeHash !== null })),
      available: this.deps.channels(),
    };
  }

  async saveSettings(p: Principal, input: NotificationPreferences) {
    const now = this.clock();
    const values = { channels: input.channels, quietStart: input.quietHours?.start ?? null, quietEnd: input.quietHours?.end ?? null, updatedAt: now };
    await this.deps.db
      .insert(notificationSettings)
      .values({ userId: p.userId, ...values })
      .onConflictDoUpdate({ target: notificationSettings.userId, set: values });
    return this.settings(p);
  }

  /** Sets (or changes) an address: unverified until the code sent to it is typed back. */
  async setContact(p: Principal, channel: ContactChannel, address: string) {
    if (!this.deps.channels().includes(channel)) throw new AppError('unavailable', `This platform sends no ${channel}`, { reason: 'channel_not_configured', params: { channel } });
    const now = this.clock();
    const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
    const where = and(eq(userContacts.userId, p.userId), eq(userContacts.channel, channel));
    const [before] = await this.deps.db.select().from(userContacts).where(where);
    const values = { address, verifiedAt: null, codeHash: hashCode(p.userId, code), codeExpiresAt: new Date(now.getTime() + CODE_TTL_MS), codeAttempts: 0, updatedAt: now };
    // Reserved in one statement before anything is sent: requests arriving together send one code a minute.
    const [reserved] = await this.deps.db
      .insert(userContacts)
      .values({ userId: p.userId, channel, ...values })
      .onConflictDoUpdate({
        target: [userContacts.userId, userContacts.channel],
        set: values,
        setWhere: or(isNull(userContacts.codeExpiresAt), lt(userContacts.codeExpiresAt, new Date(now.getTime() + CODE_TTL_MS - CODE_RESEND_MS))),
      })
      .returning({ userId: userContacts.userId });
    if (!reserved) throw new AppError('too_many_requests', 'A code was sent a moment ago', { reason: 'code_sent_recently' });
    try {
      await this.deps.sendCode(channel, address, code, p.locale);
    } catch (err) {
      // Not reachable: the address is not kept; what was there before is.
      if (before) await this.deps.db.update(userContacts).set(before).where(where);
      else await this.deps.db.delete(userContacts).where(where);
      throw err;
    }
    return this.settings(p);
  }

  async verifyContact(p: Principal, channel: ContactChannel, code: string) {
    const now = this.clock();
    const result = await this.deps.db.transaction(async (tx) => {
      const [c] = await tx
        .select()
        .from(userContacts)
        .where(and(eq(userContacts.userId, p.userId), eq(userContacts.channel, channel)))
        .for('update');
      if (!c?.codeHash || !c.codeExpiresAt || c.codeExpiresAt < now || c.codeAttempts >= CODE_TRIES) return 'expired' as const;
      if (hashCode(p.userId, code) !== c.codeHash) {
        await tx
          .update(userContacts)
          .set({ codeAttempts: c.codeAttempts + 1 })
          .where(and(eq(userContacts.userId, p.userId), eq(userContacts.channel, channel)));
        return 'wrong' as const;
      }
      await tx
        .update(userContacts)
        .set({ verifiedAt: now, codeHash: null, codeExpiresAt: null, codeAttempts: 0, updatedAt: now })
        .where(and(eq(userContacts.userId, p.userId), eq(userContacts.channel, channel)));
      await appendAudit(tx, { actorId: p.userId, action: 'contact.verify', entityType: 'user', entityId: p.userId, details: { channel, address: c.address } }, now);
      return 'verified' as const;
    });
    if (result === 'expired') throw new AppError('validation_failed', 'The code has expired or was tried too often: ask for a new one', { reason: 'code_expired' });
    if (result === 'wrong') throw new AppError('validation_failed', 'That is not the code sent', { reason: 'code_wrong' });
    return this.settings(p);
  }

  async removeContact(p: Principal, channel: ContactChannel) {
    await this.deps.db.delete(userContacts).where(and(eq(userContacts.userId, p.userId), eq(userContacts.channel, channel)));
    return this.settings(p);
  }

  /** The delivery log, newest first, with each delivery's attempts (administrators). */
  async deliveries(p: Principal, query: { status?: (typeof deliveryStatuses)[number]; channel?: string; endpointId?: string; id?: string }) {
    requireRole(p, 'admin');
    const where: SQL | undefined = and(
      query.id ? eq(deliveries.id, query.id) : undefined,
      query.status ? eq(deliveries.status, query.status) : undefined,
      query.channel ? eq(deliveries.channel, query.channel as typeof deliveries.$inferSelect.channel) : undefined,
      query.endpointId ? eq(deliveries.endpointId, query.endpointId) : undefined,
    );
    const rows = await this.deps.db
      .select({ d: deliveries, username: users.username, url: webhookEndpoints.url })
      .from(deliveries)
      .leftJoin(users, eq(users.id, deliveries.userId))
      .leftJoin(webhookEndpoints, eq(webhookEndpoints.id, deliveries.endpointId))
      .where(where)
      .orderBy(desc(deliveries.createdAt))
      .limit(LISTED);
    const ids = rows.map((r) => r.d.id);
    const attempts = ids.length
      ? await this.deps.db
          .select()
          .from(deliveryAttempts)
          .where(inArray(deliveryAttempts.deliveryId, ids))
          .orderBy(desc(deliveryAttempts.id))
          .limit(LISTED * 4)
      : [];
    return rows.map(({ d, username, url }) => ({
      id: d.id,
      channel: d.channel,
      to: username ?? url ?? '',
      kind: d.kind,
      status: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      createdAt: d.createdAt.toISOString(),
      sentAt: d.sentAt?.toISOString() ?? null,
      log: attempts
        .filter((a) => a.deliveryId === d.id)
        .slice(0, ATTEMPTS_SHOWN)
        .map((a) => ({ at: a.at.toISOString(), ok: a.ok, response: a.response, durationMs: a.durationMs })),
    }));
  }

  /** Sends a delivery again (a failed one, or a sent one the other side lost), with the same id. */
  async resend(p: Principal, deliveryId: string) {
    requireRole(p, 'admin');
    const now = this.clock();
    const [row] = await this.deps.db.transaction(async (tx) => {
      const updated = await tx
        .update(deliveries)
        .set({ status: 'pending', attempts: 0, queuedAt: null, nextAt: now, sentAt: null })
        .where(eq(deliveries.id, deliveryId))
        .returning({ id: deliveries.id });
      if (updated.length > 0) await appendAudit(tx, { actorId: p.userId, action: 'delivery.resend', entityType: 'delivery', entityId: deliveryId, details: {} }, now);
      return updated;
    });
    if (!row) throw notFound('Delivery');
    this.deps.events.emit('deliveries.queued', { count: 1 });
    return (await this.deliveries(p, { id: deliveryId }))[0] ?? null;
  }
}
