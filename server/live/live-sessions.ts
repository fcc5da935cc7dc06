/**
 * The live media of inspection sessions on this node: one media room per live session, created at the
 * first join. Every producer is recorded from the moment it starts (segments hashed into the database as
 * they close); the site cameras of the declaration's site are pulled in; a dead mediasoup worker takes its
 * rooms down and their participants are told to join again, which re-creates them on a live worker.
 */
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { cameras, declarations } from '../db/schema.ts';
import { cameraHealth } from '../../inference/index.ts';
import type { AlarmService } from '../services/alarms.service.ts';
import type { Db } from '../db/database.ts';
import { CameraIngest, grabStill, MediaError, Recorder, Room, type MediaNetwork, type MediaWorkerPool, type ProducerInfo } from '../../media/index.ts';
import type { Logger } from '../logger.ts';
import type { InspectionService, TimelineEventView } from '../services/inspections.service.ts';
import type { LiveVision } from './live-vision.ts';
import { recordingFolder } from '../archive/evidence-paths.ts';

export interface LiveSessionEvents {
  /** Push an event to everybody in the session. */
  broadcast(sessionId: string, event: string, payload: unknown): void;
}

interface LiveSession {
  id: string;
  room: Room;
  recorders: Map<string, { recorder: Recorder; recordingId: string }>;
  cameras: CameraIngest[];
}

export interface LiveSessionsOptions {
  pool: MediaWorkerPool;
  network: MediaNetwork;
  db: Db;
  inspections: InspectionService;
  alarms: AlarmService;
  dataDir: string;
  segmentSeconds: number;
  cameraOfflineMs: number;
  events: LiveSessionEvents;
  /** Vision on the site cameras that have analysis tasks. */
  vision: LiveVision;
  /** Queue the finalisation of a stopped recording. */
  finalise: (recordingId: string) => Promise<void>;
  /** Opens a camera's source with its password (kept encrypted apart from the URL). */
  cameraSources: { liveSourceUrl(camera: { sourceUrl: string; sourcePassword: string | null }): string };
  logger: Logger;
}

export class LiveSessions {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly opening = new Map<string, Promise<LiveSession>>();

  constructor(private readonly o: LiveSessionsOptions) {
    // Its rooms notice by themselves (their routers close); this is for the log.
    o.pool.on('workerdied', ({ index, pid, routerIds }) => o.logger.error({ index, pid, routers: routerIds.length }, 'mediasoup worker died'));
  }

  /** For tests and operations: the processes working for a live session now (camera ingests, recorders). */
  processes(sessionId: string): { cameras: Array<{ cameraId: string; pid: number | undefined }>; recorders: Array<{ recordingId: string; source: string; pid: number | undefined }> } {
    const live = this.sessions.get(sessionId);
    return {
      cameras: (live?.cameras ?? []).map((c) => ({ cameraId: c.camera.cameraId, pid: c.pid })),
      recorders: [...(live?.recorders.values() ?? [])].map((r) => ({ recordingId: r.recordingId, source: r.recorder.info.source, pid: r.recorder.pid })),
    };
  }

  /** The session's room, created (with its cameras) on first use. */
  async room(sessionId: string, declarationId: string): Promise<Room> {
    const existing = this.sessions.get(sessionId);
    if (existing && !existing.room.closed) return existing.room;
    let opening = this.opening.get(sessionId);
    if (!opening) {
      opening = this.open(sessionId, declarationId).finally(() => this.opening.delete(sessionId));
      this.opening.set(sessionId, opening);
    }
    return (await opening).room;
  }

  existingRoom(sessionId: string): Room | null {
    const live = this.sessions.get(sessionId);
    return live && !live.room.closed ? live.room : null;
  }

  /** Takes a JPEG of any stream of the session and puts it on the timeline. */
  async snapshot(sessionId: string, producerId: string, actorId: string): Promise<TimelineEventView> {
    const room = this.existingRoom(sessionId);
    if (!room) throw new MediaError('room_closed', 'The session has no live media');
    const { info } = room.producer(producerId);
    const still = await grabStill(room, info);
    const event = await this.o.inspections.recordSnapshot(sessionId, actorId, `${Date.now()}-${producerId.slice(0, 8)}.jpg`, still.jpeg, {
      width: still.width,
      height: still.height,
      producerId,
      source: info.source,
      label: info.label,
      name: info.displayName,
    });
    this.o.events.broadcast(sessionId, 'session:timeline', event);
    return event;
  }

  /** Ends the session's media: recordings are closed and queued for finalisation. */
  async close(sessionId: string): Promise<void> {
    const live = this.sessions.get(sessionId);
    if (live) await this.drop(live, null);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((live) => this.drop(live, null)));
  }

  private async open(sessionId: string, declarationId: string): Promise<LiveSession> {
    const room = await Room.create(sessionId, this.o.pool, this.o.network);
    const live: LiveSession = { id: sessionId, room, recorders: new Map(), cameras: [] };
    this.sessions.set(sessionId, live);
    // The router went away under us (its worker died): wind down and let participants join again.
    room.once('closed', () => void this.drop(live, 'media_failed'));
    room.on('produceradded', (info) => {
      void this.record(live, info).catch((err) => this.o.logger.error({ err, sessionId }, 'cannot start recording'));
      this.o.events.broadcast(sessionId, 'media:newProducer', info);
    });
    room.on('producerclosed', (info) => {
      this.o.events.broadcast(sessionId, 'media:producerClosed', { producerId: info.producerId });
      // The stream ended (participant left): its recording is complete.
      void this.stopRecorder(live, info.producerId).catch((err) => this.o.logger.error({ err, sessionId }, 'cannot close recording'));
    });
    await this.startCameras(live, declarationId);
    return live;
  }

  private async record(live: LiveSession, info: ProducerInfo): Promise<void> {
    const { inspections } = this.o;
    // Named for people reviewing it: `camera:<cameraId>:<name>` or `user:<userId>:<camera|microphone>`.
    const source = info.userId ? `user:${info.userId}:${info.label}` : `${info.source}:${info.label}`;
    const recordingId = await inspections.createRecording(live.id, source, info.kind);
    let recorder: Recorder;
    try {
      recorder = await Recorder.start(live.room, info, {
        dir: path.join(this.o.dataDir, recordingFolder(live.id, recordingId)),
        segmentSeconds: this.o.segmentSeconds,
      });
    } catch (err) {
      await inspections.recordingFailed(recordingId);
      throw err;
    }
    live.recorders.set(info.producerId, { recorder, recordingId });
    // The stream may have ended while the recorder was starting.
    if (!live.room.producerInfos().some((p) => p.producerId === info.producerId)) await this.stopRecorder(live, info.producerId);
    recorder.on('segment', (segment) => {
      void inspections
        .addSegment(recordingId, { ...segment, path: path.relative(this.o.dataDir, segment.path) })
        .catch((err) => this.o.logger.error({ err, recordingId }, 'cannot store segment'));
    });
    recorder.on('restarted', ({ gapMs, reason }) => {
      void inspections
        .appendTimeline(live.id, 'note', null, { kind: 'recording_gap', recordingId, gapMs, reason: reason.slice(0, 300) })
        .then((event) => this.o.events.broadcast(live.id, 'session:timeline', event))
        .catch((err) => this.o.logger.error({ err, recordingId }, 'cannot note a recording gap'));
    });
    recorder.on('failed', (err) => this.o.logger.error({ err, recordingId }, 'recording failed'));
  }

  private async stopRecorder(live: LiveSession, producerId: string): Promise<void> {
    const entry = live.recorders.get(producerId);
    if (!entry) return;
    live.recorders.delete(producerId);
    const segments = await entry.recorder.stop();
    // Segments announced during stop() were stored by the listener; store again idempotently to be sure.
    for (const s of segments) await this.o.inspections.addSegment(entry.recordingId, { ...s, path: path.relative(this.o.dataDir, s.path) });
    await this.o.inspections.recordingStopped(entry.recordingId);
    await this.o.finalise(entry.recordingId);
  }

  private async startCameras(live: LiveSession, declarationId: string): Promise<void> {
    const { db } = this.o;
    const [declaration] = await db.select({ siteId: declarations.siteId }).from(declarations).where(eq(declarations.id, declarationId));
    if (!declaration?.siteId) return;
    const siteCameras = await db.select().from(cameras).where(and(eq(cameras.siteId, declaration.siteId), eq(cameras.enabled, true)));
    for (const camera of siteCameras) {
      try {
        const ingest = await CameraIngest.start(live.room, { cameraId: camera.id, name: camera.name, sourceUrl: this.o.cameraSources.liveSourceUrl(camera) }, { offlineAfterMs: this.o.cameraOfflineMs });
        live.cameras.push(ingest);
        ingest.on('offline', ({ silentMs }) => void this.cameraOffline(live.id, camera, declaration.siteId!, silentMs));
        ingest.on('online', () => this.o.events.broadcast(live.id, 'camera:online', { cameraId: camera.id }));
        ingest.on('restarting', ({ inMs, reason }) => this.o.logger.warn({ cameraId: camera.id, inMs, reason }, 'camera ingest restarting'));
        if (camera.analysis.length > 0 && ingest.producerInfo) {
          const vision = { id: camera.id, name: camera.name, siteId: camera.siteId, analysis: camera.analysis };
          void this.o.vision.attach(live.id, live.room, ingest.producerInfo, vision).catch((err) => this.o.logger.warn({ err, cameraId: camera.id }, 'cannot analyse camera'));
        }
      } catch (err) {
        this.o.logger.warn({ err, cameraId: camera.id }, 'cannot bring camera into the session');
      }
    }
  }

  private async cameraOffline(sessionId: string, camera: typeof cameras.$inferSelect, siteId: string, silentMs: number) {
    const candidate = cameraHealth({
      cameraId: camera.id,
      silentMs,
      unchangedMs: 0,
      offlineAfterMs: this.o.cameraOfflineMs,
      frozenAfterMs: Number.POSITIVE_INFINITY,
      frameAt: new Date(),
    });
    if (!candidate) return;
    candidate.details.camera = camera.name;
    const alarmId = await this.o.alarms.raise(candidate, { sessionId, siteId, cameraId: camera.id });
    if (alarmId) this.o.events.broadcast(sessionId, 'camera:offline', { cameraId: camera.id, silentMs, alarmId });
  }

  /** Stops everything of a session. `reason` set: the media failed and participants must join again. */
  private async drop(live: LiveSession, reason: string | null): Promise<void> {
    if (this.sessions.get(live.id) !== live) return;
    this.sessions.delete(live.id);
    // Participants can rejoin (on a live worker) while the old media is wound down.
    if (reason) this.o.events.broadcast(live.id, 'media:reset', { reason });
    const settle = (what: string) => (err: unknown) => this.o.logger.warn({ err, sessionId: live.id }, `while closing session media: ${what}`);
    this.o.vision.detachSession(live.id);
    await Promise.all(live.cameras.map((c) => c.stop().catch(settle('camera'))));
    await Promise.all([...live.recorders.keys()].map((producerId) => this.stopRecorder(live, producerId).catch(settle('recording'))));
    live.room.close();
  }
}
