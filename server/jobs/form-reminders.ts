/**
 * Reminders for farms' daily forms (planned BullMQ jobs: server/jobs/planned-reminders.ts). For each farm and
 * each recent day: a `due` reminder to the farm at the day's due time and an `escalated` one to the port's
 * officers at the end of the grace period. When one runs, the service checks what is still outstanding and
 * records the reminder once (form_reminders).
 */
import type { ConnectionOptions } from 'bullmq';
import { addDays, daysBetween, localDay } from '../contracts/local-time.ts';
import type { FarmFormService } from '../services/farm-forms.service.ts';
import type { DomainEvents } from '../services/domain-events.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { startPlannedReminders, type PlannedReminder } from './planned-reminders.ts';

export const FORM_REMINDERS_QUEUE = 'form-reminders';

type ReminderData = { siteId: string; day: string; stage: 'due' | 'escalated' };

export const formReminderJobId = (stage: 'due' | 'escalated', siteId: string, day: string) => `${stage}_${siteId}_${day}`;

export function startFormReminders(deps: {
  connection: ConnectionOptions;
  prefix: string;
  forms: Pick<FarmFormService, 'farms' | 'dueAt' | 'graceMs' | 'recordReminder'>;
  events: DomainEvents;
  logger: Logger;
  metrics: Metrics;
  clock?: () => Date;
}) {
  async function* plan(now: Date): AsyncIterable<PlannedReminder<ReminderData>> {
    const graceMs = deps.forms.graceMs;
    // Days whose escalation may still be ahead: as many as the grace period spans, and today.
    const back = Math.ceil(graceMs / 86_400_000) + 1;
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
          yield { id: formReminderJobId(stage, farm.id, day), data: { siteId: farm.id, day, stage }, at: new Date(at) };
        }
      }
    }
  }
  return startPlannedReminders<ReminderData>({
    ...deps,
    queue: FORM_REMINDERS_QUEUE,
    plan,
    send: ({ siteId, day, stage }) => deps.forms.recordReminder(siteId, day, stage),
    // Three weeks: a finished job's id still blocks planning it again.
    keepSeconds: 21 * 86_400,
  });
}
