/**
 * Loading batches: the officer draws a counting line on a site camera's view and opens a batch; animals
 * crossing it are counted live (server/live/live-vision.ts); closing the batch stores the count and
 * raises count_mismatch when it differs from what was expected (by default the declared quantity).
 */
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { cameras, declarations, loadingBatches, visionSamples } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { countMismatch } from '../../inference/index.ts';
import type { AlarmService } from './alarms.service.ts';
import { assertMayReadSession, mayConductSession, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import type { InspectionService } from './inspections.service.ts';
import type { TimelineService } from './timeline.service.ts';
import type { TimelineNote } from '../contracts/timeline.ts';

export interface BatchLineInput {
  a: [number, number];
  b: [number, number];
}

/** The live side of counting (the session's media, on whichever node it lives), asked only once the caller is authorised. */
export interface BatchCounting {
  isCounting(sessionId: string, cameraId: string): Promise<boolean>;
  startBatch(sessionId: string, cameraId: string, batchId: string, line: BatchLineInput): Promise<boolean>;
  endBatch(sessionId: string, batchId: string): Promise<{ forward: number; backward: number; net: number } | null>;
}

export interface LoadingBatchView {
  id: string;
  sessionId: string;
  cameraId: string;
  line: BatchLineInput;
  expected: number;
  openedAt: string;
  closedAt: string | null;
  counted: { forward: number; backward: number; net: number } | null;
  alarmId: string | null;
  /** The true total the officer confirmed after closing it (a labelled sample), if any. */
  confirmedTotal: number | null;
}

export class LoadingBatchService {
  constructor(private readonly deps: { db: Db; inspections: InspectionService; alarms: AlarmService; timeline: TimelineService; counting: BatchCounting; clock?: () => Date }) {}

  private now() {
    return this.deps.clock?.() ?? new Date();
  }

  /** The session's officer opens a batch on one of the site's cameras (one open batch per camera). */
  async open(p: Principal, sessionId: string, input: { cameraId: string; line: BatchLineInput; expected?: number }): Promise<LoadingBatchView> {
    const live = this.deps.counting;
    const grant = await this.deps.inspections.authorizeJoin(p, sessionId);
    if (!mayConductSession(p, grant.parties)) throw forbidden('Only the officer of the inspection counts loading batches');
    const { db } = this.deps;
    const [declaration] = await db.select().from(declarations).where(eq(declarations.id, grant.declarationId));
    const [camera] = await db.select().from(cameras).where(eq(cameras.id, input.cameraId));
    if (!camera || camera.siteId !== declaration?.siteId) throw notFound('Camera');
    if (!camera.analysis.includes('count')) throw new AppError('conflict', 'This camera is not set up for counting', { reason: 'camera_not_counting' });
    if (!(await live.isCounting(sessionId, camera.id))) throw new AppError('conflict', 'The camera is not live in this session yet; try again when its picture shows', { reason: 'camera_not_live' });
    const expected = input.expected ?? Math.round(Number(declaration.declaredQuantity));
    const now = this.now();
    const row = await db.transaction(async (tx) => {
      const [open] = await tx
        .select({ id: loadingBatches.id })
        .from(loadingBatches)
        .where(and(eq(loadingBatches.cameraId, camera.id), eq(loadingBatches.sessionId, sessionId), isNull(loadingBatches.closedAt)));
      if (open) throw new AppError('conflict', 'A loading batch is already open on this camera', { reason: 'batch_already_open' });
      const [row] = await tx.insert(loadingBatches).values({ sessionId, cameraId: camera.id, line: input.line, expected, openedBy: p.userId, openedAt: now }).returning();
      await appendAudit(tx, { actorId: p.userId, action: 'loading_batch.open', entityType: 'loading_batch', entityId: row!.id, details: { sessionId, cameraId: camera.id, expected } }, now);
      return row!;
    });
    await live.startBatch(sessionId, camera.id, row.id, input.line);
    await this.note(sessionId, p.userId, { kind: 'loading_batch_opened', batchId: row.id, cameraId: camera.id, camera: camera.name, expected });
    return toView(row);
  }

  /** Closes a batch with the live count; a difference from the expected number raises count_mismatch. */
  async close(p: Principal, sessionId: string, batchId: string): Promise<LoadingBatchView> {
    const grant = await this.deps.inspections.authorizeJoin(p, sessionId);
    if (!mayConductSession(p, grant.parties)) throw forbidden('Only the officer of the inspection counts loading batches');
    const { db } = this.deps;
    const [batch] = await db
      .select()
      .from(loadingBatches)
      .where(and(eq(loadingBatches.id, batchId), eq(loadingBatches.sessionId, sessionId)));
    if (!batch) throw notFound('Loading batch');
    if (batch.closedAt) throw new AppError('conflict', 'This loading batch is closed already', { reason: 'batch_closed' });
    const counted = await this.deps.counting.endBatch(sessionId, batchId);
    if (!counted) throw new AppError('conflict', 'This batch is not being counted: its camera feed is not live on this server', { reason: 'batch_not_counted' });
    const now = this.now();
    const [camera] = await db.select().from(cameras).where(eq(cameras.id, batch.cameraId));
    const candidate = countMismatch({ declared: batch.expected, counted: counted.net, batchId, frameAt: now });
    const alarmId = candidate
      ? await this.deps.alarms.raise({ ...candidate, details: { ...candidate.details, camera: camera?.name ?? '' } }, { sessionId, siteId: camera?.siteId, cameraId: batch.cameraId })
      : null;
    const [row] = await db.transaction(async (tx) => {
      const updated = await tx
        .update(loadingBatches)
        .set({ closedAt: now, countedForward: counted.forward, countedBackward: counted.backward, alarmId })
        .where(and(eq(loadingBatches.id, batchId), isNull(loadingBatches.closedAt)))
        .returning();
      if (updated.length === 0) throw new AppError('conflict', 'This loading batch is closed already', { reason: 'batch_closed' });
      await appendAudit(tx, { actorId: p.userId, action: 'loading_batch.close', entityType: 'loading_batch', entityId: batchId, details: { expected: batch.expected, ...counted } }, now);
      return updated;
    });
    await this.note(sessionId, p.userId, {
      kind: 'loading_batch_closed',
      batchId,
      cameraId: batch.cameraId,
      expected: batch.expected,
      counted: counted.net,
      forward: counted.forward,
      backward: counted.backward,
      alarmId,
    });
    return toView(row!);
  }

  async list(p: Principal, sessionId: string): Promise<LoadingBatchView[]> {
    await assertMayReadSession(this.deps.db, p, sessionId);
    const rows = await this.deps.db.select().from(loadingBatches).where(eq(loadingBatches.sessionId, sessionId)).orderBy(loadingBatches.openedAt);
    const confirmed = await this.deps.db
      .select({ batchId: visionSamples.batchId, label: visionSamples.label })
      .from(visionSamples)
      .where(and(eq(visionSamples.sessionId, sessionId), isNotNull(visionSamples.batchId)));
    const totals = new Map(confirmed.map((c) => [c.batchId, c.label.task === 'crossing' ? c.label.total : null]));
    return rows.map((row) => toView(row, totals.get(row.id) ?? null));
  }

  private async note(sessionId: string, actorId: string, payload: TimelineNote) {
    await this.deps.timeline.append({ sessionId, kind: 'note', actorId, payload });
  }
}

function toView(row: typeof loadingBatches.$inferSelect, confirmedTotal: number | null = null): LoadingBatchView {
  const counted = row.countedForward === null || row.countedBackward === null ? null : { forward: row.countedForward, backward: row.countedBackward, net: row.countedForward - row.countedBackward };
  return {
    id: row.id,
    sessionId: row.sessionId,
    cameraId: row.cameraId,
    line: row.line as BatchLineInput,
    expected: row.expected,
    openedAt: row.openedAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
    counted,
    alarmId: row.alarmId,
    confirmedTotal,
  };
}
