/**
 * Reminds the enterprise and the officer shortly before a confirmed inspection. A delayed BullMQ job per
 * confirmed slot; when the slot changes or the booking is cancelled, the job is removed (and the worker
 * re-checks the booking anyway, so a stale job does nothing).
 */
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { BookingService } from '../services/bookings.service.ts';
import type { DomainEvents } from '../services/domain-events.ts';
import type { SocketServer } from '../realtime/socket-server.ts';
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
  bookings: Pick<BookingService, 'recordReminder'>;
  connection: ConnectionOptions;
  prefix: string;
  events: DomainEvents;
  minutesBefore: number;
  notify: SocketServer['toUsers'];
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
    await queue.add(
      'remind',
      { bookingId: booking.id, slotStart: booking.slotStart },
      {
        jobId: jobIdFor(booking.id),
        delay: Math.max(0, remindAt - clock().getTime()),
      },
    );
  });

  const worker = new Worker<ReminderData>(
    BOOKING_REMINDERS_QUEUE,
    async (job: Job<ReminderData>) => {
      const reminder = await deps.bookings.recordReminder(job.data.bookingId, job.data.slotStart);
      if (!reminder) return { sent: 0, reason: 'booking no longer confirmed for that slot' };
      const { recipients, payload } = reminder;
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
