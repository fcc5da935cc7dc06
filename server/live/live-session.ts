/**
 * One live inspection session on this node and everything live about it: its media room, its hold on the
 * site cameras' feeds (piped into its room; CameraFeeds owns the ingests), a recorder per stream, and the
 * vision on its cameras. It is the only owner of these; `close()` winds them all down in order (vision,
 * cameras, recorders, room) and is safe to call twice.
 */
import path from 'node:path';
import { cameraOffline, type VisionTask } from '../../inference/index.ts';
import { grabStill, MediaError, Recorder, Room, type MediaNetwork, type MediaWorkerPool, type ProducerInfo } from '../../media/index.ts';
import type { Logger } from '../logger.ts';
import type { AdminService } from '../services/admin.service.ts';
import type { AlarmService } from '../services/alarms.service.ts';
import type { InspectionService } from '../services/inspections.service.ts';
import type { TimelineService } from '../services/timeline.service.ts';
import type { TimelineEventOf } from '../contracts/timeline.ts';
import type { ServerToClientEvents } from '../contracts/live-events.ts';
import { recordingFolder } from '../archive/evidence-paths.ts';
import type { AnalysedFrameJpeg } from '../contracts/cluster.ts';
import { LiveVision, type BatchLine, type VisionDeps } from './live-vision.ts';
import type { CameraFeed, CameraFeeds } from './camera-feeds.ts';
import type { CameraZoneService } from '../services/camera-zones.service.ts';
import { SessionPipes } from '../cluster/session-pipes.ts';
import type { ClusterClient } from '../cluster/internal-api.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import { RecordingSegments } from './recording-segments.ts';

/** What every live session on the node shares. */
export interface LiveSessionDeps {
  pool: MediaWorkerPool;
  network: MediaNetwork;
  inspections: InspectionService;
  timeline: TimelineService;
  alarms: AlarmService;
  /** The site's cameras with the URLs to open them by. */
  cameras: Pick<AdminService, 'liveCamerasForDeclaration'>;
  /** The node's camera feeds: a session holds those of its site's cameras. */
  feeds: CameraFeeds;
  /** Each camera's zones (masks, counting zones, gates), applied by its analysis as in supervision. */
  zones: Pick<CameraZoneService, 'zonesOf'>;
  vision: VisionDeps;
  dataDir: string;
  /** Where each recording segment goes as it closes (with S3, where other nodes finalise it from). */
  store: EvidenceStore;
  segmentSeconds: number;
  cameraOfflineMs: number;
  /** Queue the finalisation of a stopped recording. */
  finalise: (recordingId: string) => Promise<void>;
  /** Pushes to everybody in a session, or to its officers (and supervisors) only. */
  push: SessionPush;
  /** Calls the other nodes (streams piped to and from the nodes the session's participants reached). */
  cluster: ClusterClient;
  /** This node's name (on each recording it makes). */
  nodeId: string;
  logger: Logger;
}

export interface SessionPush {
  toSession<E extends keyof ServerToClientEvents>(sessionId: string, event: E, ...payload: Parameters<ServerToClientEvents[E]>): void;
  toOfficers<E extends keyof ServerToClientEvents>(sessionId: string, event: E, ...payload: Parameters<ServerToClientEvents[E]>): void;
  /** To the session's participants connected to this node only (its edge of the session went). */
  toSessionHere<E extends keyof ServerToClientEvents>(sessionId: string, event: E, ...payload: Parameters<ServerToClientEvents[E]>): void;
}

/** Takes a JPEG of a stream in `room` (the session's, or a node's edge of it) and puts it on the session's timeline. */
export async function snapshotToTimeline(room: Room, inspections: InspectionService, sessionId: string, producerId: string, actorId: string): Promise<TimelineEventOf<'snapshot'>> {
  const { info } = room.producer(producerId);
  const still = await grabStill(room, info);
  return inspections.recordSnapshot(sessionId, actorId, `${Date.now()}-${producerId.slice(0, 8)}.jpg`, still.jpeg, {
    width: still.width,
    height: still.height,
    producerId,
    source: info.source,
    label: info.label,
    name: info.displayName,
  });
}

type LiveCamera = Awaited<ReturnType<AdminService['liveCamerasForDeclaration']>>[number];

export class LiveSession {
  private readonly recorders = new Map<string, { recorder: Recorder; recordingId: string; segments: RecordingSegments }>();
  /**
   * Recorders being stopped, by producer: a stream that ends as the session closes (a camera released
   * first) is stopped by its own event, and the close must still wait for it before the queues go.
   */
  private readonly stoppingRecorders = new Map<string, Promise<void>>();
  private readonly cameras: Array<{ camera: LiveCamera; feed: CameraFeed; unsubscribe: () => void }> = [];
  private readonly vision: LiveVision;
  /** Streams crossing to and from the other nodes its participants reached. */
  readonly pipes: SessionPipes;
  /** Cameras whose analysis is starting (the inference workers may still be loading): awaited by close(). */
  private readonly attaching = new Set<Promise<void>>();
  private closing: Promise<void> | null = null;

  private constructor(
    readonly id: string,
    readonly room: Room,
    private readonly o: LiveSessionDeps,
    /** Called once when the session's media ends (closed, or its worker died). */
    private readonly onClosed: (session: LiveSession) => void,
  ) {
    this.vision = new LiveVision({ sessionId: id }, { ...o.vision, toOfficers: (event, ...payload) => o.push.toOfficers(id, event, ...payload) });
    this.pipes = new SessionPipes(id, room, o.cluster, o.logger);
  }

  /** Opens the session's room and brings in its site cameras. */
  static async open(sessionId: string, declarationId: string, o: LiveSessionDeps, onClosed: (session: LiveSession) => void): Promise<LiveSession> {
    const room = await Room.create(sessionId, o.pool, o.network);
    const live = new LiveSession(sessionId, room, o, onClosed);
    // The router went away under us (its worker died): wind down and let participants join again.
    room.once('closed', () => void live.close('media_failed'));
    room.on('produceradded', (info) => {
      // A stream arriving as the session closes has nothing to record into: not an error.
      void live.record(info).catch((err) => !live.closed && o.logger.error({ err, sessionId }, 'cannot start recording'));
      o.push.toSession(sessionId, 'media:newProducer', info);
    });
    room.on('producerclosed', (info) => {
      o.push.toSession(sessionId, 'media:producerClosed', { producerId: info.producerId });
      // The stream ended (participant left): its recording is complete.
      void live.stopRecorder(info.producerId).catch((err) => o.logger.error({ err, sessionId }, 'cannot close recording'));
    });
    await live.startCameras(declarationId);
    return live;
  }

  get closed(): boolean {
    return this.closing !== null || this.room.closed;
  }

  /** For tests and operations: the processes working for the session now (camera ingests, recorders). */
  processes() {
    return {
      cameras: this.cameras.map(({ camera, feed }) => ({ cameraId: camera.id, pid: feed.ingest.pid })),
      recorders: [...this.recorders.values()].map((r) => ({ recordingId: r.recordingId, source: r.recorder.info.source, pid: r.recorder.pid })),
    };
  }

  /** Takes a JPEG of any stream of the session and puts it on the timeline. */
  async snapshot(producerId: string, actorId: string): Promise<TimelineEventOf<'snapshot'>> {
    if (this.closed) throw new MediaError('room_closed', 'The session has no live media');
    return snapshotToTimeline(this.room, this.o.inspections, this.id, producerId, actorId);
  }

  latestFrame(cameraId: string, task: VisionTask): Promise<AnalysedFrameJpeg | null> {
    return this.vision.latestFrame(cameraId, task);
  }

  isCounting(cameraId: string): boolean {
    return this.vision.isCounting(cameraId);
  }

  startBatch(cameraId: string, batchId: string, line: BatchLine): boolean {
    return this.vision.startBatch(cameraId, batchId, line);
  }

  endBatch(batchId: string) {
    return this.vision.endBatch(batchId);
  }

  /**
   * Ends the session's media: recordings are closed and queued for finalisation. `reason` set: the media
   * failed and participants are told to join again (on a live worker) while the old media winds down.
   */
  close(reason: string | null = null): Promise<void> {
    return (this.closing ??= (async () => {
      this.onClosed(this);
      if (reason) this.o.push.toSession(this.id, 'media:reset', { reason });
      const settle = (what: string) => (err: unknown) => this.o.logger.warn({ err, sessionId: this.id }, `while closing session media: ${what}`);
      this.vision.close();
      await Promise.all([...this.attaching].map((attaching) => attaching.catch(() => {})));
      await Promise.all(
        this.cameras.map(({ camera, unsubscribe }) => {
          unsubscribe();
          return this.o.feeds.release(camera.id, this.id).catch(settle('camera'));
        }),
      );
      await Promise.all([...this.recorders.keys(), ...this.stoppingRecorders.keys()].map((producerId) => this.stopRecorder(producerId).catch(settle('recording'))));
      // The other nodes' edges learn the session ended (or moved) at once, not one stream at a time.
      this.pipes.quietly();
      this.room.close();
    })());
  }

  private async record(info: ProducerInfo): Promise<void> {
    const { inspections, timeline } = this.o;
    // Named for people reviewing it: `camera:<cameraId>:<name>` or `user:<userId>:<camera|microphone>`.
    const source = info.userId ? `user:${info.userId}:${info.label}` : `${info.source}:${info.label}`;
    const recordingId = await inspections.createRecording(this.id, source, info.kind, this.o.nodeId);
    let recorder: Recorder;
    try {
      recorder = await Recorder.start(this.room, info, { dir: path.join(this.o.dataDir, recordingFolder(this.id, recordingId)), segmentSeconds: this.o.segmentSeconds });
    } catch (err) {
      await inspections.recordingFailed(recordingId);
      throw err;
    }
    const segments = new RecordingSegments(recordingId, { inspections, store: this.o.store, dataDir: this.o.dataDir, logger: this.o.logger });
    this.recorders.set(info.producerId, { recorder, recordingId, segments });
    // The stream may have ended (or the session closed) while the recorder was starting.
    if (this.closing || !this.room.producerInfos().some((p) => p.producerId === info.producerId)) await this.stopRecorder(info.producerId);
    recorder.on('segment', (segment) => void segments.add(segment));
    recorder.on('restarted', ({ gapMs, reason }) => {
      void timeline
        .append({ sessionId: this.id, kind: 'note', actorId: null, payload: { kind: 'recording_gap', recordingId, gapMs, reason: reason.slice(0, 300) } })
        .catch((err) => this.o.logger.error({ err, recordingId }, 'cannot note a recording gap'));
    });
    recorder.on('failed', (err) => this.o.logger.error({ err, recordingId }, 'recording failed'));
  }

  /** Stops a stream's recorder and queues its finalisation; close() waits for every one in flight. */
  private stopRecorder(producerId: string): Promise<void> {
    const inFlight = this.stoppingRecorders.get(producerId);
    if (inFlight) return inFlight;
    const entry = this.recorders.get(producerId);
    if (!entry) return Promise.resolve();
    this.recorders.delete(producerId);
    const stopping = (async () => {
      // Those announced during stop() are being stored by the listener; any whose upload failed is tried again.
      await entry.segments.finish(await entry.recorder.stop());
      await this.o.inspections.recordingStopped(entry.recordingId);
      await this.o.finalise(entry.recordingId);
    })().finally(() => this.stoppingRecorders.delete(producerId));
    this.stoppingRecorders.set(producerId, stopping);
    return stopping;
  }

  /**
   * Holds the feed of each of the site's cameras (started now, or already live for supervision or another
   * session) and pipes it into this session's room, where it is recorded and analysed like any stream.
   */
  private async startCameras(declarationId: string): Promise<void> {
    for (const camera of await this.o.cameras.liveCamerasForDeclaration(declarationId)) {
      try {
        const feed = await this.o.feeds.acquire(camera, this.id);
        const onOffline = ({ silentMs }: { silentMs: number }) =>
          void this.cameraOffline(camera, silentMs).catch((err) => this.o.logger.warn({ err, cameraId: camera.id }, 'cannot raise camera_offline'));
        const onOnline = () => {
          this.o.push.toSession(this.id, 'camera:online', { cameraId: camera.id });
          // Sending again: its camera_offline incident closes by itself.
          void this.o.alarms
            .clear({ sessionId: this.id, siteId: camera.siteId, cameraId: camera.id }, { dedupeKey: `offline:${camera.id}` })
            .catch((err) => this.o.logger.warn({ err, cameraId: camera.id }, 'cannot clear camera_offline'));
        };
        // The feed's worker died: as when the session's own worker dies, participants join again afresh.
        const onLost = () => void this.close('media_failed');
        feed.on('offline', onOffline);
        feed.on('online', onOnline);
        feed.once('lost', onLost);
        const unsubscribe = () => {
          feed.off('offline', onOffline);
          feed.off('online', onOnline);
          feed.off('lost', onLost);
        };
        this.cameras.push({ camera, feed, unsubscribe });
        // A feed live for a while is not "starting": an offline one is reported as such now.
        if (feed.reportedOffline) onOffline({ silentMs: feed.silentMs() });
        const producer = await this.room.pipeFrom(feed.room, feed.producer.producerId);
        if (camera.analysis.length > 0) {
          const attaching = this.o.zones
            .zonesOf(camera.id)
            .then((zones) => this.vision.attach(this.room, producer, { ...camera, zones }))
            .catch((err) => this.o.logger.warn({ err, cameraId: camera.id }, 'cannot analyse camera'))
            .finally(() => this.attaching.delete(attaching));
          this.attaching.add(attaching);
        }
      } catch (err) {
        this.o.logger.warn({ err, cameraId: camera.id }, 'cannot bring camera into the session');
      }
    }
  }

  private async cameraOffline(camera: LiveCamera, silentMs: number): Promise<void> {
    const candidate = cameraOffline({ cameraId: camera.id, silentMs, offlineAfterMs: this.o.cameraOfflineMs, frameAt: new Date() });
    if (!candidate) return;
    candidate.details.camera = camera.name;
    const alarmId = await this.o.alarms.raise(candidate, { sessionId: this.id, siteId: camera.siteId, cameraId: camera.id });
    if (alarmId) this.o.push.toSession(this.id, 'camera:offline', { cameraId: camera.id, silentMs, alarmId });
  }
}
