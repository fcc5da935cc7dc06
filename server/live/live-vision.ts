/**
 * Vision on the live feeds of a session's site cameras: each camera with analysis tasks gets a frame
 * tap (decoded 640x360) feeding one inference stream per task. Results are pushed to the session's
 * officers to draw over the video; plate and seal reads are checked against what was registered and
 * declared, a frozen picture is reported, and counting feeds the line-crossing counter of an open
 * loading batch. Alarms carry the JPEG of the frame they are about.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { bookings, declarations, inspectionSessions, vehicles } from '../db/schema.ts';
import {
  cameraHealth,
  encodeJpeg,
  crossingOptionsFor,
  LineCrossingCounter,
  plateCheck,
  RepeatedRead,
  sealCheck,
  type AlarmCandidate,
  type InferencePool,
  type InferenceStream,
  type StreamResultMeta,
  type TaskResult,
  type VisionTask,
} from '../../inference/index.ts';
import { FrameTap, type ProducerInfo, type Room } from '../../media/index.ts';
import type { Logger } from '../logger.ts';
import type { AlarmService } from '../services/alarms.service.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import { alarmFrameFile } from '../archive/evidence-paths.ts';

export interface VisionCamera {
  id: string;
  name: string;
  siteId: string;
  analysis: string[];
}

/** A counting line in fractions of the picture; `forward` crosses from the right of a->b to its left. */
export interface BatchLine {
  a: [number, number];
  b: [number, number];
}

export interface LiveVisionOptions {
  /** Started on first use: sessions without analysed cameras cost nothing. */
  pool: () => Promise<InferencePool>;
  db: Db;
  alarms: AlarmService;
  /** Where alarm pictures go. */
  store: EvidenceStore;
  /** Push to the officers (and supervisors) of a session only. */
  toOfficers: (sessionId: string, event: string, payload: unknown) => void;
  frozenAfterMs: number;
  /** Puts a count sample on the session timeline (for the supervisor's count chart). */
  recordCount: (sessionId: string, sample: CountSample) => Promise<void>;
  logger: Logger;
}

/** What a counting camera saw over one sample interval. */
export interface CountSample {
  task: 'count';
  cameraId: string;
  camera: string;
  /** The median count of the frames analysed in the interval; min and max show how steady it was. */
  count: number;
  min: number;
  max: number;
  frames: number;
  from: string;
  to: string;
}

// Paddle's text detector works at up to 960 pixels; the counting model scales down to 320 itself.
const FRAME = { width: 960, height: 540 };
/** Counting needs motion between frames; plates and seals are read a couple of times a second. */
const FPS_FOR: Record<VisionTask, number> = { count: 5, plate: 2, seal: 2 };
const MOTION = { threshold: 1.5, maxStillMs: 3000 };
const CONTEXT_TTL_MS = 60_000;
/** One count sample per counting camera this often: 360 timeline rows an hour, enough for a chart. */
const COUNT_SAMPLE_MS = 10_000;

interface SessionContext {
  declaredSeals: string[];
  registeredPlates: string[];
  bookedPlate: string | null;
  loadedAt: number;
}

interface CameraVision {
  sessionId: string;
  camera: VisionCamera;
  tap: FrameTap | null;
  streams: InferenceStream[];
  healthTimer?: NodeJS.Timeout;
  lastFrameAt: number;
  batch?: { id: string; counter: LineCrossingCounter };
  /** Counts since the last sample (bounded: 5 fps over the interval). */
  counts: number[];
  countsSince: number;
}

export class LiveVision {
  private readonly cameras = new Map<string, CameraVision>();
  private readonly contexts = new Map<string, SessionContext>();
  /** Per session and camera: a read must repeat before it is checked (single-frame misreads are noise). */
  private readonly reads = new Map<string, RepeatedRead>();

  constructor(private readonly o: LiveVisionOptions) {}

  /** Starts analysing a camera's producer in a session's room. */
  async attach(sessionId: string, room: Room, producer: ProducerInfo, camera: VisionCamera): Promise<void> {
    const tasks = camera.analysis.filter((t): t is VisionTask => t in FPS_FOR);
    if (tasks.length === 0) return;
    const key = `${sessionId}:${camera.id}`;
    if (this.cameras.has(key)) return;
    const entry: CameraVision = { sessionId, camera, tap: null, streams: [], lastFrameAt: Date.now(), counts: [], countsSince: Date.now() };
    this.cameras.set(key, entry);
    const pool = await this.o.pool();
    if (this.cameras.get(key) !== entry) return; // the session closed meanwhile
    entry.streams = tasks.map((task) =>
      pool.openStream(key, {
        task,
        motionThreshold: MOTION.threshold,
        maxStillMs: MOTION.maxStillMs,
        onResult: (result, meta) => void this.handleResult(sessionId, camera, result, meta).catch((err) => this.o.logger.warn({ err, cameraId: camera.id }, 'vision result not handled')),
        onError: (err) => this.o.logger.warn({ err: err.message, code: err.code, cameraId: camera.id }, 'vision frame lost'),
      }),
    );
    let tap: FrameTap;
    try {
      tap = await FrameTap.open(room, producer, { ...FRAME, fps: Math.max(...tasks.map((t) => FPS_FOR[t])) });
    } catch (err) {
      this.forget(key, entry);
      throw err;
    }
    if (this.cameras.get(key) !== entry) {
      tap.close('detached');
      return;
    }
    entry.tap = tap;
    void this.pump(entry, tap);
    entry.healthTimer = setInterval(() => void this.checkHealth(entry).catch(() => {}), 2000);
  }

  private async pump(entry: CameraVision, tap: FrameTap): Promise<void> {
    while (!tap.closed) {
      const frame = await tap.next(5000);
      if (!frame) continue;
      entry.lastFrameAt = Date.now();
      for (const s of entry.streams) s.push({ data: frame.data, width: frame.width, height: frame.height, capturedAt: frame.capturedAt });
    }
  }

  /** A picture that has not changed at all for frozenAfterMs (offline is the ingest's business). */
  private async checkHealth(entry: CameraVision): Promise<void> {
    const stream = entry.streams[0];
    // Only while pictures arrive: a camera that sends nothing is offline (the ingest says so), not frozen.
    if (!stream || stream.stats.received === 0 || !entry.tap || entry.tap.closed || Date.now() - entry.lastFrameAt > 5000) return;
    const candidate = cameraHealth({
      cameraId: entry.camera.id,
      silentMs: 0,
      unchangedMs: stream.unchangedMs(),
      offlineAfterMs: Number.POSITIVE_INFINITY,
      frozenAfterMs: this.o.frozenAfterMs,
      frameAt: new Date(),
    });
    if (candidate) await this.raise(entry.sessionId, entry.camera, { ...candidate, details: { ...candidate.details, camera: entry.camera.name } }, null);
  }

  /** One result of one camera: pushed to the officers, checked against the rules. Public for tests. */
  async handleResult(sessionId: string, camera: VisionCamera, result: TaskResult, meta: Pick<StreamResultMeta, 'capturedAt' | 'latencyMs'> & { frame: { data: Uint8Array; width: number; height: number } }): Promise<void> {
    const { width, height } = meta.frame;
    const frameAt = new Date(meta.capturedAt);
    this.o.toOfficers(sessionId, 'vision:result', { cameraId: camera.id, camera: camera.name, capturedAt: frameAt.toISOString(), latencyMs: meta.latencyMs, width, height, ...result });
    if (result.task === 'count') {
      const entry = this.cameras.get(`${sessionId}:${camera.id}`);
      if (entry) await this.sampleCount(entry, result.count, meta.capturedAt);
      if (!entry?.batch) return;
      const crossings = entry.batch.counter.update(result.points, meta.capturedAt);
      if (crossings.length) {
        const { counter } = entry.batch;
        this.o.toOfficers(sessionId, 'vision:batch', { batchId: entry.batch.id, cameraId: camera.id, forward: counter.forward, backward: counter.backward, net: counter.net });
      }
      return;
    }
    const key = `${sessionId}:${camera.id}`;
    let reads = this.reads.get(key);
    if (!reads) this.reads.set(key, (reads = new RepeatedRead({ times: 2, windowMs: 10_000 })));
    const confirmed = result.results.filter((read) => reads.confirm(`${result.task}:${read.text}`, meta.capturedAt));
    if (confirmed.length === 0) return;
    const context = await this.context(sessionId);
    for (const read of confirmed) {
      const candidate: AlarmCandidate | null =
        result.task === 'plate'
          ? plateCheck({ plate: read.text, confidence: read.confidence, registeredPlates: context.registeredPlates, bookedPlate: context.bookedPlate, frameAt })
          : context.declaredSeals.length > 0
            ? sealCheck({ seal: read.text, confidence: read.confidence, declared: context.declaredSeals, frameAt })
            : null;
      if (candidate) await this.raise(sessionId, camera, { ...candidate, details: { ...candidate.details, camera: camera.name, box: read.box } }, meta.frame);
    }
  }

  private async sampleCount(entry: CameraVision, count: number, at: number): Promise<void> {
    if (entry.counts.length < 1000) entry.counts.push(count);
    if (at - entry.countsSince < COUNT_SAMPLE_MS) return;
    const sorted = entry.counts.sort((a, b) => a - b);
    const sample: CountSample = {
      task: 'count',
      cameraId: entry.camera.id,
      camera: entry.camera.name,
      count: sorted[Math.floor(sorted.length / 2)]!,
      min: sorted[0]!,
      max: sorted[sorted.length - 1]!,
      frames: sorted.length,
      from: new Date(entry.countsSince).toISOString(),
      to: new Date(at).toISOString(),
    };
    entry.counts = [];
    entry.countsSince = at;
    await this.o.recordCount(entry.sessionId, sample);
  }

  private async raise(sessionId: string, camera: VisionCamera, candidate: AlarmCandidate, frame: { data: Uint8Array; width: number; height: number } | null): Promise<void> {
    let jpeg: Buffer | null = null;
    const alarmId = await this.o.alarms.raise(candidate, {
      sessionId,
      siteId: camera.siteId,
      cameraId: camera.id,
      // Written only when the alarm is new (not a repeat within the cooldown).
      saveEvidence: frame
        ? async () => {
            jpeg = await encodeJpeg(frame, 80);
            const file = alarmFrameFile(sessionId, candidate.frameAt, candidate.rule);
            await this.o.store.write(file, jpeg);
            return file;
          }
        : undefined,
    });
    if (!alarmId) return;
    this.o.toOfficers(sessionId, 'alarm:raised', {
      alarmId,
      rule: candidate.rule,
      details: candidate.details,
      frameAt: candidate.frameAt.toISOString(),
      cameraId: camera.id,
      frameJpeg: jpeg ? (jpeg as Buffer).toString('base64') : null,
    });
  }

  private async context(sessionId: string): Promise<SessionContext> {
    const cached = this.contexts.get(sessionId);
    if (cached && Date.now() - cached.loadedAt < CONTEXT_TTL_MS) return cached;
    const [row] = await this.o.db
      .select({ seals: declarations.sealNumbers, enterpriseId: bookings.enterpriseId, bookedPlate: bookings.vehiclePlate })
      .from(inspectionSessions)
      .innerJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
      .innerJoin(declarations, eq(declarations.id, bookings.declarationId))
      .where(eq(inspectionSessions.id, sessionId));
    const plates = row ? await this.o.db.select({ plate: vehicles.plate }).from(vehicles).where(eq(vehicles.enterpriseId, row.enterpriseId)) : [];
    const context: SessionContext = { declaredSeals: row?.seals ?? [], registeredPlates: plates.map((p) => p.plate), bookedPlate: row?.bookedPlate ?? null, loadedAt: Date.now() };
    this.contexts.set(sessionId, context);
    return context;
  }

  /** Whether a camera of the session is being counted (a loading batch needs it). */
  isCounting(sessionId: string, cameraId: string): boolean {
    return this.cameras.get(`${sessionId}:${cameraId}`)?.camera.analysis.includes('count') ?? false;
  }

  /** Starts counting crossings of `line` on a camera for a loading batch. */
  startBatch(sessionId: string, cameraId: string, batchId: string, line: BatchLine): boolean {
    const entry = this.cameras.get(`${sessionId}:${cameraId}`);
    if (!entry) return false;
    const toPixels = (p: [number, number]): [number, number] => [p[0] * FRAME.width, p[1] * FRAME.height];
    entry.batch = { id: batchId, counter: new LineCrossingCounter({ a: toPixels(line.a), b: toPixels(line.b) }, crossingOptionsFor(FRAME.width)) };
    return true;
  }

  /** Stops a batch's counting; its totals, or null when it was not counting here. */
  endBatch(batchId: string): { forward: number; backward: number; net: number } | null {
    for (const entry of this.cameras.values()) {
      if (entry.batch?.id !== batchId) continue;
      const { forward, backward, net } = entry.batch.counter;
      entry.batch = undefined;
      return { forward, backward, net };
    }
    return null;
  }

  detachSession(sessionId: string): void {
    for (const [key, entry] of this.cameras) if (entry.sessionId === sessionId) this.forget(key, entry);
    this.contexts.delete(sessionId);
  }

  private forget(key: string, entry: CameraVision): void {
    if (this.cameras.get(key) === entry) this.cameras.delete(key);
    this.reads.delete(key);
    clearInterval(entry.healthTimer);
    entry.tap?.close('session closed');
    for (const s of entry.streams) s.close();
  }
}
