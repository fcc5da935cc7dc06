/**
 * Reminders for farms' daily forms, as BullMQ delayed jobs (kept in Redis: a restart of the platform in
 * between does not lose them). A planning job (at start, then every ten minutes, on one node at a time) adds,
 * for each farm and each recent day, a `due` job at the day's due time and an `escalated` job at the end of
 * the grace period; a job's id names its farm, day and stage, so planning again adds nothing twice. When a job
 * runs, the service checks what is still outstanding and records the reminder once (form_reminders).
 */
import { DelayedError, Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { addDays, daysBetween, localDay } from '../contracts/local-time.ts';
import type { FarmFormService } from '../services/farm-forms.service.ts';
import type { SocketServer } from '../realtime/socket-server.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';

export const FORM_REMINDERS_QUEUE = 'form-reminders';
const PLAN_EVERY_MS = 10 * 60_000;

type ReminderData = { siteId: string; day: string; stage: 'due' | 'escalated' } | Record<string, never>;

export const formReminderJobId = (stage: 'due' | 'escalated', siteId: string, day: string) => `${stage}_${siteId}_${day}`;

export async function startFormReminders(deps: {
  connection: ConnectionOptions;
  prefix: string;
  forms: Pick<FarmFormService, 'farms' | 'dueAt' | 'graceMs' | 'recordReminder'>;
  notify: SocketServer['toUsers'];
  logger: Logger;
  metrics: Metrics;
  clock?: () => Date;
}) {
  const clock = deps.clock ?? (() => new Date());
  const queue = new Queue<ReminderData>(FORM_REMINDERS_QUEUE, {
    connection: deps.connection,
    prefix: deps.prefix,
    // Kept three weeks: a finished job's id still blocks planning it again.
    defaultJobOptions: { removeOnComplete: { age: 21 * 86_400 }, removeOnFail: { age: 21 * 86_400 }, attempts: 5, backoff: { type: 'exponential', delay: 10_000 } },
  });

  async function plan(): Promise<number> {
    const now = clock();
    const graceMs = deps.forms.graceMs;
    // Days whose escalation may still be ahead: as many as the grace period spans, and today.
    const back = Math.ceil(graceMs / 86_400_000) + 1;
    let added = 0;
    for (const farm of await deps.forms.farms()) {
      const today = localDay(now, farm.timeZone);
      const first = localDay(farm.createdAt, farm.timeZone);
      for (let i = back; i >= 0; i--) {
        const day = addDays(today, -i);
        if (daysBetween(first, day) < 0) continue;
        const due = deps.forms.dueAt(day, farm.timeZone).getTime();
        for (const [stage, at] of [
          ['due', due],
          ['escalated', due + graceMs],
        ] as const) {
          // Long past: planned (and run) before, or the farm did not exist then.
          if (at < now.getTime() - 2 * 86_400_000) continue;
          await queue.add(stage, { siteId: farm.id, day, stage }, { jobId: formReminderJobId(stage, farm.id, day), delay: Math.max(0, at - now.getTime()) });
          added++;
        }
      }
    }
    return added;
  }

  const worker = new Worker<ReminderData>(
    FORM_REMINDERS_QUEUE,
    async (job: Job<ReminderData>, token?: string) => {
      if (job.name === 'plan') return { planned: await plan() };
      const { siteId, day, stage } = job.data as { siteId: string; day: string; stage: 'due' | 'escalated' };
      const reminder = await deps.forms.recordReminder(siteId, day, stage);
      if (!reminder) return { sent: 0 };
      if ('notBefore' in reminder) {
        // Too early: back to waiting, the same job, until it is time.
        await job.moveToDelayed(reminder.notBefore.getTime(), token);
        throw new DelayedError();
      }
      deps.notify(reminder.recipients, 'notification', { kind: String(reminder.payload.kind), payload: reminder.payload });
      return { sent: reminder.recipients.length, forms: reminder.payload.forms };
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 4 },
  );
  worker.on('completed', () => deps.metrics.jobsProcessed.inc({ queue: FORM_REMINDERS_QUEUE, outcome: 'completed' }));
  worker.on('failed', (job, err) => {
    deps.metrics.jobsProcessed.inc({ queue: FORM_REMINDERS_QUEUE, outcome: 'failed' });
    deps.logger.warn({ err, jobId: job?.id }, 'form reminder failed');
  });

  await queue.upsertJobScheduler('form-reminders-plan', { every: PLAN_EVERY_MS }, { name: 'plan', data: {}, opts: { removeOnComplete: 10, removeOnFail: 10 } });
  // Once now as well: what was due while the platform was down is planned at once.
  await queue.add('plan', {}, { removeOnComplete: 10, removeOnFail: 10 });

  return {
    queue,
    /** Plans now (a new farm, a test): the same as the scheduled run. */
    plan,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
