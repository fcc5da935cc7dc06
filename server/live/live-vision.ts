/**
 * Vision on live camera feeds, for one session (owned by its LiveSession) or for farm supervision (owned by
 * Supervision): each camera with analysis tasks gets a frame tap (decoded 960x540) feeding one inference
 * stream per task. Results are pushed to those watching (the session's officers; the farm's port officers)
 * to draw over the video; plate and seal reads are checked against what was registered and declared, a
 * frozen picture is reported, and counting feeds the line-crossing counter of an open loading batch.
 * Alarms carry the JPEG of the frame they are about; a session's count samples go on its timeline.
 */
import {
  cameraFrozen,
  encodeJpeg,
  isolationOccupied,
  vehicleWithoutRecord,
  crossingOptionsFor,
  LineCrossingCounter,
  interpretReads,
  plateCheck,
  RepeatedRead,
  type PlateFormatSpec,
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
import type { InspectionService, VisionContext } from '../services/inspections.service.ts';
import type { TimelineService } from '../services/timeline.service.ts';
import type { TimelinePayload } from '../contracts/timeline.ts';
import type { ServerToClientEvents } from '../contracts/live-events.ts';
import type { AnalysedFrameJpeg } from '../contracts/cluster.ts';
import type { PlateFormatService } from '../services/plate-formats.service.ts';
import { alarmFrameFile, siteAlarmFrameFile } from '../archive/evidence-paths.ts';
import { insidePolygon, type CameraZone, type ZonePoint } from '../contracts/zones.ts';

export interface VisionCamera {
  id: string;
  name: string;
  siteId: string;
  analysis: string[];
  /** Zones over its picture: masks ignored, counting zones counted, isolation pens and loading bays watched. */
  zones?: CameraZone[];
}

/** An isolation pen must see animals in this many results in a row (5 a second) before it is an alarm. */
const OCCUPIED_RESULTS = 3;

/** The centre of a read's box (x, y, width, height in pixels). */
const boxCentre = (box: [number, number, number, number]): [number, number] => [box[0] + box[2] / 2, box[1] + box[3] / 2];

/** Which detections the camera's zones keep: none inside a mask; only those inside its counting zones, if any. */
function keptByZones(zones: CameraZone[], at: ZonePoint): boolean {
  if (zones.some((z) => z.kind === 'motion_mask' && insidePolygon(at, z.polygon))) return false;
  const counting = zones.filter((z) => z.kind === 'counting');
  return counting.length === 0 || counting.some((z) => insidePolygon(at, z.polygon));
}

/** A counting line in fractions of the picture; `forward` crosses from the right of a->b to its left. */
export interface BatchLine {
  a: [number, number];
  b: [number, number];
}

/** What vision needs from the platform; shared by every session on the node. */
export interface VisionDeps {
  /** Started on first use: sessions without analysed cameras cost nothing. */
  pool: () => Promise<Pick<InferencePool, 'openStream'>>;
  alarms: AlarmService;
  /** What reads are checked against (declared seals, registered and booked plates). */
  inspections: Pick<InspectionService, 'visionContext' | 'siteVisionContext'>;
  /** Count samples go on the timeline (the supervisor's count chart). */
  timeline: TimelineService;
  /** Where alarm pictures go. */
  store: EvidenceStore;
  frozenAfterMs: number;
  /** Characters a plate read may differ from a registered or booked plate. */
  plateMatchDistance: number;
  /** The plate formats of a farm's port (read again when their version moves: no restart). */
  plateFormats: Pick<PlateFormatService, 'forSite' | 'version'>;
  logger: Logger;
}

/**
 * Pushes to those who may see the camera's results: the officers (and supervisors) of the session, or of
 * the farm's port (`siteId` says which farm).
 */
export type ToOfficers = <E extends 'vision:result' | 'vision:batch'>(event: E, ...payload: Parameters<ServerToClientEvents[E]>) => void;

/** Whose vision this is: a session's (timeline, the booking's prior), or farm supervision's (no session). */
export type VisionScope =
  | { sessionId: string }
  | {
      sessionId: null;
      toFarm: (siteId: string) => ToOfficers;
      /** Each plate and seal read once confirmed over frames (a loading record at the farm matches them). */
      onRead?: (read: { siteId: string; cameraId: string; camera: string; task: 'plate' | 'seal'; text: string; confidence: number }) => void;
    };

type CountSample = TimelinePayload<'detection'>;
/** What a site's reads are checked against, and its plate formats (with the version they were read at). */
type SiteContext = VisionContext & { plateFormats: PlateFormatSpec[]; formatsVersion: number; loadedAt: number };

/**
 * The size a camera's frames are decoded at, by the largest its tasks need: Paddle's text detector works
 * at up to 960 pixels; the counting model scales down to 320 itself, so a camera only counted is decoded
 * at a sub-stream's own 640x360 (every frame is decoded and converted: upscaling them cost CPU for nothing).
 */
const FRAME_FOR: Record<VisionTask, { width: number; height: number }> = { count: { width: 640, height: 360 }, plate: { width: 960, height: 540 }, seal: { width: 960, height: 540 } };
const frameFor = (tasks: readonly VisionTask[]) => tasks.map((t) => FRAME_FOR[t]).reduce((a, b) => (b.width > a.width ? b : a));
/** Counting needs motion between frames; plates and seals are read a couple of times a second. */
const FPS_FOR: Record<VisionTask, number> = { count: 5, plate: 2, seal: 2 };
const MOTION = { threshold: 1.5, maxStillMs: 3000 };
const CONTEXT_TTL_MS = 60_000;
/** One count sample per counting camera this often: 360 timeline rows an hour, enough for a chart. */
const COUNT_SAMPLE_MS = 10_000;

interface CameraVision {
  camera: VisionCamera;
  /** The size its frames are decoded at (the largest its tasks need). */
  frame: { width: number; height: number };
  tap: FrameTap | null;
  streams: InferenceStream[];
  healthTimer?: NodeJS.Timeout;
  lastFrameAt: number;
  batch?: { id: string; counter: LineCrossingCounter };
  /** Counts since the last sample (bounded: 5 fps over the interval). */
  counts: number[];
  countsSince: number;
  /** A read must repeat before it is checked (single-frame misreads are noise). */
  reads: RepeatedRead;
  /** A camera_frozen incident was raised and has not cleared yet. */
  frozen?: boolean;
  /** Per isolation pen, how many results in a row saw animals in it. */
  occupied: Map<string, number>;
  /** The last analysed frame of each task with the model's result over the whole picture (an officer may correct it). */
  latest: Map<VisionTask, AnalysedFrame>;
}

/** A frame as analysed and the model's result for it (before the zones), kept until the next one. */
interface AnalysedFrame {
  frame: { data: Uint8Array; width: number; height: number };
  result: TaskResult;
  capturedAt: number;
}

export class LiveVision {
  /** By camera id. */
  private readonly cameras = new Map<string, CameraVision>();
  /** By site (a session has one). */
  private readonly contexts = new Map<string, SiteContext>();
  private closed = false;
  readonly sessionId: string | null;

  constructor(
    private readonly scope: VisionScope,
    private readonly o: VisionDeps & { toOfficers?: ToOfficers },
  ) {
    this.sessionId = scope.sessionId;
  }

  private push(camera: VisionCamera): ToOfficers {
    return this.scope.sessionId === null ? this.scope.toFarm(camera.siteId) : this.o.toOfficers!;
  }

  /** Starts analysing a camera's producer in the session's room; settles once its frames flow. */
  async attach(room: Room, producer: ProducerInfo, camera: VisionCamera): Promise<void> {
    const tasks = camera.analysis.filter((t): t is VisionTask => t in FPS_FOR);
    if (tasks.length === 0 || this.closed || this.cameras.has(camera.id)) return;
    const entry: CameraVision = {
      camera,
      frame: frameFor(tasks),
      tap: null,
      streams: [],
      lastFrameAt: Date.now(),
      counts: [],
      countsSince: Date.now(),
      reads: new RepeatedRead({ times: 2, windowMs: 10_000 }),
      occupied: new Map(),
      latest: new Map(),
    };
    this.cameras.set(camera.id, entry);
    const pool = await this.o.pool();
    if (this.cameras.get(camera.id) !== entry) return; // the session closed meanwhile
    entry.streams = tasks.map((task) =>
      pool.openStream(`${this.sessionId ?? 'supervision'}:${camera.id}`, {
        task,
        motionThreshold: MOTION.threshold,
        maxStillMs: MOTION.maxStillMs,
        onResult: (result, meta) => void this.handleResult(camera, result, meta).catch((err) => this.o.logger.warn({ err, cameraId: camera.id }, 'vision result not handled')),
        onError: (err) => this.o.logger.warn({ err: err.message, code: err.code, cameraId: camera.id }, 'vision frame lost'),
      }),
    );
    let tap: FrameTap;
    try {
      tap = await FrameTap.open(room, producer, { ...entry.frame, fps: Math.max(...tasks.map((t) => FPS_FOR[t])) });
    } catch (err) {
      this.forget(entry);
      throw err;
    }
    if (this.cameras.get(camera.id) !== entry) {
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
    const candidate = cameraFrozen({ cameraId: entry.camera.id, unchangedMs: stream.unchangedMs(), frozenAfterMs: this.o.frozenAfterMs, frameAt: new Date() });
    if (candidate) {
      if (await this.raise(entry.camera, { ...candidate, details: { ...candidate.details, camera: entry.camera.name } }, null)) entry.frozen = true;
    } else if (entry.frozen) {
      // The picture moves again: the incident closes by itself.
      entry.frozen = false;
      await this.o.alarms.clear({ sessionId: this.sessionId, siteId: entry.camera.siteId, cameraId: entry.camera.id }, { dedupeKey: `frozen:${entry.camera.id}` });
    }
  }

  /** One result of one camera: pushed to the officers, checked against the rules. */
  private async handleResult(
    camera: VisionCamera,
    result: TaskResult,
    meta: Pick<StreamResultMeta, 'capturedAt' | 'latencyMs' | 'waitMs' | 'inferMs'> & { frame: { data: Uint8Array; width: number; height: number } },
  ): Promise<void> {
    const { width, height } = meta.frame;
    const frameAt = new Date(meta.capturedAt);
    const entry = this.cameras.get(camera.id);
    const zones = entry?.camera.zones ?? [];
    const at = (x: number, y: number): ZonePoint => [x / width, y / height];
    // Plates are read with the formats of the farm's port (the worker knows only the built-in ones).
    if (result.task !== 'count') {
      const { task, results, lines, model } = result;
      result = { task, model, lines: [], results: task === 'plate' && lines.length > 0 ? interpretReads(task, lines, (await this.loadContext(camera.siteId)).plateFormats) : results };
    }
    // One frame per task, replaced by the next, as the model saw the whole picture (an officer's correction
    // labels every animal or plate on it: one hidden by a mask is still an animal to learn from).
    entry?.latest.set(result.task, { frame: meta.frame, result, capturedAt: meta.capturedAt });
    // What the zones leave of the result is what is shown, counted and checked.
    if (zones.length > 0) result = this.applyZones(result, zones, at);
    const { lines: _lines, ...shown } = result.task === 'count' ? { ...result, lines: [] } : result;
    const handledMs = Date.now() - meta.capturedAt - meta.latencyMs;
    this.push(camera)('vision:result', {
      cameraId: camera.id,
      camera: camera.name,
      capturedAt: frameAt.toISOString(),
      latencyMs: meta.latencyMs + handledMs,
      timing: { waitMs: meta.waitMs, inferMs: meta.inferMs, handledMs },
      width,
      height,
      ...shown,
    });
    if (result.task === 'count') {
      if (entry)
        await this.watchIsolation(
          entry,
          result.points.map(([x, y]) => at(x, y)),
          frameAt,
          meta.frame,
        );
      if (entry) await this.sampleCount(entry, result.count, meta.capturedAt, result.model);
      if (!entry?.batch) return;
      const crossings = entry.batch.counter.update(result.points, meta.capturedAt);
      if (crossings.length) {
        const { counter } = entry.batch;
        this.push(camera)('vision:batch', { batchId: entry.batch.id, cameraId: camera.id, forward: counter.forward, backward: counter.backward, net: counter.net });
      }
      return;
    }
    if (!entry) return;
    const confirmed = result.results.filter((read) => entry.reads.confirm(`${result.task}:${read.text}`, meta.capturedAt));
    if (confirmed.length === 0) return;
    const context = await this.loadContext(camera.siteId);
    const bays = zones.filter((z) => z.kind === 'loading_bay');
    const gates = zones.filter((z) => z.kind === 'gate');
    for (const read of confirmed) {
      const centre = at(...boxCentre(read.box));
      if (this.scope.sessionId === null) this.scope.onRead?.({ siteId: camera.siteId, cameraId: camera.id, camera: camera.name, task: result.task, text: read.text, confidence: read.confidence });
      // A farm's loading bay: a vehicle there with no loading record open is loading nobody supervises.
      const bay = result.task === 'plate' && this.scope.sessionId === null ? bays.find((z) => insidePolygon(centre, z.polygon)) : undefined;
      const unsupervised = bay ? vehicleWithoutRecord({ plate: read.text, zoneId: bay.id, zone: bay.name, loadingRecordOpen: context.loadingRecordOpen ?? false, frameAt }) : null;
      if (unsupervised) await this.raise(camera, { ...unsupervised, details: { ...unsupervised.details, camera: camera.name, box: read.box } }, meta.frame);
      const candidate: AlarmCandidate | null =
        result.task === 'plate'
          ? // With gates drawn, only a plate at a gate is checked against the registered vehicles.
            gates.length > 0 && !gates.some((g) => insidePolygon(centre, g.polygon))
            ? null
            : plateCheck({
                plate: read.text,
                confidence: read.confidence,
                registeredPlates: context.registeredPlates,
                bookedPlate: context.bookedPlate,
                frameAt,
                maxDistance: this.o.plateMatchDistance,
              })
          : context.declaredSeals.length > 0
            ? sealCheck({ seal: read.text, confidence: read.confidence, declared: context.declaredSeals, frameAt })
            : null;
      if (candidate) await this.raise(camera, { ...candidate, details: { ...candidate.details, camera: camera.name, box: read.box } }, meta.frame);
    }
  }

  /** The result without what the masks hide (and, for counting, what lies outside the counting zones). */
  private applyZones(result: TaskResult, zones: CameraZone[], at: (x: number, y: number) => ZonePoint): TaskResult {
    if (result.task === 'count') {
      const kept = result.points.flatMap((p, i) => (keptByZones(zones, at(p[0], p[1])) ? [i] : []));
      return { ...result, count: kept.length, points: kept.map((i) => result.points[i]!), scores: kept.map((i) => result.scores[i]!) };
    }
    const masks = zones.filter((z) => z.kind === 'motion_mask');
    return { ...result, results: result.results.filter((r) => !masks.some((m) => insidePolygon(at(...boxCentre(r.box)), m.polygon))) };
  }

  /** Animals in an isolation pen, seen in several results in a row, raise animals_in_isolation (once per incident). */
  private async watchIsolation(entry: CameraVision, animals: ZonePoint[], frameAt: Date, frame: { data: Uint8Array; width: number; height: number }): Promise<void> {
    for (const pen of entry.camera.zones?.filter((z) => z.kind === 'isolation_pen') ?? []) {
      const inside = animals.filter((p) => insidePolygon(p, pen.polygon)).length;
      const streak = inside > 0 ? (entry.occupied.get(pen.id) ?? 0) + 1 : 0;
      entry.occupied.set(pen.id, streak);
      if (streak !== OCCUPIED_RESULTS) continue;
      const candidate = isolationOccupied({ zoneId: pen.id, zone: pen.name, animals: inside, frameAt });
      if (candidate) await this.raise(entry.camera, { ...candidate, details: { ...candidate.details, camera: entry.camera.name } }, frame);
    }
  }

  /** The camera's zones changed (drawn or deleted by an administrator): applied from the next result. */
  setZones(cameraId: string, zones: CameraZone[]): void {
    const entry = this.cameras.get(cameraId);
    if (!entry) return;
    entry.camera = { ...entry.camera, zones };
    entry.occupied.clear();
  }

  private async sampleCount(entry: CameraVision, count: number, at: number, model: string): Promise<void> {
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
      model,
    };
    entry.counts = [];
    entry.countsSince = at;
    // A session's samples are its count chart; supervision's live count is only pushed (no timeline yet).
    if (this.sessionId) await this.o.timeline.append({ sessionId: this.sessionId, kind: 'detection', actorId: null, payload: sample });
  }

  /** Raised (or counted as an occurrence) by AlarmService, which tells the officers; the frame is kept as evidence. */
  private async raise(camera: VisionCamera, candidate: AlarmCandidate, frame: { data: Uint8Array; width: number; height: number } | null): Promise<string | null> {
    const { sessionId } = this;
    return this.o.alarms.raise(candidate, {
      sessionId,
      siteId: camera.siteId,
      cameraId: camera.id,
      // Written only when a new incident is raised (not for an occurrence of an open one).
      saveEvidence: frame
        ? async () => {
            const file = sessionId ? alarmFrameFile(sessionId, candidate.frameAt, candidate.rule) : siteAlarmFrameFile(camera.siteId, candidate.frameAt, candidate.rule);
            await this.o.store.write(file, await encodeJpeg(frame, 80));
            return file;
          }
        : undefined,
    });
  }

  private async loadContext(siteId: string): Promise<SiteContext> {
    const cached = this.contexts.get(siteId);
    if (cached && Date.now() - cached.loadedAt < CONTEXT_TTL_MS && cached.formatsVersion === this.o.plateFormats.version) return cached;
    const formatsVersion = this.o.plateFormats.version;
    const context = this.sessionId ? await this.o.inspections.visionContext(this.sessionId) : await this.o.inspections.siteVisionContext(siteId);
    const loaded = { ...context, plateFormats: await this.o.plateFormats.forSite(siteId), formatsVersion, loadedAt: Date.now() };
    // Bounded by the sites watched on this node.
    this.contexts.set(siteId, loaded);
    return loaded;
  }

  /** What a farm's reads are checked against changed (a loading record opened or was decided there). */
  forgetContext(siteId: string): void {
    this.contexts.delete(siteId);
  }

  /** The last frame of a camera analysed for `task` (as a JPEG), with its result over the whole picture (zones not applied); null when none came yet. */
  async latestFrame(cameraId: string, task: VisionTask): Promise<AnalysedFrameJpeg | null> {
    const latest = this.cameras.get(cameraId)?.latest.get(task);
    if (!latest) return null;
    const { frame, result, capturedAt } = latest;
    return { jpeg: await encodeJpeg(frame, 90), width: frame.width, height: frame.height, result, capturedAt };
  }

  /** Whether a camera of the session is being counted (a loading batch needs it). */
  isCounting(cameraId: string): boolean {
    return this.cameras.get(cameraId)?.camera.analysis.includes('count') ?? false;
  }

  /** Starts counting crossings of `line` on a camera for a loading batch. */
  startBatch(cameraId: string, batchId: string, line: BatchLine): boolean {
    const entry = this.cameras.get(cameraId);
    if (!entry) return false;
    const { frame } = entry;
    const toPixels = (p: [number, number]): [number, number] => [p[0] * frame.width, p[1] * frame.height];
    entry.batch = { id: batchId, counter: new LineCrossingCounter({ a: toPixels(line.a), b: toPixels(line.b) }, crossingOptionsFor(frame.width)) };
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

  /** Stops one camera's analysis (it left supervision). */
  detach(cameraId: string): void {
    const entry = this.cameras.get(cameraId);
    if (entry) this.forget(entry);
  }

  /** Stops every camera's analysis; nothing is started afterwards. */
  close(): void {
    this.closed = true;
    for (const entry of [...this.cameras.values()]) this.forget(entry);
  }

  private forget(entry: CameraVision): void {
    if (this.cameras.get(entry.camera.id) === entry) this.cameras.delete(entry.camera.id);
    clearInterval(entry.healthTimer);
    entry.tap?.close('session closed');
    for (const s of entry.streams) s.close();
  }
}
