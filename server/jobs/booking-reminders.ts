/**
 * Reminds the enterprise and the officer shortly before a confirmed inspection. A delayed BullMQ job per
 * confirmed slot; when the slot changes or the booking is cancelled, the job is removed (and the worker
 * re-checks the booking anyway, so a stale job does nothing).
 */
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { bookings, notifications, users } from '../db/schema.ts';
import type { DomainEvents } from '../services/domain-events.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';

export const BOOKING_REMINDERS_QUEUE = 'booking-reminders';

interface ReminderData {
  bookingId: string;
  slotStart: string;
}

// One job per booking: a changed slot replaces it.
const jobIdFor = (bookingId: string) => `reminder-${bookingId}`;

export interface BookingReminders {
  queue: Queue<ReminderData>;
  close(): Promise<void>;
}

export function startBookingReminders(deps: {
  db: Db;
  connection: ConnectionOptions;
  prefix: string;
  events: DomainEvents;
  minutesBefore: number;
  notify: (userIds: string[], event: string, payload: unknown) => void;
  logger: Logger;
  metrics: Metrics;
  clock?: () => Date;
}): BookingReminders {
  const clock = deps.clock ?? (() => new Date());
  const queue = new Queue<ReminderData>(BOOKING_REMINDERS_QUEUE, {
    connection: deps.connection,
    prefix: deps.prefix,
    defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 1000, attempts: 3, backoff: { type: 'exponential', delay: 5000 } },
  });

  deps.events.on('booking.changed', async ({ booking }) => {
    await queue.remove(jobIdFor(booking.id));
    if (booking.status !== 'confirmed') return;
    const remindAt = Date.parse(booking.slotStart) - deps.minutesBefore * 60_000;
    await queue.add('remind', { bookingId: booking.id, slotStart: booking.slotStart }, {
      jobId: jobIdFor(booking.id),
      delay: Math.max(0, remindAt - clock().getTime()),
    });
  });

  const worker = new Worker<ReminderData>(
    BOOKING_REMINDERS_QUEUE,
    async (job: Job<ReminderData>) => {
      const { db } = deps;
      const [booking] = await db.select().from(bookings).where(eq(bookings.id, job.data.bookingId));
      if (!booking || booking.status !== 'confirmed' || booking.slotStart.toISOString() !== job.data.slotStart) {
        return { sent: 0, reason: 'booking no longer confirmed for that slot' };
      }
      const enterpriseUsers = await db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.enterpriseId, booking.enterpriseId), eq(users.active, true)));
      const recipients = [...enterpriseUsers.map((u) => u.id), ...(booking.officerId ? [booking.officerId] : [])];
      const payload = { bookingId: booking.id, slotStart: booking.slotStart.toISOString(), type: booking.type };
      if (recipients.length > 0) {
        await db.insert(notifications).values(recipients.map((userId) => ({ userId, kind: 'booking.reminder', payload })));
      }
      deps.notify(recipients, 'notification', { kind: 'booking.reminder', payload });
      return { sent: recipients.length };
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 4 },
  );
  worker.on('completed', () => deps.metrics.jobsProcessed.inc({ queue: BOOKING_REMINDERS_QUEUE, outcome: 'completed' }));
  worker.on('failed', (job, err) => {
    deps.metrics.jobsProcessed.inc({ queue: BOOKING_REMINDERS_QUEUE, outcome: 'failed' });
    deps.logger.warn({ err, jobId: job?.id }, 'booking reminder failed');
  });

  return {
    queue,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
