/**
 * The one writer of session timelines. Every event is checked against its contract
 * (server/contracts/timeline.ts), stored, and announced (`session.timeline`, which the socket layer pushes
 * to the session) only once it is committed. Reads of the table go through here as well.
 */
import { and, asc, eq, notInArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/database.ts';
import { timelineEvents } from '../db/schema.ts';
import { officersOnlyKinds, timelinePayloads, type SealedTimelineEvent, type TimelineEvent, type TimelineEventOf, type TimelineKind, type TimelinePayload } from '../contracts/timeline.ts';
import type { DomainEvents } from './domain-events.ts';

export interface TimelineEntry<K extends TimelineKind> {
  sessionId: string;
  kind: K;
  actorId: string | null;
  payload: TimelinePayload<K>;
  /** When it happened, if not now (an alarm is timed as its row). */
  at?: Date;
}

/** Appends inside a transaction; what it appends is announced when the transaction commits. */
export type TimelineWriter = <K extends TimelineKind>(entry: TimelineEntry<K>) => Promise<TimelineEventOf<K>>;

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export class TimelineService {
  constructor(private readonly deps: { db: Db; events: DomainEvents; clock?: () => Date }) {}

  /** Writes an event and announces it. */
  async append<K extends TimelineKind>(entry: TimelineEntry<K>): Promise<TimelineEventOf<K>> {
    const event = await this.insert(this.deps.db, entry);
    this.announce(event);
    return event;
  }

  /**
   * Runs `work` in one transaction with a writer for the timeline: its events are announced after the
   * commit, and never when the transaction rolls back.
   */
  async transaction<T>(work: (tx: Tx, append: TimelineWriter) => Promise<T>): Promise<T> {
    const written: TimelineEvent[] = [];
    const result = await this.deps.db.transaction((tx) =>
      work(tx, async (entry) => {
        const event = await this.insert(tx, entry);
        written.push(event);
        return event;
      }),
    );
    for (const event of written) this.announce(event);
    return result;
  }

  /**
   * A session's events in the order they happened (ties by id), at most `limit`; for the enterprise side,
   * without the officers-only kinds. No access check: callers do it.
   */
  async events(sessionId: string, limit: number, audience: 'officers' | 'enterprise' = 'officers'): Promise<TimelineEvent[]> {
    const hidden = audience === 'enterprise' ? notInArray(timelineEvents.kind, [...officersOnlyKinds]) : undefined;
    const rows = await this.deps.db
      .select()
      .from(timelineEvents)
      .where(and(eq(timelineEvents.sessionId, sessionId), hidden))
      .orderBy(asc(timelineEvents.at), asc(timelineEvents.id))
      .limit(limit);
    return rows.map(toEvent);
  }

  /** Every event in id order, as sealed (`db`: the caller's transaction when it holds one). */
  async sealable(sessionId: string, db: DbOrTx = this.deps.db): Promise<SealedTimelineEvent[]> {
    const rows = await db.select().from(timelineEvents).where(eq(timelineEvents.sessionId, sessionId)).orderBy(asc(timelineEvents.id));
    return rows.map(({ id, kind, at, actorId, payload }) => ({ id, kind, at: at.toISOString(), actorId, payload }) as SealedTimelineEvent);
  }

  /** One event of a session, if it is of that kind. */
  async find<K extends TimelineKind>(sessionId: string, id: number, kind: K): Promise<TimelineEventOf<K> | null> {
    const [row] = await this.deps.db
      .select()
      .from(timelineEvents)
      .where(and(eq(timelineEvents.id, id), eq(timelineEvents.sessionId, sessionId), eq(timelineEvents.kind, kind)));
    return row ? (toEvent(row) as TimelineEventOf<K>) : null;
  }

  /** Whether the command was acknowledged already. */
  async isAcknowledged(sessionId: string, commandId: number): Promise<boolean> {
    const [row] = await this.deps.db
      .select({ id: timelineEvents.id })
      .from(timelineEvents)
      .where(and(eq(timelineEvents.sessionId, sessionId), eq(timelineEvents.kind, 'acknowledgement'), sql`${timelineEvents.payload}->>'commandId' = ${String(commandId)}`))
      .limit(1);
    return row !== undefined;
  }

  private async insert<K extends TimelineKind>(db: DbOrTx, entry: TimelineEntry<K>): Promise<TimelineEventOf<K>> {
    // A payload that breaks the contract is our bug: it must fail here, not in a viewer or a sealed export.
    const payload = timelinePayloads[entry.kind].parse(entry.payload) as TimelinePayload<K>;
    const [row] = await db
      .insert(timelineEvents)
      .values({ sessionId: entry.sessionId, kind: entry.kind, actorId: entry.actorId, payload, at: entry.at ?? this.deps.clock?.() ?? new Date() })
      .returning();
    return toEvent(row!) as TimelineEventOf<K>;
  }

  private announce(event: TimelineEvent): void {
    this.deps.events.emit('session.timeline', { sessionId: event.sessionId, event, officersOnly: officersOnlyKinds.includes(event.kind) });
  }
}

function toEvent(row: typeof timelineEvents.$inferSelect): TimelineEvent {
  return { id: row.id, sessionId: row.sessionId, kind: row.kind, at: row.at.toISOString(), actorId: row.actorId, payload: row.payload } as TimelineEvent;
}
