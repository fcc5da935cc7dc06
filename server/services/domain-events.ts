/**
 * In-process notifications that something committed. Services emit after their transaction commits;
 * the realtime layer and job schedulers listen. Keeps services free of socket.io and BullMQ.
 */
import { EventEmitter } from 'node:events';
import type { BookingView } from './bookings.service.ts';
import type { TimelineEvent } from '../contracts/timeline.ts';
import type { AlarmChange, AlarmView } from '../contracts/records.ts';
import type { LoadingEvent } from '../contracts/loading-record.ts';
import type { FarmRead } from './loading-records.service.ts';

export interface DomainEventMap {
  'booking.changed': [{ booking: BookingView; action: string; actorId: string }];
  /** An event was added to a session's timeline (announced by TimelineService only, once committed). */
  'session.timeline': [{ sessionId: string; event: TimelineEvent; officersOnly: boolean }];
  /** An alarm incident was raised, seen again, acknowledged or cleared (announced by AlarmService only). */
  /** portId: the site's port, for alarms outside a session (farm supervision), told to that port's officers. */
  'alarm.changed': [{ sessionId: string | null; portId?: string | null; change: AlarmChange; alarm: AlarmView }];
  /** An event was added to a loading record's timeline (by LoadingRecordService only). */
  'loading.event': [{ recordId: string; portId: string; enterpriseId: string; event: LoadingEvent; officersOnly: boolean }];
  /** A plate or seal read confirmed over frames at a supervised farm's camera (loading records match it). */
  'farm.read': [FarmRead];
  /** A camera was registered, edited or deleted: whatever runs it looks again. */
  'camera.changed': [{ cameraId: string }];
  /** An administrator made another version of the counting model the active one. */
  'model.changed': [{ task: 'count'; version: string }];
  /** Something was said to these users (stored in `notifications` in the same transaction): pushed to their open pages. */
  'user.notified': [{ userIds: string[]; kind: string; payload: Record<string, unknown> }];
  /** Deliveries were written to the outbox with nobody in the platform told (webhooks only, a resend): send soon. */
  'deliveries.queued': [{ count: number }];
  /** Logins that must end now, with their open sockets: one login (`tokenHash`), or every login of a user. */
  'auth.revoked': [{ userId: string; tokenHash?: string }];
}

export class DomainEvents {
  private readonly emitter = new EventEmitter();

  emit<K extends keyof DomainEventMap>(event: K, ...args: DomainEventMap[K]): void {
    this.emitter.emit(event, ...args);
  }

  /** Listens to `event`; returns what stops listening. */
  on<K extends keyof DomainEventMap>(event: K, listener: (...args: DomainEventMap[K]) => void | Promise<void>): () => void {
    // A failing listener must not break the request that already committed.
    const wrapped = (...args: DomainEventMap[K]) => {
      Promise.resolve()
        .then(() => listener(...args))
        .catch((err: unknown) => this.emitter.emit('listener-error', err, event));
    };
    this.emitter.on(event, wrapped);
    return () => this.emitter.off(event, wrapped);
  }

  onListenerError(handler: (err: unknown, event: string) => void): void {
    this.emitter.on('listener-error', handler);
  }
}
