/**
 * Reminders as BullMQ delayed jobs, kept in Redis (a restart of the platform in between loses none). A planning
 * job — at start, then every ten minutes, on one node at a time — asks what is due soon and adds a delayed job
 * for each; a job's id names what it is about and the stage, so planning again adds nothing twice. When a job
 * runs, its `send` checks whether the reminder is still wanted and records it once; a job that runs early
 * (another node's clock, a due time moved later) goes back to waiting until it is time.
 */
import { DelayedError, Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { DomainEvents } from '../services/domain-events.ts';
import { announce, type ReminderOutcome } from '../services/recipients.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';

const PLAN_EVERY_MS = 10 * 60_000;

export interface PlannedReminder<D> {
  /** Unique per subject and stage: the same reminder planned twice is one job. */
  id: string;
  data: D;
  at: Date;
}

export async function startPlannedReminders<D extends Record<string, unknown>>(deps: {
  queue: string;
  connection: ConnectionOptions;
  prefix: string;
  /** The reminders due from now on or recently missed; planned ones are added again at no cost. */
  plan: (now: Date) => AsyncIterable<PlannedReminder<D>>;
  send: (data: D) => Promise<ReminderOutcome>;
  events: DomainEvents;
  logger: Logger;
  metrics: Metrics;
  /** How long a finished job (and so its id, which keeps it from being planned again) is kept. */
  keepSeconds: number;
  clock?: () => Date;
}) {
  const clock = deps.clock ?? (() => new Date());
  const queue = new Queue<D | Record<string, never>>(deps.queue, {
    connection: deps.connection,
    prefix: deps.prefix,
    defaultJobOptions: { removeOnComplete: { age: deps.keepSeconds }, removeOnFail: { age: deps.keepSeconds }, attempts: 5, backoff: { type: 'exponential', delay: 10_000 } },
  });

  async function plan(): Promise<number> {
    const now = clock();
    let added = 0;
    for await (const reminder of deps.plan(now)) {
      await queue.add('remind', reminder.data, { jobId: reminder.id, delay: Math.max(0, reminder.at.getTime() - now.getTime()) });
      added++;
    }
    return added;
  }

  const worker = new Worker<D | Record<string, never>>(
    deps.queue,
    async (job: Job<D | Record<string, never>>, token?: string) => {
      if (job.name === 'plan') return { planned: await plan() };
      const outcome = await deps.send(job.data as D);
      if (!outcome) return { sent: 0 };
      if ('notBefore' in outcome) {
        // Too early: back to waiting, the same job, until it is time.
        await job.moveToDelayed(outcome.notBefore.getTime(), token);
        throw new DelayedError();
      }
      announce(deps.events, outcome);
      return { sent: outcome.userIds.length, kind: outcome.kind };
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 4 },
  );
  worker.on('completed', () => deps.metrics.jobsProcessed.inc({ queue: deps.queue, outcome: 'completed' }));
  worker.on('failed', (job, err) => {
    deps.metrics.jobsProcessed.inc({ queue: deps.queue, outcome: 'failed' });
    deps.logger.warn({ err, jobId: job?.id, queue: deps.queue }, 'reminder failed');
  });

  await queue.upsertJobScheduler(`${deps.queue}-plan`, { every: PLAN_EVERY_MS }, { name: 'plan', data: {}, opts: { removeOnComplete: 10, removeOnFail: 10 } });
  // Once now as well: what fell due while the platform was down is planned at once.
  await queue.add('plan', {}, { removeOnComplete: 10, removeOnFail: 10 });

  return {
    queue,
    /** Plans now (a new subject, a test): the same as the scheduled run. */
    plan,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
