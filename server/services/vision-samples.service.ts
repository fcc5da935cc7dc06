/**
 * The officers' corrections of the vision, kept as labelled samples (server/contracts/vision-sample.ts).
 * `FrameCorrectionService` holds a frame the models just analysed for the officer to correct (built with the
 * live layer: server/platform.ts); `VisionSampleService` keeps the samples — the frame in the evidence store,
 * the model's result and the truth — and exports them as a dataset (`npm run models:dataset -- export DIR`),
 * deletes a session's with its recording at retention, and a farm's after their days.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { and, asc, count, desc, eq, gt, isNull, lt } from 'drizzle-orm';
import { isUniqueViolation, type Db } from '../db/database.ts';
import { cameras, declarations, loadingBatches, sites, visionSamples } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { TaskResult } from '../../inference/index.ts';
import type { AnalysedFrameJpeg } from '../contracts/cluster.ts';
import { sha256Hex } from '../../media/files.ts';
import { sampleImageFile } from '../archive/evidence-paths.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import { SAMPLE_EXPORT_FORMAT, sampleTasks, type FrameLabel, type FrameTask, type SampleLabel, type SamplePrediction, type SampleTask } from '../contracts/vision-sample.ts';
import { mayConductSession, mayRead, sessionParties, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import type { InspectionService } from './inspections.service.ts';
import type { ModelVersionService } from './model-versions.service.ts';

/** A picture as a model analysed it, with what the model said: what a correction labels. */
export interface AnalysedPicture {
  task: FrameTask;
  siteId: string;
  cameraId: string;
  sessionId: string | null;
  model: string;
  capturedAt: Date;
  jpeg: Buffer;
  width: number;
  height: number;
  predicted: SamplePrediction;
}

export interface VisionSampleView {
  id: string;
  task: SampleTask;
  siteId: string;
  cameraId: string;
  sessionId: string | null;
  batchId: string | null;
  model: string;
  capturedAt: string;
  hasImage: boolean;
  width: number | null;
  height: number | null;
  predicted: SamplePrediction;
  label: SampleLabel;
  createdBy: string;
  createdAt: string;
}

const toView = (row: typeof visionSamples.$inferSelect): VisionSampleView => ({
  id: row.id,
  task: row.task,
  siteId: row.siteId,
  cameraId: row.cameraId,
  sessionId: row.sessionId,
  batchId: row.batchId,
  model: row.model,
  capturedAt: row.capturedAt.toISOString(),
  hasImage: row.imagePath !== null,
  width: row.width,
  height: row.height,
  predicted: row.predicted,
  label: row.label,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
});

/** Samples read from the database at a time while exporting (the export is bounded in memory). */
const EXPORT_PAGE = 200;

export class VisionSampleService {
  constructor(private readonly deps: { db: Db; store: EvidenceStore; models: ModelVersionService; clock?: () => Date }) {}

  private now() {
    return this.deps.clock?.() ?? new Date();
  }

  /** Keeps a corrected frame: its picture in the evidence store, the row, an audit entry. */
  async save(p: Principal, input: AnalysedPicture & { label: FrameLabel }): Promise<VisionSampleView> {
    const id = randomUUID();
    const imagePath = sampleImageFile(id);
    const imageSha256 = sha256Hex(input.jpeg);
    await this.deps.store.write(imagePath, input.jpeg);
    const { jpeg: _jpeg, ...row } = input;
    try {
      return await this.deps.db.transaction(async (tx) => {
        const [saved] = await tx
          .insert(visionSamples)
          .values({ ...row, id, imagePath, imageSha256, createdBy: p.userId, createdAt: this.now() })
          .returning();
        await appendAudit(tx, {
          actorId: p.userId,
          action: 'vision.sample',
          entityType: 'vision_sample',
          entityId: id,
          details: { task: input.task, cameraId: input.cameraId, sessionId: input.sessionId, model: input.model, imageSha256 },
        });
        return toView(saved!);
      });
    } catch (err) {
      await this.deps.store.remove(imagePath).catch(() => {});
      throw err;
    }
  }

  /** The session's officer confirms how many animals truly crossed during a closed loading batch. */
  async confirmBatchTotal(p: Principal, sessionId: string, batchId: string, total: number): Promise<VisionSampleView> {
    const { db } = this.deps;
    const parties = await sessionParties(db, sessionId);
    if (!parties || !mayRead(p, parties)) throw notFound('Session');
    if (!mayConductSession(p, parties)) throw forbidden('Only the officer of the inspection confirms a batch total');
    const [batch] = await db
      .select({ batch: loadingBatches, siteId: cameras.siteId })
      .from(loadingBatches)
      .innerJoin(cameras, eq(cameras.id, loadingBatches.cameraId))
      .where(and(eq(loadingBatches.id, batchId), eq(loadingBatches.sessionId, sessionId)));
    if (!batch) throw notFound('Loading batch');
    const { batch: b } = batch;
    if (!b.closedAt || b.countedForward === null || b.countedBackward === null) throw new AppError('conflict', 'Close the batch before confirming its total', { reason: 'batch_open' });
    const [forward, backward, closedAt] = [b.countedForward, b.countedBackward, b.closedAt];
    const id = randomUUID();
    const model = await this.deps.models.activeCountModel();
    const exists = () => new AppError('conflict', 'This batch total was confirmed already', { reason: 'sample_exists' });
    return db
      .transaction(async (tx) => {
        const [existing] = await tx.select({ id: visionSamples.id }).from(visionSamples).where(eq(visionSamples.batchId, batchId));
        if (existing) throw exists();
        const [saved] = await tx
          .insert(visionSamples)
          .values({
            id,
            task: 'crossing',
            siteId: batch.siteId,
            cameraId: b.cameraId,
            sessionId,
            batchId,
            model,
            capturedAt: closedAt,
            predicted: { task: 'crossing', forward, backward, net: forward - backward },
            label: { task: 'crossing', total },
            createdBy: p.userId,
            createdAt: this.now(),
          })
          .returning();
        await appendAudit(tx, { actorId: p.userId, action: 'vision.sample', entityType: 'vision_sample', entityId: id, details: { task: 'crossing', batchId, counted: forward - backward, total } });
        return toView(saved!);
      })
      .catch((err: unknown) => {
        // Two confirmations at once: the unique index lets one through; the other is told, not failed.
        if (isUniqueViolation(err)) throw exists();
        throw err;
      });
  }

  /** How many samples of each task there are, and the latest ones (administrators and supervisors). */
  async summary(p: Principal, o: { limit?: number } = {}): Promise<{ counts: Record<SampleTask, number>; latest: VisionSampleView[] }> {
    if (p.role !== 'admin' && p.role !== 'supervisor') throw forbidden();
    const { db } = this.deps;
    const rows = await db.select({ task: visionSamples.task, n: count() }).from(visionSamples).groupBy(visionSamples.task);
    const counts = Object.fromEntries(sampleTasks.map((t) => [t, rows.find((r) => r.task === t)?.n ?? 0])) as Record<SampleTask, number>;
    const latest = await db
      .select()
      .from(visionSamples)
      .orderBy(desc(visionSamples.createdAt))
      .limit(Math.min(o.limit ?? 20, 100));
    return { counts, latest: latest.map(toView) };
  }

  /** A sample's picture (the stored path), for those who may see the summary. */
  async imageFile(p: Principal, sampleId: string): Promise<string> {
    if (p.role !== 'admin' && p.role !== 'supervisor') throw forbidden();
    const [row] = await this.deps.db.select({ imagePath: visionSamples.imagePath }).from(visionSamples).where(eq(visionSamples.id, sampleId));
    if (!row?.imagePath) throw notFound('Sample picture');
    return row.imagePath;
  }

  /**
   * Writes every sample to `dir` in the documented format (models/README.md, "Labelled samples"):
   * dataset.json, samples.jsonl (one sample a line, points and boxes in pixels of its picture), images/.
   */
  async exportTo(dir: string): Promise<{ dir: string; samples: number; images: number; missingImages: number; counts: Record<SampleTask, number> }> {
    fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
    const counts = Object.fromEntries(sampleTasks.map((t) => [t, 0])) as Record<SampleTask, number>;
    let images = 0;
    let missingImages = 0;
    const db = this.deps.db;
    const store = this.deps.store;
    // Paged by id (a stable order), a page at a time: the export is bounded in memory however many there are.
    async function* lines() {
      let after: string | null = null;
      for (;;) {
        const page: Array<typeof visionSamples.$inferSelect> = await db
          .select()
          .from(visionSamples)
          .where(after ? gt(visionSamples.id, after) : undefined)
          .orderBy(asc(visionSamples.id))
          .limit(EXPORT_PAGE);
        for (const row of page) {
          let image: string | null = null;
          if (row.imagePath) {
            try {
              await pipeline(await store.open(row.imagePath), fs.createWriteStream(path.join(dir, 'images', `${row.id}.jpg`)));
              image = `images/${row.id}.jpg`;
              images += 1;
            } catch {
              // A picture gone from the store (deleted meanwhile): the sample is exported without it.
              missingImages += 1;
            }
          }
          counts[row.task] += 1;
          yield `${JSON.stringify(exportedSample(row, image))}\n`;
        }
        if (page.length < EXPORT_PAGE) return;
        after = page.at(-1)!.id;
      }
    }
    await pipeline(Readable.from(lines()), fs.createWriteStream(path.join(dir, 'samples.jsonl')));
    const samples = Object.values(counts).reduce((a, b) => a + b, 0);
    fs.writeFileSync(path.join(dir, 'dataset.json'), `${JSON.stringify({ format: SAMPLE_EXPORT_FORMAT, exportedAt: this.now().toISOString(), samples, counts }, null, 2)}\n`);
    return { dir, samples, images, missingImages, counts };
  }

  /** A session's samples go with its recording (retention): pictures and rows. */
  async removeForSession(sessionId: string): Promise<number> {
    const rows = await this.deps.db.select({ id: visionSamples.id, imagePath: visionSamples.imagePath }).from(visionSamples).where(eq(visionSamples.sessionId, sessionId));
    return this.remove(rows, { sessionId });
  }

  /** A farm's samples (no session) older than `keepDays`. */
  async expireFarmSamples(keepDays: number): Promise<number> {
    const cutoff = new Date(this.now().getTime() - keepDays * 86_400_000);
    const rows = await this.deps.db
      .select({ id: visionSamples.id, imagePath: visionSamples.imagePath })
      .from(visionSamples)
      .where(and(isNull(visionSamples.sessionId), lt(visionSamples.createdAt, cutoff)));
    return this.remove(rows, { keepDays });
  }

  private async remove(rows: Array<{ id: string; imagePath: string | null }>, why: Record<string, unknown>): Promise<number> {
    if (rows.length === 0) return 0;
    // Rows first: a failure then leaves pictures to delete again, never rows pointing at nothing.
    await this.deps.db.transaction(async (tx) => {
      for (const r of rows) await tx.delete(visionSamples).where(eq(visionSamples.id, r.id));
      await appendAudit(tx, { actorId: null, action: 'retention.delete', entityType: 'vision_sample', entityId: rows[0]!.id, details: { ...why, samples: rows.map((r) => r.id) } });
    });
    for (const r of rows) if (r.imagePath) await this.deps.store.remove(r.imagePath).catch(() => {});
    return rows.length;
  }
}

/** One line of samples.jsonl: fractions turned into pixels of the picture exported with it. */
function exportedSample(row: typeof visionSamples.$inferSelect, image: string | null) {
  const w = row.width ?? 1;
  const h = row.height ?? 1;
  const px = ([x, y]: [number, number]) => [Math.round(x * w * 10) / 10, Math.round(y * h * 10) / 10];
  const box = (b: [number, number, number, number]) => [...px([b[0], b[1]]), ...px([b[2], b[3]])];
  const label = row.label;
  const predicted = row.predicted;
  return {
    id: row.id,
    task: row.task,
    image,
    width: row.width,
    height: row.height,
    label:
      label.task === 'count'
        ? { count: label.points.length, points: label.points.map(px) }
        : label.task === 'crossing'
          ? { total: label.total }
          : { reads: label.reads.map((r) => ({ text: r.text, ...(r.box ? { box: box(r.box) } : {}) })) },
    predicted:
      predicted.task === 'count'
        ? { count: predicted.count, points: predicted.points.map(px) }
        : predicted.task === 'crossing'
          ? { forward: predicted.forward, backward: predicted.backward, net: predicted.net }
          : { reads: predicted.reads.map((r) => ({ text: r.text, confidence: r.confidence, box: box(r.box) })) },
    model: row.model,
    siteId: row.siteId,
    cameraId: row.cameraId,
    sessionId: row.sessionId,
    batchId: row.batchId,
    capturedAt: row.capturedAt.toISOString(),
    labelledAt: row.createdAt.toISOString(),
  };
}

/** The live side: the last frame a camera's analysis saw for a task (a session's, or supervision's), on whichever node analyses it. */
export interface AnalysedFrames {
  latestFrame(sessionId: string | null, cameraId: string, task: FrameTask): Promise<AnalysedFrameJpeg | null>;
}

/** A frame held for an officer to correct (in Redis, bounded, gone after 15 min): what is kept beside its picture. */
export interface HeldFrame extends Omit<AnalysedPicture, 'jpeg' | 'capturedAt'> {
  id: string;
  heldAt: number;
  capturedAt: string;
}

export interface HeldFrameView {
  frameId: string;
  task: FrameTask;
  cameraId: string;
  sessionId: string | null;
  model: string;
  capturedAt: string;
  width: number;
  height: number;
  predicted: SamplePrediction;
}

export const HELD_FRAME_LIMITS = { ttlMs: 15 * 60_000, perUser: 4, inAll: 64 };

/** Where held frames are kept (server/infra/held-frames.ts: Redis, shared by the platform's nodes). */
export interface HeldFrames {
  hold(id: string, userId: string, heldAt: number, meta: HeldFrame, jpeg: Buffer): Promise<void>;
  get(id: string, userId: string): Promise<{ meta: HeldFrame; jpeg: Buffer } | null>;
  take(id: string, userId: string): Promise<{ meta: HeldFrame; jpeg: Buffer } | null>;
}

/** What a model's result says, in fractions of the frame (as labels are kept). */
function prediction(result: TaskResult, width: number, height: number): SamplePrediction {
  const fx = (x: number) => Math.min(1, Math.max(0, x / width));
  const fy = (y: number) => Math.min(1, Math.max(0, y / height));
  if (result.task === 'count') return { task: 'count', count: result.count, points: result.points.map(([x, y]) => [fx(x), fy(y)] as [number, number]) };
  return {
    task: result.task,
    reads: result.results.map((r) => ({ text: r.text, confidence: r.confidence, box: [fx(r.box[0]), fy(r.box[1]), fx(r.box[2]), fy(r.box[3])] as [number, number, number, number] })),
  };
}

export class FrameCorrectionService {
  constructor(private readonly deps: { db: Db; inspections: Pick<InspectionService, 'authorizeJoin'>; samples: VisionSampleService; frames: AnalysedFrames; held: HeldFrames }) {}

  /** Who may correct a camera's vision: the session's officer, or (outside sessions) an officer of the farm's port or a supervisor. */
  private async cameraFor(p: Principal, cameraId: string, sessionId: string | null): Promise<{ siteId: string }> {
    const { db } = this.deps;
    const [camera] = await db.select({ siteId: cameras.siteId, portId: sites.portId }).from(cameras).innerJoin(sites, eq(sites.id, cameras.siteId)).where(eq(cameras.id, cameraId));
    if (sessionId) {
      const grant = await this.deps.inspections.authorizeJoin(p, sessionId);
      if (!mayConductSession(p, grant.parties)) throw forbidden('Only the officer of the inspection corrects its vision');
      const [declaration] = await db.select({ siteId: declarations.siteId }).from(declarations).where(eq(declarations.id, grant.declarationId));
      if (!camera || camera.siteId !== declaration?.siteId) throw notFound('Camera');
      return camera;
    }
    if (p.role !== 'officer' && p.role !== 'supervisor') throw forbidden('Only officers correct the vision');
    if (!camera || (p.role === 'officer' && camera.portId !== p.portId)) throw notFound('Camera');
    return camera;
  }

  /** Holds the frame the camera's analysis saw last for `task`, with what the model found in it. */
  async hold(p: Principal, input: { cameraId: string; task: FrameTask; sessionId?: string | null }): Promise<HeldFrameView> {
    const sessionId = input.sessionId ?? null;
    const { siteId } = await this.cameraFor(p, input.cameraId, sessionId);
    const analysed = await this.deps.frames.latestFrame(sessionId, input.cameraId, input.task);
    if (!analysed) throw new AppError('conflict', 'Nothing analysed on this camera for that task yet', { reason: 'no_analysed_frame' });
    const { jpeg, width, height, result, capturedAt } = analysed;
    const held: HeldFrame = {
      id: randomUUID(),
      heldAt: Date.now(),
      task: input.task,
      siteId,
      cameraId: input.cameraId,
      sessionId,
      model: result.model,
      capturedAt: new Date(capturedAt).toISOString(),
      width,
      height,
      predicted: prediction(result, width, height),
    };
    // The user's oldest holds beyond the limit are let go (and the platform's oldest beyond its own).
    await this.deps.held.hold(held.id, p.userId, held.heldAt, held, jpeg);
    return viewOf(held);
  }

  /** A held frame's picture, for the officer who holds it. */
  async heldImage(p: Principal, frameId: string): Promise<Buffer> {
    const held = await this.deps.held.get(frameId, p.userId);
    if (!held) throw notFound('Held frame');
    return held.jpeg;
  }

  /** The officer's label for a held frame: kept as a sample; the frame is let go. */
  async label(p: Principal, frameId: string, label: FrameLabel): Promise<VisionSampleView> {
    const found = await this.deps.held.get(frameId, p.userId);
    if (!found) throw notFound('Held frame');
    if (label.task !== found.meta.task) throw new AppError('bad_request', `This frame was held for ${found.meta.task}`, { reason: 'label_task_mismatch' });
    // Taken before saving, so a second submission of the same frame finds nothing (held again if saving fails).
    const taken = await this.deps.held.take(frameId, p.userId);
    if (!taken) throw notFound('Held frame');
    const { id: _id, heldAt, capturedAt, ...picture } = taken.meta;
    try {
      return await this.deps.samples.save(p, { ...picture, capturedAt: new Date(capturedAt), jpeg: taken.jpeg, label });
    } catch (err) {
      await this.deps.held.hold(frameId, p.userId, heldAt, taken.meta, taken.jpeg).catch(() => {});
      throw err;
    }
  }
}

const viewOf = (h: HeldFrame): HeldFrameView => ({
  frameId: h.id,
  task: h.task,
  cameraId: h.cameraId,
  sessionId: h.sessionId,
  model: h.model,
  capturedAt: h.capturedAt,
  width: h.width,
  height: h.height,
  predicted: h.predicted,
});
