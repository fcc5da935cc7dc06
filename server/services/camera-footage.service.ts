/**
 * Footage of supervised cameras, recorded continuously outside sessions: each hashed segment is stored as
 * it closes, found again by time for review ("play the moment of this alarm"), shown to those who may
 * review the farm's alarms, and deleted when older than the footage retention (sealed session evidence is
 * never footage, and is not touched here).
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, asc, desc, eq, gte, inArray, lte, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { cameraFootage, cameras, sites } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { clipFromSegments, startFfmpeg, unannouncedSegments, type RecordedSegment } from '../../media/index.ts';
import { mayReviewFarmAlarms, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';

/** A clip spans a few segments at most (a long segment setting makes fewer). */
const MAX_CLIP_SEGMENTS = 20;

export interface FootageAt {
  footageId: number;
  startedAt: string;
  durationMs: number;
  /** Where `at` falls inside the segment. */
  offsetMs: number;
}

export class CameraFootageService {
  constructor(private readonly deps: { db: Db; dataDir: string; clock?: () => Date }) {}

  /** Stores a closed segment of a recorder run (idempotent: the same segment announced twice is one row). */
  async addSegment(cameraId: string, run: string, segment: RecordedSegment): Promise<void> {
    await this.deps.db
      .insert(cameraFootage)
      .values({
        cameraId,
        run,
        seq: segment.seq,
        path: path.relative(this.deps.dataDir, segment.path),
        startedAt: segment.startedAt,
        durationMs: segment.durationMs,
        sizeBytes: segment.sizeBytes,
        sha256: segment.sha256,
      })
      .onConflictDoNothing();
  }

  /**
   * A clip of the camera's footage from `beforeMs` before `at` to `afterMs` after it (an alarm's evidence),
   * cut without re-encoding into `outBase`.mp4/.webm under the data dir and hashed; null when nothing was
   * recorded then.
   */
  async clip(cameraId: string, at: Date, window: { beforeMs: number; afterMs: number }, outBase: string): Promise<{ path: string; sha256: string } | null> {
    const from = new Date(at.getTime() - window.beforeMs);
    const to = new Date(at.getTime() + window.afterMs);
    const rows = await this.deps.db
      .select()
      .from(cameraFootage)
      .where(and(eq(cameraFootage.cameraId, cameraId), lte(cameraFootage.startedAt, to), gte(sql`${cameraFootage.startedAt} + ${cameraFootage.durationMs} * interval '1 millisecond'`, from)))
      .orderBy(asc(cameraFootage.startedAt))
      .limit(MAX_CLIP_SEGMENTS);
    const first = rows[0];
    if (!first) return null;
    const start = Math.max(from.getTime(), first.startedAt.getTime());
    const clip = await clipFromSegments(
      rows.map((r) => path.join(this.deps.dataDir, r.path)),
      (start - first.startedAt.getTime()) / 1000,
      (to.getTime() - start) / 1000,
      path.join(this.deps.dataDir, outBase),
    );
    return { path: path.relative(this.deps.dataDir, clip.path), sha256: clip.sha256 };
  }

  /**
   * Segments ffmpeg wrote but the platform did not get to store (it was killed): found on disk after the
   * last stored segment of each run, repaired, hashed and stored, so no footage written is lost. Runs being
   * recorded now (`recording`, as `<cameraId>/<run>`) are left alone. Returns how many were saved.
   */
  async salvage(recording: ReadonlySet<string> = new Set()): Promise<number> {
    const root = path.join(this.deps.dataDir, 'cameras');
    if (!fs.existsSync(root)) return 0;
    let saved = 0;
    for (const cameraId of fs.readdirSync(root)) {
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

  /** The segment of the camera's footage covering `at` (or the first one after it, within a minute). */
  async at(p: Principal, cameraId: string, at: Date): Promise<FootageAt | null> {
    await this.assertMayView(p, cameraId);
    const { db } = this.deps;
    const [covering] = await db
      .select()
      .from(cameraFootage)
      .where(and(eq(cameraFootage.cameraId, cameraId), lte(cameraFootage.startedAt, at)))
      .orderBy(desc(cameraFootage.startedAt))
      .limit(1);
    if (covering && covering.startedAt.getTime() + covering.durationMs >= at.getTime()) return view(covering, at);
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
   * A footage segment as a browser plays it (MP4, remuxed once from the recorded Matroska and kept beside
   * it), for those who may review the camera's farm; the path is relative to the data dir.
   */
  async playable(p: Principal, footageId: number): Promise<string> {
    const [row] = await this.deps.db.select().from(cameraFootage).where(eq(cameraFootage.id, footageId));
    if (!row) throw notFound('Footage');
    await this.assertMayView(p, row.cameraId);
    const mp4 = row.path.replace(/\.mkv$/, '.mp4');
    const target = path.join(this.deps.dataDir, mp4);
    if (!fs.existsSync(target)) {
      // Written aside and renamed: two viewers asking at once never see half a file.
      const partial = `${target}.${process.pid}.${Date.now()}.part.mp4`;
      const { code } = await startFfmpeg(['-y', '-i', path.join(this.deps.dataDir, row.path), '-c', 'copy', '-movflags', '+faststart', partial]).exited;
      if (code !== 0 || !fs.existsSync(partial)) {
        fs.rmSync(partial, { force: true });
        throw new AppError('unavailable', 'The footage cannot be played');
      }
      fs.renameSync(partial, target);
    }
    return mp4;
  }

  /** Deletes footage older than `keepDays` (files and rows), audited per camera; returns how many segments went. */
  async expire(keepDays: number): Promise<{ segments: number; bytes: number }> {
    const { db, dataDir } = this.deps;
    const cutoff = new Date((this.deps.clock?.() ?? new Date()).getTime() - keepDays * 86_400_000);
    let segments = 0;
    let bytes = 0;
    // In bounded batches: a long-stopped retention must not load every old segment at once.
    for (;;) {
      const old = await db.select().from(cameraFootage).where(lt(cameraFootage.startedAt, cutoff)).orderBy(asc(cameraFootage.startedAt)).limit(500);
      if (old.length === 0) break;
      for (const row of old) {
        fs.rmSync(path.join(dataDir, row.path), { force: true });
        fs.rmSync(path.join(dataDir, row.path.replace(/\.mkv$/, '.mp4')), { force: true });
      }
      await db.transaction(async (tx) => {
        await tx.delete(cameraFootage).where(
          inArray(
            cameraFootage.id,
            old.map((r) => r.id),
          ),
        );
        const perCamera = new Map<string, number>();
        for (const row of old) perCamera.set(row.cameraId, (perCamera.get(row.cameraId) ?? 0) + 1);
        for (const [cameraId, n] of perCamera) {
          await appendAudit(tx, { actorId: null, action: 'retention.footage_delete', entityType: 'camera', entityId: cameraId, details: { segments: n, before: cutoff.toISOString() } });
        }
      });
      segments += old.length;
      bytes += old.reduce((sum, r) => sum + r.sizeBytes, 0);
    }
    return { segments, bytes };
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

/** A run is named by when its recorder started (2026-12-02T15-16-42-123Z); the folder's time if not. */
export const footageRunName = (at: Date) => at.toISOString().replace(/[:.]/g, '-');

function runStartedAt(run: string): number {
  const m = run.match(/^(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d)-(\d{3})Z$/);
  const t = m ? Date.parse(`${m[1]}:${m[2]}:${m[3]}.${m[4]}Z`) : Number.NaN;
  return Number.isNaN(t) ? Date.now() : t;
}
