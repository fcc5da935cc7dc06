/**
 * Deadline reminders — rectifications due and overdue, declarations whose validity ends, annual reports due
 * and overdue — as planned BullMQ jobs (server/jobs/planned-reminders.ts); what is due and whether it is still
 * wanted: server/services/deadline-reminders.service.ts.
 */
import type { ConnectionOptions } from 'bullmq';
import type { DeadlineKind, DeadlineReminderService } from '../services/deadline-reminders.service.ts';
import type { DomainEvents } from '../services/domain-events.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { startPlannedReminders, type PlannedReminder } from './planned-reminders.ts';

export const DEADLINE_REMINDERS_QUEUE = 'deadline-reminders';

type ReminderData = { kind: DeadlineKind; subjectId: string; stage: string };

export const deadlineReminderJobId = (d: ReminderData) => `${d.kind}_${d.stage}_${d.subjectId}`;

export function startDeadlineReminders(deps: {
  connection: ConnectionOptions;
  prefix: string;
  deadlines: Pick<DeadlineReminderService, 'deadlines' | 'send'>;
  events: DomainEvents;
  logger: Logger;
  metrics: Metrics;
  clock?: () => Date;
}) {
  async function* plan(now: Date): AsyncIterable<PlannedReminder<ReminderData>> {
    for await (const { at, ...data } of deps.deadlines.deadlines(now)) yield { id: deadlineReminderJobId(data), data, at };
  }
  return startPlannedReminders<ReminderData>({
    ...deps,
    queue: DEADLINE_REMINDERS_QUEUE,
    plan,
    send: ({ kind, subjectId, stage }) => deps.deadlines.send(kind, subjectId, stage),
    // Past the catch-up window: a finished job's id keeps it from being planned again while it could be.
    keepSeconds: 10 * 86_400,
  });
}
