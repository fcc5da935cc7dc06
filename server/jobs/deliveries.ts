/**
 * Sends the outbox (server/services/outbox.ts): email, SMS, IM and webhook deliveries, each channel its own
 * BullMQ queue with its own rate limit, so a dead channel holds up no other. A sweep (every few seconds, and
 * soon after anything is told) claims what is due in one UPDATE — so two nodes never both queue it — and
 * hands it to its queue; one claimed long ago and still pending is claimed again (Redis may have lost it).
 * A failed send is retried with back-off; every attempt is logged; a webhook endpoint failing too often in a
 * row is paused and the administrators told. Nothing lives only in Redis: the outbox rows are the truth.
 */
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { and, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { deliveries, deliveryAttempts, deliveryChannels, ports, userContacts, users, webhookEndpoints } from '../db/schema.ts';
import { DEFAULT_TIME_ZONE } from '../contracts/schedule.ts';
import type { SecretBox } from '../infra/secret-box.ts';
import type { DomainEvents } from '../services/domain-events.ts';
import { announce, storeNotifications } from '../services/recipients.ts';
import { postSigned, SendError, type EmailSender } from '../notify/senders.ts';
import { render } from '../notify/templates.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';

type Channel = (typeof deliveryChannels)[number];
/** A job: the delivery, and when it was claimed (its `queued_at`, which a later claim changes). */
type Claim = { deliveryId: string; claimedAt: number };
const SWEEP_EVERY_MS = 5_000;
const SWEEP_BATCH = 500;
/**
 * Claimed this long ago and still pending: queued again (Redis lost it without the platform restarting).
 * Longer than every retry's back-off together at the default 10 s base.
 */
const RECLAIM_AFTER_MS = 60 * 60_000;
export const DELIVERY_ATTEMPTS = 8;
/** Longer than one send may take (its timeouts): a lease this recent is another node's send in flight. */
const IN_FLIGHT_MS = 60_000;

export interface Gateway {
  url: string;
  secret: string;
}

export interface DeliveryDeps {
  db: Db;
  connection: ConnectionOptions;
  prefix: string;
  events: DomainEvents;
  secrets: SecretBox;
  email: EmailSender | null;
  gateways: { sms: Gateway | null; im: Gateway | null };
  /** The web app's address, for the links in messages. */
  baseUrl: string;
  /** Sends per minute per channel at most. */
  ratePerMinute: number;
  /** Failed attempts in a row after which a webhook endpoint is paused. */
  pauseAfterFailures: number;
  /** The first retry's delay; each next one doubles it. */
  retryBaseMs: number;
  logger: Logger;
  metrics: Metrics;
  clock?: () => Date;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function startDeliveries(deps: DeliveryDeps) {
  const clock = deps.clock ?? (() => new Date());
  const queues = Object.fromEntries(
    deliveryChannels.map((channel) => [
      channel,
      new Queue<Claim>(`deliveries-${channel}`, {
        connection: deps.connection,
        prefix: deps.prefix,
        defaultJobOptions: { attempts: DELIVERY_ATTEMPTS, backoff: { type: 'exponential', delay: deps.retryBaseMs }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 7 * 86_400 } },
      }),
    ]),
  ) as Record<Channel, Queue<Claim>>;

  /** Claims what is due and hands it to its queue; returns how many. */
  async function sweep(): Promise<number> {
    const now = clock();
    const soon = new Date(now.getTime() + SWEEP_EVERY_MS * 2);
    // Asked again in the UPDATE: another node may have claimed a row since the select read it.
    const unclaimed = or(isNull(deliveries.queuedAt), lt(deliveries.queuedAt, new Date(now.getTime() - RECLAIM_AFTER_MS)));
    const claimable = deps.db
      .select({ id: deliveries.id })
      .from(deliveries)
      .leftJoin(webhookEndpoints, eq(webhookEndpoints.id, deliveries.endpointId))
      .where(
        and(
          eq(deliveries.status, 'pending'),
          lte(deliveries.nextAt, soon),
          unclaimed,
          // A paused endpoint's deliveries wait for it to be resumed.
          or(isNull(deliveries.endpointId), isNull(webhookEndpoints.pausedAt)),
        ),
      )
      .limit(SWEEP_BATCH);
    const claimed = await deps.db
      .update(deliveries)
      .set({ queuedAt: now })
      .where(and(inArray(deliveries.id, claimable), unclaimed))
      .returning({ id: deliveries.id, channel: deliveries.channel, nextAt: deliveries.nextAt });
    for (const d of claimed)
      await queues[d.channel].add(d.channel, { deliveryId: d.id, claimedAt: now.getTime() }, { jobId: `${d.id}_${now.getTime()}`, delay: Math.max(0, d.nextAt.getTime() - now.getTime()) });
    return claimed.length;
  }

  let sweeping: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const sweepSoon = () => {
    if (stopped) return;
    sweeping = sweeping.then(sweep).catch((err: unknown) => deps.logger.warn({ err }, 'delivery sweep failed'));
  };
  const timer = setInterval(sweepSoon, SWEEP_EVERY_MS);
  timer.unref();
  let debounce: NodeJS.Timeout | null = null;
  const onNotified = () => {
    debounce ??= setTimeout(() => {
      debounce = null;
      sweepSoon();
    }, 100);
  };
  const unlisten = [deps.events.on('user.notified', onNotified), deps.events.on('deliveries.queued', onNotified)];

  async function logAttempt(deliveryId: string, startedAt: number, ok: boolean, response: string) {
    await deps.db.insert(deliveryAttempts).values({ deliveryId, at: new Date(startedAt), ok, response, durationMs: Date.now() - startedAt });
  }

  async function send(d: typeof deliveries.$inferSelect): Promise<string> {
    if (d.channel === 'webhook') {
      const [endpoint] = await deps.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, d.endpointId!));
      if (!endpoint?.active) throw new SendError('the endpoint was removed', false);
      return postSigned(endpoint.url, deps.secrets.open(endpoint.secretSealed), d.payload, d.id, clock());
    }
    const [to] = await deps.db
      .select({ address: userContacts.address, verifiedAt: userContacts.verifiedAt, locale: users.locale, active: users.active, timeZone: ports.timeZone })
      .from(userContacts)
      .innerJoin(users, eq(users.id, userContacts.userId))
      .leftJoin(ports, eq(ports.id, users.portId))
      .where(and(eq(userContacts.userId, d.userId!), eq(userContacts.channel, d.channel)));
    if (!to?.verifiedAt || !to.active) throw new SendError('the address is no longer verified, or the user is disabled', false);
    const message = render(d.kind, d.payload, { locale: to.locale, timeZone: to.timeZone ?? DEFAULT_TIME_ZONE, baseUrl: deps.baseUrl });
    if (d.channel === 'email') {
      if (!deps.email) throw new SendError('no SMTP server is configured (SMTP_URL)', false);
      const text = `${message.body}\n\n${message.link}\n`;
      const html = `<p>${escapeHtml(message.body)}</p><p><a href="${escapeHtml(message.link)}">${escapeHtml(message.link)}</a></p>`;
      return deps.email({ id: d.id, to: to.address, subject: message.title, text, html });
    }
    const gateway = deps.gateways[d.channel];
    if (!gateway) throw new SendError(`no ${d.channel.toUpperCase()} gateway is configured`, false);
    return postSigned(
      gateway.url,
      gateway.secret,
      { id: d.id, channel: d.channel, to: to.address, kind: d.kind, locale: to.locale, title: message.title, text: message.body, link: message.link },
      d.id,
      clock(),
    );
  }

  /** A webhook endpoint's run of failures: paused (and the administrators told) once it is too long. */
  async function endpointFailed(endpointId: string) {
    const [endpoint] = await deps.db
      .update(webhookEndpoints)
      .set({ consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1` })
      .where(eq(webhookEndpoints.id, endpointId))
      .returning();
    if (!endpoint || endpoint.pausedAt || endpoint.consecutiveFailures < deps.pauseAfterFailures) return;
    const paused = await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .update(webhookEndpoints)
        .set({ pausedAt: clock() })
        .where(and(eq(webhookEndpoints.id, endpointId), isNull(webhookEndpoints.pausedAt)))
        .returning({ id: webhookEndpoints.id });
      if (!row) return null;
      const admins = (
        await tx
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.role, 'admin'), eq(users.active, true)))
      ).map((u) => u.id);
      // The host only: a webhook URL may carry its own credential in the path or query.
      const payload = { endpointId, url: new URL(endpoint.url).host, failures: endpoint.consecutiveFailures };
      await storeNotifications(tx, admins, 'webhook.paused', payload, clock());
      return { userIds: admins, payload };
    });
    if (paused) {
      deps.logger.warn({ endpointId, host: paused.payload.url }, 'webhook endpoint paused after failing in a row');
      announce(deps.events, { userIds: paused.userIds, kind: 'webhook.paused', payload: paused.payload });
    }
  }

  const workers = deliveryChannels.map((channel) => {
    const worker = new Worker<Claim>(
      `deliveries-${channel}`,
      async (job: Job<Claim>) => {
        // The claim is taken over for this attempt in one UPDATE (a lease): a job of an older claim — a
        // resend, a resumed endpoint, a restart re-claiming it — finds it changed and sends nothing.
        const lease = Math.max(clock().getTime(), job.data.claimedAt + 1);
        const [d] = await deps.db
          .update(deliveries)
          .set({ queuedAt: new Date(lease) })
          .where(and(eq(deliveries.id, job.data.deliveryId), eq(deliveries.status, 'pending'), eq(deliveries.queuedAt, new Date(job.data.claimedAt))))
          .returning();
        if (!d) return { skipped: 'sent, failed or claimed again' };
        await job.updateData({ deliveryId: d.id, claimedAt: lease });
        if (d.endpointId) {
          const [endpoint] = await deps.db.select({ pausedAt: webhookEndpoints.pausedAt }).from(webhookEndpoints).where(eq(webhookEndpoints.id, d.endpointId));
          // Paused meanwhile: back to the outbox, claimed again once resumed.
          if (endpoint?.pausedAt) {
            await deps.db.update(deliveries).set({ queuedAt: null }).where(eq(deliveries.id, d.id));
            return { skipped: 'paused' };
          }
        }
        const startedAt = Date.now();
        const attempts = d.attempts + 1;
        try {
          const response = await send(d);
          await logAttempt(d.id, startedAt, true, response);
          await deps.db.update(deliveries).set({ status: 'sent', attempts, sentAt: clock(), lastError: null }).where(eq(deliveries.id, d.id));
          if (d.endpointId) await deps.db.update(webhookEndpoints).set({ consecutiveFailures: 0 }).where(eq(webhookEndpoints.id, d.endpointId));
          deps.metrics.jobsProcessed.inc({ queue: `deliveries-${channel}`, outcome: 'completed' });
          return { sent: response };
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          const retryable = !(err instanceof SendError) || err.retryable;
          // Counted on the delivery, not the job: a delivery claimed again does not get its attempts back.
          const last = !retryable || attempts >= DELIVERY_ATTEMPTS || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          await logAttempt(d.id, startedAt, false, message);
          await deps.db
            .update(deliveries)
            .set({ attempts, lastError: message, ...(last ? { status: 'failed' as const } : {}) })
            .where(eq(deliveries.id, d.id));
          if (d.endpointId) await endpointFailed(d.endpointId);
          deps.metrics.jobsProcessed.inc({ queue: `deliveries-${channel}`, outcome: 'failed' });
          throw retryable ? err : new UnrecoverableError(message);
        }
      },
      { connection: deps.connection, prefix: deps.prefix, concurrency: 4, limiter: { max: deps.ratePerMinute, duration: 60_000 } },
    );
    worker.on('failed', (job, err) => deps.logger.warn({ err: err.message, deliveryId: job?.data.deliveryId, channel }, 'delivery attempt failed'));
    return worker;
  });

  // What the last run left pending is claimed afresh (its jobs may be lost with Redis, or still there and
  // then find their claim changed) — all but what another node took in the last moments (a send in flight
  // renews its lease as it starts): that node sends it.
  sweeping = deps.db
    .update(deliveries)
    .set({ queuedAt: null })
    .where(and(eq(deliveries.status, 'pending'), lt(deliveries.queuedAt, new Date(clock().getTime() - IN_FLIGHT_MS))))
    .then(sweep)
    .catch((err: unknown) => deps.logger.warn({ err }, 'delivery sweep failed'));
  return {
    queues,
    /** Claims and queues what is due now (a test; the timer does it every few seconds). */
    sweep: () => {
      sweepSoon();
      return sweeping;
    },
    async close() {
      stopped = true;
      clearInterval(timer);
      if (debounce) clearTimeout(debounce);
      for (const stop of unlisten) stop();
      await sweeping;
      // A platform stopped moments after it started: connections still opening are let finish first, so
      // closing them rejects nothing left unhandled.
      await Promise.all([...workers, ...Object.values(queues)].map((c) => c.waitUntilReady().catch(() => undefined)));
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(Object.values(queues).map((q) => q.close()));
    },
  };
}
