/**
 * Alarms: rule results (inference/alarms/rules.ts) become persisted alarms on the session timeline,
 * pushed live, de-duplicated per session with a cooldown; an officer of the session acknowledges them.
 */
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { alarms, bookings, inspectionSessions } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { AlarmCooldown, type AlarmCandidate } from '../../inference/index.ts';
import { assertMayReadSession, mayAcknowledgeAlarms, maySeeAlarms, type Principal } from './access.ts';
import type { TimelineService } from './timeline.service.ts';
import { appendAudit } from './audit.service.ts';
import type { DomainEvents } from './domain-events.ts';

export interface AlarmContext {
  sessionId: string | null;
  siteId?: string | null;
  cameraId?: string | null;
  /** Relative path of the JPEG of the frame the alarm is about. */
  evidencePath?: string | null;
  /** Writes the evidence picture and returns its relative path; called only for a new (not repeated) alarm. */
  saveEvidence?: () => Promise<string>;
}

const COOLDOWN_MS = 60_000;
/** Cooldown trackers per session (or per site without a session); bounded by the number of live scopes. */
const MAX_SCOPES = 10_000;
/** The cooldown keeps a session to a few alarms a minute; this bounds a pathological one. */
const MAX_LISTED = 2000;

export class AlarmService {
  private readonly cooldowns = new Map<string, AlarmCooldown>();

  constructor(private readonly deps: { db: Db; events: DomainEvents; timeline: TimelineService; clock?: () => Date; cooldownMs?: number }) {}

  /** Persists and announces an alarm unless the same one fired within the cooldown. Returns its id or null. */
  async raise(candidate: AlarmCandidate, context: AlarmContext): Promise<string | null> {
    const scope = context.sessionId ?? `site:${context.siteId ?? 'none'}`;
    let cooldown = this.cooldowns.get(scope);
    if (!cooldown) {
      if (this.cooldowns.size >= MAX_SCOPES) this.cooldowns.delete(this.cooldowns.keys().next().value!);
      cooldown = new AlarmCooldown(this.deps.cooldownMs ?? COOLDOWN_MS);
      this.cooldowns.set(scope, cooldown);
    }
    if (!cooldown.admit(candidate, (this.deps.clock?.() ?? new Date()).getTime())) return null;
    const evidencePath = context.saveEvidence ? await context.saveEvidence() : (context.evidencePath ?? null);
    const alarm = await this.deps.timeline.transaction(async (tx, appendTimeline) => {
      const [alarm] = await tx
        .insert(alarms)
        .values({
          sessionId: context.sessionId,
          siteId: context.siteId ?? null,
          cameraId: context.cameraId ?? null,
          rule: candidate.rule,
          details: candidate.details,
          frameAt: candidate.frameAt,
          evidencePath,
        })
        .returning();
      if (context.sessionId) {
        await appendTimeline({
          sessionId: context.sessionId,
          kind: 'alarm',
          actorId: null,
          at: alarm!.createdAt,
          payload: { alarmId: alarm!.id, rule: candidate.rule, ...candidate.details, frameAt: candidate.frameAt.toISOString(), evidencePath },
        });
      }
      return alarm!;
    });
    return alarm.id;
  }

  /** The alarms of a session, oldest first, for its officer and supervisors (the enterprise is not told). */
  async listForSession(p: Principal, sessionId: string) {
    const session = await assertMayReadSession(this.deps.db, p, sessionId);
    if (!maySeeAlarms(p, session)) throw forbidden('Alarms are for officers and supervisors');
    const rows = await this.deps.db.select().from(alarms).where(eq(alarms.sessionId, sessionId)).orderBy(asc(alarms.createdAt)).limit(MAX_LISTED);
    return rows.map(({ evidencePath, ...alarm }) => ({ ...alarm, hasEvidence: evidencePath !== null }));
  }

  /** The stored frame of an alarm, for those who may see the alarm. */
  async evidenceFile(p: Principal, alarmId: string): Promise<string | null> {
    const [row] = await this.deps.db.select().from(alarms).where(eq(alarms.id, alarmId));
    if (!row || !row.sessionId) throw notFound('Alarm');
    const session = await assertMayReadSession(this.deps.db, p, row.sessionId).catch(() => {
      throw notFound('Alarm');
    });
    if (!maySeeAlarms(p, session)) throw notFound('Alarm');
    return row.evidencePath;
  }

  /** An officer of the session (or a supervisor) acknowledges an open alarm, once. */
  async acknowledge(p: Principal, alarmId: string) {
    const { db } = this.deps;
    const now = this.deps.clock?.() ?? new Date();
    const [row] = await db
      .select({ alarm: alarms, booking: bookings })
      .from(alarms)
      .leftJoin(inspectionSessions, eq(inspectionSessions.id, alarms.sessionId))
      .leftJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
      .where(eq(alarms.id, alarmId));
    if (!row || (row.booking ? !maySeeAlarms(p, row.booking) : p.role !== 'supervisor' && p.role !== 'admin')) throw notFound('Alarm');
    if (!mayAcknowledgeAlarms(p, row.booking)) throw forbidden('The officer of the session or a supervisor acknowledges alarms');
    if (row.alarm.status === 'acknowledged') throw new AppError('conflict', 'This alarm was acknowledged already');
    await db.transaction(async (tx) => {
      await tx.update(alarms).set({ status: 'acknowledged', acknowledgedBy: p.userId, acknowledgedAt: now }).where(eq(alarms.id, alarmId));
      await appendAudit(tx, { actorId: p.userId, action: 'alarm.acknowledge', entityType: 'alarm', entityId: alarmId, details: { rule: row.alarm.rule } }, now);
    });
    if (row.alarm.sessionId) {
      this.deps.events.emit('alarm.acknowledged', { sessionId: row.alarm.sessionId, alarmId, by: p.userId });
    }
    return { alarmId, status: 'acknowledged' as const, acknowledgedBy: p.userId, acknowledgedAt: now.toISOString() };
  }
}
