/**
 * Footage of supervised cameras, recorded continuously outside sessions: each hashed segment is stored as
 * it closes, found again by time for review ("play the moment of this alarm"), shown to those who may
 * review the farm's alarms, and deleted when older than the footage retention (sealed session evidence is
 * never footage, and is not touched here).
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, asc, desc, eq, gte, inArray, isNull, lte, lt, notExists, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { alarms, cameraFootage, cameras, enterprises, footageDeletions, footageHolds, sites } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { clipFromSegments, startFfmpeg, unannouncedSegments, type RecordedSegment } from '../../media/index.ts';
import { mayReviewFarmAlarms, readableBy, requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import { filesHere, writeWhole, type EvidenceStore } from '../infra/evidence-store.ts';

/** A clip spans a few segments at most (a long segment setting makes fewer). */
const MAX_CLIP_SEGMENTS = 20;
/** Deletions go in bounded batches: a long-stopped retention must not load every old segment at once. */
const DELETE_BATCH = 500;
/** A hold keeps at most this span of one camera's footage (longer investigations hold several spans). */
const MAX_HOLD_MS = 31 * 86_400_000;
const MAX_HOLDS_LISTED = 200;
/** A full disk frees space a few segments at a time, stopping as soon as enough went. */
const FREE_BATCH = 50;
/** When a footage segment ends. */
const segmentEnd = sql`${cameraFootage.startedAt} + ${cameraFootage.durationMs} * interval '1 millisecond'`;

/** Why footage went: its age (the footage retention), a disk filling up, or no alarm near it (events only). */
export type FootageDeletionReason = 'retention' | 'disk_pressure' | 'events_only';

/** The footage at a moment: a segment to play, or the deletion that took it. */
export type FootageLookup = FootageAt | { deleted: { reason: FootageDeletionReason; deletedAt: string } } | null;

export interface FootageAt {
  footageId: number;
  startedAt: string;
  durationMs: number;
  /** Where `at` falls inside the segment. */
  offsetMs: number;
}

export class CameraFootageService {
  constructor(private readonly deps: { db: Db; dataDir: string; store: EvidenceStore; clock?: () => Date }) {}

  /**
   * Stores a closed segment of a recorder run: its file into the evidence store (with S3, uploaded, so any
   * node reviews it and it outlives this node's disk), then its row (idempotent: announced twice, one row).
   */
  async addSegment(cameraId: string, run: string, segment: RecordedSegment): Promise<void> {
    // Not on this disk: stored already (a bucket took it), or deleted since (retention); a recorder stopping
    // announces its whole run again, and neither may come back as a row.
    if (!fs.existsSync(segment.path)) return;
    const relative = path.relative(this.deps.dataDir, segment.path);
    await this.deps.store.keep(relative);
    await this.deps.db
      .insert(cameraFootage)
      .values({
        cameraId,
        run,
        seq: segment.seq,
        path: relative,
        startedAt: segment.startedAt,
        durationMs: segment.durationMs,
        sizeBytes: segment.sizeBytes,
        sha256: segment.sha256,
      })
      .onConflictDoNothing();
  }

  /**
   * A clip of the camera's footage from `beforeMs` before `at` to `afterMs` after it (an alarm's evidence),
   * cut without re-encoding into `outBase`.mp4/.webm, hashed and put in the evidence store; null when
   * nothing was recorded then.
   */
  async clip(cameraId: string, at: Date, window: { beforeMs: number; afterMs: number }, outBase: string): Promise<{ path: string; sha256: string } | null> {
    const from = new Date(at.getTime() - window.beforeMs);
    const to = new Date(at.getTime() + window.afterMs);
    const rows = await this.deps.db
      .select()
      .from(cameraFootage)
      .where(and(eq(cameraFootage.cameraId, cameraId), lte(cameraFootage.startedAt, to), gte(segmentEnd, from)))
      .orderBy(asc(cameraFootage.startedAt))
      .limit(MAX_CLIP_SEGMENTS);
    if (rows.length === 0) return null;
    const here = await filesHere(
      this.deps.store,
      this.deps.dataDir,
      rows.map((r) => r.path),
    );
    try {
      // The clip starts in the first segment still there (an earlier one may be gone by now).
      const first = rows.find((r) => r.path === here.relatives[0]);
      if (!first) return null;
      const start = Math.max(from.getTime(), first.startedAt.getTime());
      const clip = await clipFromSegments(here.files, (start - first.startedAt.getTime()) / 1000, (to.getTime() - start) / 1000, path.join(this.deps.dataDir, outBase));
      const relative = path.relative(this.deps.dataDir, clip.path);
      await this.deps.store.keep(relative);
      return { path: relative, sha256: clip.sha256 };
    } finally {
      here.release();
    }
  }

  /**
   * Segments ffmpeg wrote but the platform did not get to store (it was killed): found on disk after the
   * last stored segment of each run, repaired, hashed and stored, so no footage written is lost. Runs being
   * recorded now (`recording`, as `<cameraId>/<run>`) are left alone. Returns how many were saved.
   */
  async salvage(recording: ReadonlySet<string> = new Set(), heldElsewhere: ReadonlySet<string> = new Set()): Promise<number> {
    const root = path.join(this.deps.dataDir, 'cameras');
    if (!fs.existsSync(root)) return 0;
    let saved = 0;
    for (const cameraId of fs.readdirSync(root)) {
      // Another live node records this camera into the shared data dir now: its runs are its own.
      if (heldElsewhere.has(cameraId)) continue;
      const [camera] = await this.deps.db
        .select({ id: cameras.id })
        .from(cameras)
        .where(eq(cameras.id, cameraId))
        .catch(() => []);
      if (!camera) continue;
      for (const run of fs.readdirSync(path.join(root, cameraId))) {
        if (recording.has(`${cameraId}/${run}`)) continue;
        const dir = path.join(root, cameraId, run);
        const known = await this.deps.db
          .select()
          .from(cameraFootage)
          .where(and(eq(cameraFootage.cameraId, cameraId), eq(cameraFootage.run, run)))
          .orderBy(asc(cameraFootage.seq));
        const last = known.at(-1);
        for await (const segment of unannouncedSegments(dir, last ? last.seq + 1 : 0, last ? last.startedAt.getTime() + last.durationMs : runStartedAt(run))) {
          await this.addSegment(cameraId, run, segment);
          saved += 1;
        }
      }
    }
    return saved;
  }

  /**
   * The segment of the camera's footage covering `at` (or the first one after it, within a minute); when
   * that footage was deleted, the deletion (its reason and when), so review can say so.
   */
  async at(p: Principal, cameraId: string, at: Date): Promise<FootageLookup> {
    await this.assertMayView(p, cameraId);
    const { db } = this.deps;
    const [covering] = await db
      .select()
      .from(cameraFootage)
      .where(and(eq(cameraFootage.cameraId, cameraId), lte(cameraFootage.startedAt, at)))
      .orderBy(desc(cameraFootage.startedAt))
      .limit(1);
    if (covering && covering.startedAt.getTime() + covering.durationMs >= at.getTime()) return view(covering, at);
    // That moment's footage was deleted: said so, rather than showing a later picture in its place.
    const [deleted] = await db
      .select()
      .from(footageDeletions)
      .where(and(eq(footageDeletions.cameraId, cameraId), lte(footageDeletions.from, at), gte(footageDeletions.to, at)))
      .orderBy(desc(footageDeletions.deletedAt))
      .limit(1);
    if (deleted) return { deleted: { reason: deleted.reason as FootageDeletionReason, deletedAt: deleted.deletedAt.toISOString() } };
    // Nothing was recorded at that very moment (a restart's gap): the next picture, if soon after.
    const [next] = await db
      .select()
      .from(cameraFootage)
      .where(and(eq(cameraFootage.cameraId, cameraId), gte(cameraFootage.startedAt, at), lte(cameraFootage.startedAt, new Date(at.getTime() + 60_000))))
      .orderBy(asc(cameraFootage.startedAt))
      .limit(1);
    return next ? view(next, next.startedAt) : null;
  }

  /**
   * A footage segment as a browser plays it (MP4, remuxed once from the recorded Matroska and stored beside
   * it), for those who may review the camera's farm; the path is relative to the data dir, in the store.
   */
  async playable(p: Principal, footageId: number): Promise<string> {
    const [row] = await this.deps.db.select().from(cameraFootage).where(eq(cameraFootage.id, footageId));
    if (!row) throw notFound('Footage');
    await this.assertMayView(p, row.cameraId);
    const mp4 = playableCopyOf(row.path);
    if ((await this.deps.store.size(mp4)) !== null) return mp4;
    const here = await filesHere(this.deps.store, this.deps.dataDir, [row.path]);
    try {
      const remux = async (partial: string) => {
        const source = here.files[0];
        const { code } = source ? await startFfmpeg(['-y', '-i', source, '-c', 'copy', '-movflags', '+faststart', partial]).exited : { code: -1 };
        if (code !== 0 || !fs.existsSync(partial)) throw new AppError('unavailable', 'The footage cannot be played');
      };
      await writeWhole(path.join(this.deps.dataDir, mp4), remux, '.mp4');
      await this.deps.store.keep(mp4);
    } finally {
      here.release();
    }
    return mp4;
  }

  /** Deletes footage older than `keepDays` that no hold keeps (files and rows), oldest first; recorded per camera. */
  async expire(keepDays: number): Promise<{ segments: number; bytes: number }> {
    const cutoff = new Date(this.now().getTime() - keepDays * 86_400_000);
    let segments = 0;
    let bytes = 0;
    for (;;) {
      const batch = await this.deletable(lt(cameraFootage.startedAt, cutoff));
      if (batch.length === 0) break;
      bytes += await this.deleteSegments(batch, 'retention');
      segments += batch.length;
    }
    return { segments, bytes };
  }

  /**
   * A camera recording events only: its segments that ended before `before` with no alarm of the camera
   * within `aroundMs` of them (and no hold) are deleted. Returns how many went.
   */
  async keepOnlyEvents(cameraId: string, before: Date, aroundMs: number): Promise<number> {
    const nearAlarm = this.deps.db
      .select({ one: sql`1` })
      .from(alarms)
      .where(
        and(
          eq(alarms.cameraId, cameraFootage.cameraId),
          gte(alarms.frameAt, sql`${cameraFootage.startedAt} - ${aroundMs}::int * interval '1 millisecond'`),
          lte(alarms.frameAt, sql`${segmentEnd} + ${aroundMs}::int * interval '1 millisecond'`),
        ),
      );
    const ended = sql`${segmentEnd} < ${before.toISOString()}::timestamptz`;
    const rows = await this.deletable(and(eq(cameraFootage.cameraId, cameraId), ended, notExists(nearAlarm)));
    if (rows.length > 0) await this.deleteSegments(rows, 'events_only');
    return rows.length;
  }

  /**
   * Frees at least `bytes` of disk by deleting the oldest footage that no hold keeps, whatever its camera
   * (a full disk stops every recording). Returns what went; fewer bytes when nothing more may go.
   */
  async freeSpace(bytes: number): Promise<{ segments: number; bytes: number }> {
    let segments = 0;
    let freed = 0;
    while (freed < bytes) {
      const batch = await this.deletable(undefined, FREE_BATCH);
      if (batch.length === 0) break;
      // No further than needed: the batch is cut where the target is reached.
      let take = 0;
      for (let sum = 0; take < batch.length && freed + sum < bytes; take++) sum += batch[take]!.sizeBytes;
      const chosen = batch.slice(0, take);
      freed += await this.deleteSegments(chosen, 'disk_pressure');
      segments += chosen.length;
    }
    return { segments, bytes: freed };
  }

  /** Puts a hold on a camera's footage from `from` to `to` (those who may review the farm's alarms). */
  async hold(p: Principal, cameraId: string, span: { from: Date; to: Date }, reason: string) {
    requireRole(p, 'officer', 'supervisor', 'admin');
    await this.assertMayView(p, cameraId);
    if (span.to.getTime() <= span.from.getTime() || span.to.getTime() - span.from.getTime() > MAX_HOLD_MS) {
      throw new AppError('validation_failed', 'A hold spans more than nothing and at most 31 days', { details: [{ path: ['to'], message: 'after from, within 31 days' }] });
    }
    return this.deps.db.transaction(async (tx) => {
      const [row] = await tx.insert(footageHolds).values({ cameraId, from: span.from, to: span.to, reason, heldBy: p.userId }).returning();
      await appendAudit(tx, {
        actorId: p.userId,
        action: 'footage.hold',
        entityType: 'camera',
        entityId: cameraId,
        details: { holdId: row!.id, from: span.from.toISOString(), to: span.to.toISOString(), reason },
      });
      return row!;
    });
  }

  async releaseHold(p: Principal, holdId: string) {
    requireRole(p, 'officer', 'supervisor', 'admin');
    const [hold] = await this.deps.db.select().from(footageHolds).where(eq(footageHolds.id, holdId));
    if (!hold) throw notFound('Hold');
    await this.assertMayView(p, hold.cameraId);
    return this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .update(footageHolds)
        .set({ releasedBy: p.userId, releasedAt: this.now() })
        .where(and(eq(footageHolds.id, holdId), isNull(footageHolds.releasedAt)))
        .returning();
      if (!row) throw new AppError('conflict', 'The hold was released already', { reason: 'hold_released' });
      await appendAudit(tx, { actorId: p.userId, action: 'footage.hold_release', entityType: 'camera', entityId: hold.cameraId, details: { holdId } });
      return row;
    });
  }

  /** Holds in force (newest first), on the cameras the caller may review. */
  async holds(p: Principal) {
    requireRole(p, 'officer', 'supervisor', 'admin');
    const rows = await this.deps.db
      .select({ hold: footageHolds, camera: cameras.name, site: sites.name })
      .from(footageHolds)
      .innerJoin(cameras, eq(cameras.id, footageHolds.cameraId))
      .innerJoin(sites, eq(sites.id, cameras.siteId))
      .where(and(isNull(footageHolds.releasedAt), readableBy(p, { enterpriseId: sites.enterpriseId, portId: sites.portId })))
      .orderBy(desc(footageHolds.heldAt))
      .limit(MAX_HOLDS_LISTED);
    return rows.map(({ hold, camera, site }) => ({ ...hold, camera, site }));
  }

  /** Footage kept per camera (bytes, segments, oldest and newest), farm by farm, for the storage view. */
  async usage() {
    return this.deps.db
      .select({
        cameraId: cameras.id,
        camera: cameras.name,
        siteId: sites.id,
        site: sites.name,
        enterprise: enterprises.name,
        segments: sql<number>`count(${cameraFootage.id})::int`,
        bytes: sql<number>`coalesce(sum(${cameraFootage.sizeBytes}), 0)::bigint`.mapWith(Number),
        oldest: sql<Date | null>`min(${cameraFootage.startedAt})`.mapWith((v) => (v === null ? null : new Date(v))),
        newest: sql<Date | null>`max(${cameraFootage.startedAt})`.mapWith((v) => (v === null ? null : new Date(v))),
      })
      .from(cameras)
      .innerJoin(sites, eq(sites.id, cameras.siteId))
      .innerJoin(enterprises, eq(enterprises.id, sites.enterpriseId))
      .leftJoin(cameraFootage, eq(cameraFootage.cameraId, cameras.id))
      .groupBy(cameras.id, sites.id, enterprises.name)
      .orderBy(asc(enterprises.name), asc(sites.name), asc(cameras.name))
      .limit(1000);
  }

  private now(): Date {
    return this.deps.clock?.() ?? new Date();
  }

  /** The oldest segments matching `where` that no hold in force overlaps. */
  private deletable(where: SQL | undefined, limit = DELETE_BATCH) {
    const held = this.deps.db
      .select({ one: sql`1` })
      .from(footageHolds)
      .where(and(eq(footageHolds.cameraId, cameraFootage.cameraId), isNull(footageHolds.releasedAt), lte(footageHolds.from, segmentEnd), gte(footageHolds.to, cameraFootage.startedAt)));
    return this.deps.db
      .select()
      .from(cameraFootage)
      .where(and(where, notExists(held)))
      .orderBy(asc(cameraFootage.startedAt))
      .limit(limit);
  }

  /** Deletes segments (files, then rows), recording per camera what went and why; returns the bytes freed. */
  private async deleteSegments(rows: Array<typeof cameraFootage.$inferSelect>, reason: FootageDeletionReason): Promise<number> {
    const { db, store } = this.deps;
    for (const row of rows) {
      await store.remove(row.path);
      await store.remove(playableCopyOf(row.path));
    }
    const perCamera = new Map<string, { from: Date; to: Date; segments: number; bytes: number }>();
    for (const row of rows) {
      const end = new Date(row.startedAt.getTime() + row.durationMs);
      const c = perCamera.get(row.cameraId) ?? { from: row.startedAt, to: end, segments: 0, bytes: 0 };
      if (row.startedAt < c.from) c.from = row.startedAt;
      if (end > c.to) c.to = end;
      c.segments += 1;
      c.bytes += row.sizeBytes;
      perCamera.set(row.cameraId, c);
    }
    await db.transaction(async (tx) => {
      await tx.delete(cameraFootage).where(
        inArray(
          cameraFootage.id,
          rows.map((r) => r.id),
        ),
      );
      for (const [cameraId, c] of perCamera) {
        await tx.insert(footageDeletions).values({ cameraId, ...c, reason, deletedAt: this.now() });
        await appendAudit(tx, {
          actorId: null,
          action: reason === 'disk_pressure' ? 'storage.footage_delete' : 'retention.footage_delete',
          entityType: 'camera',
          entityId: cameraId,
          details: { reason, segments: c.segments, bytes: c.bytes, from: c.from.toISOString(), to: c.to.toISOString() },
        });
      }
    });
    return rows.reduce((sum, r) => sum + r.sizeBytes, 0);
  }

  private async assertMayView(p: Principal, cameraId: string): Promise<void> {
    const [row] = await this.deps.db.select({ portId: sites.portId }).from(cameras).innerJoin(sites, eq(sites.id, cameras.siteId)).where(eq(cameras.id, cameraId));
    // Footage is reviewed like the farm's alarms; whoever may not is told there is none.
    if (!row || !mayReviewFarmAlarms(p, row)) throw notFound('Footage');
  }
}

function view(row: typeof cameraFootage.$inferSelect, at: Date): FootageAt {
  return { footageId: row.id, startedAt: row.startedAt.toISOString(), durationMs: row.durationMs, offsetMs: Math.max(0, at.getTime() - row.startedAt.getTime()) };
}

/** Where a footage segment's MP4 (remuxed for browsers, stored beside it) is kept. */
const playableCopyOf = (segmentPath: string) => segmentPath.replace(/\.mkv$/, '.mp4');

/** A run is named by when its recorder started (2026-12-02T15-16-42-123Z); the folder's time if not. */
export const footageRunName = (at: Date) => at.toISOString().replace(/[:.]/g, '-');

function runStartedAt(run: string): number {
  const m = run.match(/^(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d)-(\d{3})Z$/);
  const t = m ? Date.parse(`${m[1]}:${m[2]}:${m[3]}.${m[4]}Z`) : Number.NaN;
  return Number.isNaN(t) ? Date.now() : t;
}
