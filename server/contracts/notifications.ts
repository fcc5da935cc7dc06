/**
 * What the platform tells people and other systems, stated once: every notification kind, the group a user
 * sets preferences for, the channels, and the shape of a webhook event. Imports only zod.
 */
import { z } from 'zod';

/** Every kind of notification (`storeNotifications` is given one of these). */
export const notificationKinds = [
  'booking.requested',
  'booking.confirmed',
  'booking.proposed',
  'booking.cancelled',
  'booking.reminder',
  'session.starting',
  'command.waiting',
  'verdict.recorded',
  'evidence.ready',
  'alarm.raised',
  'form.overdue',
  'form.escalated',
  'form.note',
  'ticket.raised',
  'ticket.message',
  'ticket.answered',
  'notice.published',
  'rectification.opened',
  'rectification.reported',
  'rectification.returned',
  'rectification.accepted',
  'rectification.due',
  'rectification.overdue',
  'declaration.ending',
  'annual_report.due',
  'annual_report.overdue',
  'storage.pressure',
  'webhook.paused',
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/** Users choose channels per group: the part of a kind before the dot. */
export const notificationGroups = [...new Set(notificationKinds.map((k) => k.split('.')[0]!))] as Array<NotificationGroup>;
export type NotificationGroup = NotificationKind extends `${infer G}.${string}` ? G : never;
export const groupOf = (kind: string): NotificationGroup => kind.split('.')[0] as NotificationGroup;

/** The groups each role is told of (what its preferences offer). */
export const groupsFor = (role: string): NotificationGroup[] => {
  const enterprise: NotificationGroup[] = ['booking', 'session', 'command', 'verdict', 'evidence', 'form', 'ticket', 'notice', 'rectification', 'declaration', 'annual_report'];
  const customs: NotificationGroup[] = ['booking', 'alarm', 'evidence', 'form', 'ticket', 'rectification'];
  if (role === 'enterprise_user' || role === 'broker') return enterprise;
  if (role === 'admin') return [...customs, 'storage', 'webhook'];
  return customs;
};

/** In-app is always on; these are delivered outside the platform when the user chose them and verified the address. */
export const externalChannels = ['email', 'sms', 'im'] as const;
export type ExternalChannel = (typeof externalChannels)[number];

/** Alarms are delivered in quiet hours too. */
export const ignoresQuietHours = (kind: string) => groupOf(kind) === 'alarm';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const notificationPreferences = z
  .object({
    /** Per group, the outside channels (in-app is always on). A group not named: email, if verified. */
    channels: z.partialRecord(z.enum(notificationGroups as [NotificationGroup, ...NotificationGroup[]]), z.array(z.enum(externalChannels)).max(3)),
    /** Nothing but alarms goes out between these times (the user's port time zone, or the platform's). */
    quietHours: z.object({ start: hhmm, end: hhmm }).nullable(),
  })
  .strict()
  .meta({ id: 'NotificationPreferences' });
export type NotificationPreferences = z.output<typeof notificationPreferences>;

/** The channels a group goes to when the user has not chosen. */
export const DEFAULT_CHANNELS: readonly ExternalChannel[] = ['email'];

/** A webhook event as POSTed (version 1): the notification kind, when, and what it is about. */
export const webhookEvent = z
  .object({
    id: z.uuid().meta({ description: 'the same on every retry: receivers drop one they have seen' }),
    version: z.literal(1),
    type: z.enum(notificationKinds),
    occurredAt: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'WebhookEvent' });
export type WebhookEvent = z.output<typeof webhookEvent>;
