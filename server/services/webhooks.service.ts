/**
 * Other systems told of events: an administrator registers an endpoint (a URL, the event types it wants or
 * all, a description); its secret is made here and shown once, kept sealed (the platform's secret box), and
 * signs every delivery (server/notify/signature.ts). An endpoint paused after failing in a row is resumed
 * here; what waited for it is then sent. Removing one stops its deliveries; its log stays.
 */
import crypto from 'node:crypto';
import { and, asc, count, eq } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { deliveries, webhookEndpoints } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import type { NotificationKind } from '../contracts/notifications.ts';
import type { SecretBox } from '../infra/secret-box.ts';
import { requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import type { DomainEvents } from './domain-events.ts';

export interface EndpointInput {
  url: string;
  description: string;
  /** Empty: every event. */
  events: NotificationKind[];
}

const newSecret = () => `whsec_${crypto.randomBytes(24).toString('base64url')}`;

export class WebhookService {
  private readonly clock: () => Date;

  constructor(private readonly deps: { db: Db; events: DomainEvents; secrets: SecretBox; clock?: () => Date }) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async list(p: Principal) {
    requireRole(p, 'admin');
    const rows = await this.deps.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.active, true)).orderBy(asc(webhookEndpoints.createdAt));
    const pending = await this.deps.db.select({ endpointId: deliveries.endpointId, n: count() }).from(deliveries).where(eq(deliveries.status, 'pending')).groupBy(deliveries.endpointId);
    return rows.map((e) => this.view(e, pending.find((x) => x.endpointId === e.id)?.n ?? 0));
  }

  private view(e: typeof webhookEndpoints.$inferSelect, pending = 0) {
    return {
      id: e.id,
      url: e.url,
      description: e.description,
      events: e.events,
      pausedAt: e.pausedAt?.toISOString() ?? null,
      consecutiveFailures: e.consecutiveFailures,
      pending,
      createdAt: e.createdAt.toISOString(),
    };
  }

  /** Registers an endpoint; the answer carries its secret, the only time it is shown. */
  async create(p: Principal, input: EndpointInput) {
    requireRole(p, 'admin');
    const secret = newSecret();
    const now = this.clock();
    const row = await this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(webhookEndpoints)
        .values({ url: input.url, description: input.description, events: input.events, secretSealed: this.deps.secrets.seal(secret), createdBy: p.userId, createdAt: now })
        .returning();
      await appendAudit(tx, { actorId: p.userId, action: 'webhook.create', entityType: 'webhook', entityId: row!.id, details: { url: input.url, events: input.events } }, now);
      return row!;
    });
    return { ...this.view(row), secret };
  }

  private async change(p: Principal, id: string, action: string, set: Partial<typeof webhookEndpoints.$inferInsert>) {
    requireRole(p, 'admin');
    const now = this.clock();
    const row = await this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .update(webhookEndpoints)
        .set(set)
        .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.active, true)))
        .returning();
      if (!row) throw notFound('Webhook endpoint');
      await appendAudit(tx, { actorId: p.userId, action, entityType: 'webhook', entityId: id, details: { url: row.url, events: row.events } }, now);
      return row;
    });
    return row;
  }

  async update(p: Principal, id: string, input: EndpointInput) {
    return this.view(await this.change(p, id, 'webhook.update', { url: input.url, description: input.description, events: input.events }));
  }

  /** A new secret (the old one stops signing at once); shown once. */
  async rotateSecret(p: Principal, id: string) {
    const secret = newSecret();
    const row = await this.change(p, id, 'webhook.rotate_secret', { secretSealed: this.deps.secrets.seal(secret) });
    return { ...this.view(row), secret };
  }

  /** Resumes a paused endpoint: what waited for it is sent. */
  async resume(p: Principal, id: string) {
    const row = await this.change(p, id, 'webhook.resume', { pausedAt: null, consecutiveFailures: 0 });
    this.deps.events.emit('deliveries.queued', { count: 1 });
    return this.view(row);
  }

  /** Stops sending to an endpoint; what it was still owed is dropped, the log kept. */
  async remove(p: Principal, id: string) {
    await this.change(p, id, 'webhook.remove', { active: false });
    await this.deps.db
      .update(deliveries)
      .set({ status: 'failed', lastError: 'the endpoint was removed' })
      .where(and(eq(deliveries.endpointId, id), eq(deliveries.status, 'pending')));
  }
}
