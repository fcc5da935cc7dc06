/**
 * Alarms as incidents. A rule result (inference/alarms/rules.ts) for a camera and value raises an
 * incident, persisted and put on the session timeline; while it is open, the same condition again only
 * counts as an occurrence of it (at most one per cooldown, so a frozen camera cannot flood anyone); it
 * closes when acknowledged or when the condition clears. A camera's rule can be muted for a while.
 * Every change is announced once (`alarm.changed`), which the socket layer pushes to the session's officers.
 */
import { aliasedTable, and, asc, count, desc, eq, gt, gte, inArray, isNull, lte, sql } from 'drizzle-orm';
import { isUniqueViolation, type Db, type DbOrTx } from '../db/database.ts';
import { alarmMutes, alarms, bookings, cameras, declarations, enterprises, inspectionSessions, sites, users, type cameraRecordingModes } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { AlarmCooldown, type AlarmCandidate } from '../../inference/index.ts';
import { assertMayReadSession, mayAcknowledgeAlarms, mayReviewFarmAlarms, maySeeAlarms, readableBookings, requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import type { DomainEvents } from './domain-events.ts';
import type { TimelineService } from './timeline.service.ts';
import { announce, portOfficers, storeNotifications, type Notified } from './recipients.ts';
import type { AlarmMuteView, AlarmView } from '../contracts/records.ts';

export interface AlarmContext {
  sessionId: string | null;
  siteId?: string | null;
  cameraId?: string | null;
  /** Relative path of the JPEG of the frame the alarm is about. */
  evidencePath?: string | null;
  /** Writes the evidence picture and returns its relative path; called only when a new incident is raised. */
  saveEvidence?: () => Promise<string>;
}

const COOLDOWN_MS = 60_000;
/** Cooldown trackers per session (or per site without a session); bounded by the number of live scopes. */
const MAX_SCOPES = 10_000;
/** Incidents keep a session to a handful of rows; this bounds a pathological one. */
const MAX_LISTED = 2000;

/** A review item's state as reviewers speak of it: still open (unreviewed), reviewed (acknowledged), or cleared by itself. */
export const REVIEW_STATES = { unreviewed: 'open', reviewed: 'acknowledged', cleared: 'cleared' } as const;

export interface FarmReviewFilter {
  siteId?: string;
  cameraId?: string;
  rule?: string;
  state?: keyof typeof REVIEW_STATES;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

export type FarmAlarmView = AlarmView & {
  siteName: string;
  cameraName: string | null;
  enterpriseName: string;
  reviewedByName: string | null;
  /** The camera's recording now ('off': there is no footage of it to play or hold). */
  cameraRecording: (typeof cameraRecordingModes)[number] | null;
};
/** A dashboard shows the newest; beyond this the officer opens the sessions. */
const OPEN_LISTED = 200;
/** One request acknowledges at most this many. */
export const MAX_ACKNOWLEDGED_AT_ONCE = 200;

type AlarmRow = typeof alarms.$inferSelect;

export class AlarmService {
  private readonly cooldowns = new Map<string, AlarmCooldown>();

  constructor(private readonly deps: { db: Db; events: DomainEvents; timeline: TimelineService; clock?: () => Date; cooldownMs?: number }) {}

  private now(): Date {
    return this.deps.clock?.() ?? new Date();
  }

  /**
   * A rule fired: raises a new incident, or counts an occurrence of the open one for the same camera and
   * value. Returns the incident's id, or null when muted or seen again within the cooldown (not counted).
   */
  async raise(candidate: AlarmCandidate, context: AlarmContext): Promise<string | null> {
    const now = this.now();
    const key = incidentKey(candidate, context);
    if (!this.cooldown(context).admit({ ...candidate, dedupeKey: key }, now.getTime())) return null;
    if (context.cameraId && (await this.isMuted(context.cameraId, candidate.rule, now))) return null;
    const open = await this.openIncident(context, key);
    if (open) return this.repeat(open, candidate, now);
    const evidencePath = context.saveEvidence ? await context.saveEvidence() : (context.evidencePath ?? null);
    try {
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
            dedupeKey: key,
            lastSeenAt: now,
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
        return { ...alarm!, told: await this.tellOfficers(tx, alarm!, context) };
      });
      this.announce(alarm, 'raised');
      announce(this.deps.events, alarm.told);
      return alarm.id;
    } catch (err) {
      // Raised at the same moment by another node or request: this one is an occurrence of that one.
      if (!isUniqueViolation(err)) throw err;
      const raced = await this.openIncident(context, key);
      if (!raced) throw err;
      return this.repeat(raced, candidate, now);
    }
  }

  /**
   * A new incident is told to the officers who watch it (the raising transaction): a session's officer, or
   * a supervised farm's port's officers; by every channel they chose, quiet hours or not.
   */
  private async tellOfficers(tx: DbOrTx, alarm: AlarmRow, context: AlarmContext): Promise<Notified> {
    const [camera] = context.cameraId
      ? await tx.select({ name: cameras.name, siteName: sites.name, portId: sites.portId }).from(cameras).innerJoin(sites, eq(sites.id, cameras.siteId)).where(eq(cameras.id, context.cameraId))
      : [];
    let userIds: string[] = [];
    if (context.sessionId) {
      const [session] = await tx
        .select({ officerId: bookings.officerId })
        .from(inspectionSessions)
        .innerJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
        .where(eq(inspectionSessions.id, context.sessionId));
      userIds = session?.officerId ? [session.officerId] : [];
    } else if (camera?.portId) userIds = await portOfficers(tx, camera.portId);
    const payload = {
      alarmId: alarm.id,
      rule: alarm.rule,
      place: camera ? `${camera.siteName} · ${camera.name}` : '',
      at: alarm.createdAt.toISOString(),
      sessionId: alarm.sessionId,
    };
    await storeNotifications(tx, userIds, 'alarm.raised', payload, alarm.createdAt);
    return { userIds, kind: 'alarm.raised', payload };
  }

  /** The condition of an open incident went away (the camera sends again, the picture moves): it closes. */
  async clear(context: { sessionId: string | null; siteId?: string | null; cameraId?: string | null }, candidate: Pick<AlarmCandidate, 'dedupeKey'>): Promise<void> {
    const key = incidentKey(candidate, context);
    this.cooldown(context).forget(key);
    const open = await this.openIncident(context, key);
    if (!open) return;
    const [cleared] = await this.deps.db
      .update(alarms)
      .set({ status: 'cleared', clearedAt: this.now() })
      .where(and(eq(alarms.id, open.id), eq(alarms.status, 'open')))
      .returning();
    if (cleared) this.announce(cleared, 'cleared');
  }

  /** The alarms of a session, oldest first, for its officers and supervisors (the enterprise is not told). */
  async listForSession(p: Principal, sessionId: string): Promise<AlarmView[]> {
    const session = await assertMayReadSession(this.deps.db, p, sessionId);
    if (!maySeeAlarms(p, session)) throw forbidden('Alarms are for officers and supervisors');
    const rows = await this.deps.db.select().from(alarms).where(eq(alarms.sessionId, sessionId)).orderBy(asc(alarms.createdAt)).limit(MAX_LISTED);
    return rows.map(toView);
  }

  /**
   * Open incidents of the running sessions the caller may read (an officer: theirs and their port's), newest
   * first: the "today" view. A closed session's incidents stay in its archive, not on the dashboard.
   */
  async openForOfficer(p: Principal): Promise<AlarmView[]> {
    requireRole(p, 'officer', 'supervisor', 'admin');
    const rows = await this.deps.db
      .select({ alarm: alarms })
      .from(alarms)
      .innerJoin(inspectionSessions, eq(inspectionSessions.id, alarms.sessionId))
      .innerJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
      .where(and(eq(alarms.status, 'open'), isNull(inspectionSessions.endedAt), readableBookings(p)))
      .orderBy(desc(alarms.lastSeenAt))
      .limit(OPEN_LISTED);
    return rows.map((r) => toView(r.alarm));
  }

  /**
   * The review queue of supervised farms: their incidents outside sessions, newest first, as the caller may
   * see them (an officer their port's farms; supervisors all), filtered by farm, camera, rule, state and time.
   */
  async farmReviewQueue(p: Principal, f: FarmReviewFilter): Promise<{ items: FarmAlarmView[]; total: number }> {
    requireRole(p, 'officer', 'supervisor', 'admin');
    const reviewers = aliasedTable(users, 'reviewer');
    const where = and(
      isNull(alarms.sessionId),
      p.role === 'officer' ? (p.portId ? eq(sites.portId, p.portId) : sql`false`) : undefined,
      f.siteId ? eq(alarms.siteId, f.siteId) : undefined,
      f.cameraId ? eq(alarms.cameraId, f.cameraId) : undefined,
      f.rule ? eq(alarms.rule, f.rule) : undefined,
      f.state ? eq(alarms.status, REVIEW_STATES[f.state]) : undefined,
      f.from ? gte(alarms.lastSeenAt, f.from) : undefined,
      f.to ? lte(alarms.createdAt, f.to) : undefined,
    );
    const base = this.deps.db.select({ n: count() }).from(alarms).innerJoin(sites, eq(sites.id, alarms.siteId));
    const [total] = await base.where(where);
    const rows = await this.deps.db
      .select({ alarm: alarms, siteName: sites.name, cameraName: cameras.name, cameraRecording: cameras.recording, enterpriseName: enterprises.name, reviewedByName: reviewers.displayName })
      .from(alarms)
      .innerJoin(sites, eq(sites.id, alarms.siteId))
      .innerJoin(enterprises, eq(enterprises.id, sites.enterpriseId))
      .leftJoin(cameras, eq(cameras.id, alarms.cameraId))
      .leftJoin(reviewers, eq(reviewers.id, alarms.acknowledgedBy))
      .where(where)
      .orderBy(desc(alarms.lastSeenAt))
      .limit(f.limit)
      .offset(f.offset);
    return {
      total: total?.n ?? 0,
      items: rows.map((r) => ({
        ...toView(r.alarm),
        siteName: r.siteName,
        cameraName: r.cameraName,
        cameraRecording: r.cameraRecording,
        enterpriseName: r.enterpriseName,
        reviewedByName: r.reviewedByName,
      })),
    };
  }

  /** Keeps the footage clip made around an alarm (its path under the data dir and its hash), once. */
  async attachClip(alarmId: string, clip: { path: string; sha256: string }): Promise<void> {
    await this.deps.db
      .update(alarms)
      .set({ clipPath: clip.path, clipSha256: clip.sha256 })
      .where(and(eq(alarms.id, alarmId), isNull(alarms.clipPath)));
  }

  /** The footage clip of an alarm, for those who may see the alarm. */
  async clipFile(p: Principal, alarmId: string): Promise<string | null> {
    await this.evidenceFile(p, alarmId);
    const [row] = await this.deps.db.select({ clipPath: alarms.clipPath }).from(alarms).where(eq(alarms.id, alarmId));
    return row?.clipPath ?? null;
  }

  /** The stored frame of an alarm, for those who may see the alarm. */
  async evidenceFile(p: Principal, alarmId: string): Promise<string | null> {
    const [row] = await this.deps.db.select().from(alarms).where(eq(alarms.id, alarmId));
    if (!row) throw notFound('Alarm');
    if (!row.sessionId) {
      const [site] = row.siteId ? await this.deps.db.select({ portId: sites.portId }).from(sites).where(eq(sites.id, row.siteId)) : [];
      if (!mayReviewFarmAlarms(p, site ?? null)) throw notFound('Alarm');
      return row.evidencePath;
    }
    const session = await assertMayReadSession(this.deps.db, p, row.sessionId).catch(() => {
      throw notFound('Alarm');
    });
    if (!maySeeAlarms(p, session)) throw notFound('Alarm');
    return row.evidencePath;
  }

  /**
   * The officer conducting the session (or a supervisor) acknowledges an open incident, once; a supervised
   * farm's incident is reviewed (acknowledged) by an officer of its port or a supervisor.
   */
  async acknowledge(p: Principal, alarmId: string): Promise<AlarmView> {
    const { db } = this.deps;
    const now = this.now();
    const [row] = await db
      .select({ alarm: alarms, booking: bookings, sitePortId: sites.portId })
      .from(alarms)
      .leftJoin(inspectionSessions, eq(inspectionSessions.id, alarms.sessionId))
      .leftJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
      .leftJoin(sites, eq(sites.id, alarms.siteId))
      .where(eq(alarms.id, alarmId));
    const farm = row && !row.alarm.sessionId ? { portId: row.sitePortId } : null;
    if (!row || (row.booking ? !maySeeAlarms(p, row.booking) : !mayReviewFarmAlarms(p, farm))) throw notFound('Alarm');
    if (row.booking && !mayAcknowledgeAlarms(p, row.booking)) throw forbidden('The officer of the session or a supervisor acknowledges alarms');
    if (row.alarm.status === 'acknowledged') throw new AppError('conflict', 'This alarm was acknowledged already', { reason: 'alarm_already_acknowledged' });
    if (row.alarm.status === 'cleared') throw new AppError('conflict', 'This alarm cleared by itself', { reason: 'alarm_already_cleared' });
    const updated = await db.transaction(async (tx) => {
      const [updated] = await tx
        .update(alarms)
        .set({ status: 'acknowledged', acknowledgedBy: p.userId, acknowledgedAt: now })
        .where(and(eq(alarms.id, alarmId), eq(alarms.status, 'open')))
        .returning();
      if (!updated) throw new AppError('conflict', 'This alarm is closed already', { reason: 'alarm_already_acknowledged' });
      await appendAudit(tx, { actorId: p.userId, action: 'alarm.acknowledge', entityType: 'alarm', entityId: alarmId, details: { rule: row.alarm.rule, occurrences: updated.occurrences } }, now);
      return updated;
    });
    this.announce(updated, 'acknowledged');
    return toView(updated);
  }

  /** Acknowledges several open incidents; those that closed meanwhile are reported as skipped, not refused. */
  async acknowledgeMany(p: Principal, alarmIds: string[]): Promise<{ acknowledged: string[]; skipped: string[] }> {
    if (alarmIds.length > MAX_ACKNOWLEDGED_AT_ONCE)
      throw new AppError('bad_request', `At most ${MAX_ACKNOWLEDGED_AT_ONCE} alarms at once`, { reason: 'too_many_at_once', params: { max: MAX_ACKNOWLEDGED_AT_ONCE } });
    const acknowledged: string[] = [];
    const skipped: string[] = [];
    for (const id of new Set(alarmIds)) {
      try {
        await this.acknowledge(p, id);
        acknowledged.push(id);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'conflict') throw err;
        skipped.push(id);
      }
    }
    return { acknowledged, skipped };
  }

  /**
   * Silences one rule of one of the session's cameras until `minutes` from now (the officer conducting the
   * session or a supervisor; audited). Open incidents stay open; nothing new is raised or counted meanwhile.
   */
  async mute(p: Principal, sessionId: string, input: { cameraId: string; rule: string; minutes: number; reason: string }): Promise<AlarmMuteView> {
    const session = await assertMayReadSession(this.deps.db, p, sessionId);
    if (!maySeeAlarms(p, session)) throw notFound('Session');
    if (!mayAcknowledgeAlarms(p, session)) throw forbidden('The officer of the session or a supervisor mutes alarms');
    const { db } = this.deps;
    const [camera] = await db
      .select({ id: cameras.id })
      .from(cameras)
      .where(and(eq(cameras.id, input.cameraId), inArray(cameras.id, this.siteCameras(sessionId))));
    if (!camera) throw notFound('Camera');
    const now = this.now();
    const until = new Date(now.getTime() + input.minutes * 60_000);
    const mute = await db.transaction(async (tx) => {
      const [mute] = await tx.insert(alarmMutes).values({ cameraId: input.cameraId, rule: input.rule, until, mutedBy: p.userId, reason: input.reason, createdAt: now }).returning();
      await appendAudit(
        tx,
        { actorId: p.userId, action: 'alarm.mute', entityType: 'camera', entityId: input.cameraId, details: { sessionId, rule: input.rule, until: until.toISOString(), reason: input.reason } },
        now,
      );
      return mute!;
    });
    return { ...mute, until: mute.until.toISOString(), createdAt: mute.createdAt.toISOString() };
  }

  /** Mutes in force on the cameras of a session's site. */
  async mutesForSession(p: Principal, sessionId: string): Promise<AlarmMuteView[]> {
    const session = await assertMayReadSession(this.deps.db, p, sessionId);
    if (!maySeeAlarms(p, session)) throw forbidden('Alarms are for officers and supervisors');
    const rows = await this.deps.db
      .select()
      .from(alarmMutes)
      .where(and(inArray(alarmMutes.cameraId, this.siteCameras(sessionId)), gt(alarmMutes.until, this.now())))
      .orderBy(asc(alarmMutes.until))
      .limit(MAX_LISTED);
    return rows.map((m) => ({ ...m, until: m.until.toISOString(), createdAt: m.createdAt.toISOString() }));
  }

  /** The ids of the cameras of a session's site, as a subquery. */
  private siteCameras(sessionId: string) {
    return this.deps.db
      .select({ id: cameras.id })
      .from(cameras)
      .innerJoin(declarations, eq(declarations.siteId, cameras.siteId))
      .innerJoin(bookings, eq(bookings.declarationId, declarations.id))
      .innerJoin(inspectionSessions, eq(inspectionSessions.bookingId, bookings.id))
      .where(eq(inspectionSessions.id, sessionId));
  }

  private cooldown(context: { sessionId: string | null; siteId?: string | null }): AlarmCooldown {
    const scope = scopeOf(context);
    let cooldown = this.cooldowns.get(scope);
    if (!cooldown) {
      if (this.cooldowns.size >= MAX_SCOPES) this.cooldowns.delete(this.cooldowns.keys().next().value!);
      cooldown = new AlarmCooldown(this.deps.cooldownMs ?? COOLDOWN_MS);
      this.cooldowns.set(scope, cooldown);
    }
    return cooldown;
  }

  private async isMuted(cameraId: string, rule: string, now: Date): Promise<boolean> {
    const [mute] = await this.deps.db
      .select({ id: alarmMutes.id })
      .from(alarmMutes)
      .where(and(eq(alarmMutes.cameraId, cameraId), eq(alarmMutes.rule, rule), gt(alarmMutes.until, now)))
      .limit(1);
    return mute !== undefined;
  }

  private async openIncident(context: { sessionId: string | null; siteId?: string | null }, key: string): Promise<AlarmRow | null> {
    const [row] = await this.deps.db
      .select()
      .from(alarms)
      .where(and(sql`coalesce(${alarms.sessionId}::text, ${alarms.siteId}::text, '') = ${scopeOf(context)}`, eq(alarms.dedupeKey, key), eq(alarms.status, 'open')));
    return row ?? null;
  }

  private async repeat(open: AlarmRow, candidate: AlarmCandidate, now: Date): Promise<string> {
    const [repeated] = await this.deps.db
      .update(alarms)
      .set({ occurrences: sql`${alarms.occurrences} + 1`, lastSeenAt: now, details: candidate.details })
      .where(and(eq(alarms.id, open.id), eq(alarms.status, 'open')))
      .returning();
    if (repeated) this.announce(repeated, 'repeated');
    return open.id;
  }

  private announce(row: AlarmRow, change: 'raised' | 'repeated' | 'acknowledged' | 'cleared'): void {
    if (row.sessionId || !row.siteId) {
      this.deps.events.emit('alarm.changed', { sessionId: row.sessionId, change, alarm: toView(row) });
      return;
    }
    // A farm's alarm outside any session: its port's officers are told.
    void this.deps.db
      .select({ portId: sites.portId })
      .from(sites)
      .where(eq(sites.id, row.siteId))
      .then(([site]) => this.deps.events.emit('alarm.changed', { sessionId: null, portId: site?.portId ?? null, change, alarm: toView(row) }));
  }
}

/** The same rule, camera and value: one incident. */
function incidentKey(candidate: Pick<AlarmCandidate, 'dedupeKey'>, context: { cameraId?: string | null }): string {
  return `${context.cameraId ?? '-'}|${candidate.dedupeKey}`;
}

/** An alarm's scope: its session, else its site (as the open-incident index computes it). */
function scopeOf(context: { sessionId: string | null; siteId?: string | null }): string {
  return context.sessionId ?? context.siteId ?? '';
}

function toView(row: AlarmRow): AlarmView {
  return {
    id: row.id,
    sessionId: row.sessionId,
    siteId: row.siteId,
    cameraId: row.cameraId,
    rule: row.rule,
    details: row.details as Record<string, unknown>,
    frameAt: row.frameAt.toISOString(),
    status: row.status,
    occurrences: row.occurrences,
    lastSeenAt: (row.lastSeenAt ?? row.createdAt).toISOString(),
    acknowledgedBy: row.acknowledgedBy,
    acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
    clearedAt: row.clearedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    hasEvidence: row.evidencePath !== null,
    hasClip: row.clipPath !== null,
  };
}
