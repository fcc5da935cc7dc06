/**
 * Farm supervision on this node: cameras in supervision mode are live all the time, booked or not. This
 * holds their feeds (CameraFeeds owns the ingests; a session of the site shares the same one), pipes each
 * into the camera wall's room (one router every wall viewer receives from, each camera piped once however
 * many watch), runs their analysis continuously (counts and reads pushed to the port's officers, alarms at
 * the site), raises and clears their offline incidents at the site (no session: the port's officers are
 * told), follows what administration changes, and brings a feed back when its mediasoup worker died.
 */
import { cameraOffline, type VisionTask } from '../../inference/index.ts';
import path from 'node:path';
import { grabStill, MediaError, Recorder, Room, type MediaNetwork, type MediaWorkerPool, type ProducerInfo } from '../../media/index.ts';
import { footageRunName, type CameraFootageService } from '../services/camera-footage.service.ts';
import { siteAlarmClipBase } from '../archive/evidence-paths.ts';
import type { Logger } from '../logger.ts';
import type { AdminService, SupervisedCameraSource } from '../services/admin.service.ts';
import { LiveVision, type BatchLine, type ToOfficers, type VisionDeps } from './live-vision.ts';
import type { AlarmService } from '../services/alarms.service.ts';
import type { DomainEvents } from '../services/domain-events.ts';
import { SUPERVISION_HOLDER, type CameraFeed, type CameraFeeds } from './camera-feeds.ts';
import type { LoadingLive } from '../services/loading-records.service.ts';
import type { CameraZoneService } from '../services/camera-zones.service.ts';
import type { CameraZone } from '../contracts/zones.ts';
import { scheduleState } from '../contracts/schedule.ts';
import { loadOf, takesMedia, type NodeRegistry } from '../cluster/node-registry.ts';
import { ClusterCallError, type ClusterClient, type ClusterHandlers } from '../cluster/internal-api.ts';
import { frameFromWire, frameToWire, type AnalysedFrameJpeg, type ClusterBody, type ClusterReply } from '../contracts/cluster.ts';
import { SessionPipes } from '../cluster/session-pipes.ts';
import { WALL } from '../contracts/live-events.ts';

/** After a feed was lost (its worker died), how soon it is started again. */
const RESTART_AFTER_MS = 1000;
/** Wall viewers on one node: every officer of a port and the supervisors, each with one connection or two. */
const WALL_VIEWERS = 500;
/** An alarm's clip: this much footage before and after it. */
const CLIP = { beforeMs: 5000, afterMs: 5000 };
/** Clips waiting for their footage at once (a storm of alarms must not pile up timers). */
const MAX_PENDING_CLIPS = 50;
/**
 * Recording events only: the footage is recorded all the same (an alarm's clip needs the seconds before
 * it) and kept this long; then only what lies within EVENT_KEEP_MS of an alarm of the camera is kept.
 */
const EVENT_BUFFER_MS = 2 * 60_000;
const EVENT_KEEP_MS = 60_000;
const EVENT_PRUNE_EVERY_MS = 30_000;
/**
 * How often the cameras' schedules and holders are checked: a camera starts or stops within this of its
 * window's edge, and a camera whose node stopped or was lost is taken over within this (after the node
 * is known gone).
 */
const SCHEDULE_CHECK_MS = 3000;
/** How often the registrations themselves are read again by the check. */
const CAMERAS_READ_MS = 30_000;

/** What the internal API asks of sessions only; the wall lists its streams in the registry and sends them. */
const notOnTheWall = async (): Promise<never> => {
  throw new ClusterCallError(404, 'not_found', 'not a call for the camera wall');
};

export interface SupervisedCameraState {
  cameraId: string;
  online: boolean;
  /** When it went silent, once it has been reported offline (a camera still starting is not). */
  silentSinceMs: number | null;
}

export class Supervision implements LoadingLive {
  private readonly held = new Map<
    string,
    { camera: SupervisedCameraSource; feed: CameraFeed; unsubscribe: () => void; onWall: ProducerInfo[] | null; recording?: { recorder: Recorder; run: string } }
  >();
  private readonly vision: LiveVision;
  private wall: Promise<Room> | null = null;
  /** The supervised cameras' registrations as last read, for the checks between two reads. */
  private registered: { at: number; list: SupervisedCameraSource[] } | null = null;
  /** Streams of cameras held on other nodes, piped into this node's wall (once each, however many watch). */
  private wallPipes: SessionPipes | null = null;
  /** Per camera, the last change being applied: changes to one camera apply one after the other. */
  private readonly applying = new Map<string, Promise<void>>();
  private stopped = false;
  private stopListening: () => void = () => {};
  private stopClipping: () => void = () => {};
  private readonly pendingClips = new Set<NodeJS.Timeout>();
  private pruneTimer?: NodeJS.Timeout;
  private scheduleTimer?: NodeJS.Timeout;
  /** The clock schedules are read by (tests move it). */
  private readonly now: () => Date;

  constructor(
    private readonly deps: {
      feeds: CameraFeeds;
      pool: MediaWorkerPool;
      network: MediaNetwork;
      cameras: Pick<AdminService, 'supervisedCamera' | 'supervisedCameras'>;
      /** Each camera's zones (masks, counting zones, isolation pens, loading bays), applied by its analysis. */
      zones: Pick<CameraZoneService, 'zonesOf'>;
      /** The cameras on the wall changed: its viewers join again. */
      wallChanged: () => void;
      vision: VisionDeps;
      /** Pushes a camera's results to those who may see its farm (its port's officers, supervisors). */
      toPort: (portId: string | null) => ToOfficers;
      /** Where continuous footage goes: its segments' files under dataDir, their rows in the footage service. */
      footage: CameraFootageService;
      dataDir: string;
      segmentSeconds: number;
      alarms: AlarmService;
      events: DomainEvents;
      cameraOfflineMs: number;
      /** The platform's nodes: each supervised camera is held (ingested, analysed, recorded) by one of them. */
      registry: NodeRegistry;
      cluster: ClusterClient;
      /** What the other nodes must hear of (a farm's loading context changed). */
      tellOtherNodes: { contextChanged(siteId: string): void };
      logger: Logger;
      now?: () => Date;
    },
  ) {
    this.now = deps.now ?? (() => new Date());
    // One analysis per supervised camera on the node; its results go to the officers of the farm's port.
    this.vision = new LiveVision({ sessionId: null, toFarm: (siteId) => deps.toPort(this.portOfSite(siteId)), onRead: (read) => deps.events.emit('farm.read', read) }, deps.vision);
  }

  private portOfSite(siteId: string): string | null {
    for (const { camera } of this.held.values()) if (camera.siteId === siteId) return camera.portId;
    return null;
  }

  /** Brings every supervised camera live and follows administration's changes from now on. */
  async start(): Promise<void> {
    // Footage a killed platform wrote but did not store is stored first.
    const salvaged = await this.salvageFootage().catch((err) => {
      this.deps.logger.error({ err }, 'cannot salvage camera footage');
      return 0;
    });
    if (salvaged > 0) this.deps.logger.warn({ salvaged }, 'salvaged camera footage left by the last run');
    this.stopListening = this.deps.events.on('camera.changed', ({ cameraId }) => void this.changed(cameraId));
    this.stopClipping = this.deps.events.on('alarm.changed', ({ change, alarm }) => {
      if (change === 'raised' && !alarm.sessionId && alarm.cameraId && alarm.siteId) this.clipLater(alarm.id, alarm.cameraId, alarm.siteId, new Date(alarm.frameAt));
    });
    await this.followSchedules();
    this.pruneTimer = setInterval(() => void this.pruneEventsOnly(), EVENT_PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    this.scheduleTimer = setInterval(() => void this.followSchedules({ reread: false }), SCHEDULE_CHECK_MS);
    this.scheduleTimer.unref();
  }

  /**
   * Starts the cameras whose schedule now has them supervised and no live node holds (taking over those of a
   * node stopped or lost, the least loaded node first), and stops those whose window ended or that another
   * node holds now.
   */
  async followSchedules(options: { reread?: boolean } = { reread: true }): Promise<void> {
    const { registry } = this.deps;
    // The timer's checks read the registrations every CAMERAS_READ_MS (a camera changed meanwhile applies through
    // its own event, a port's time zone at the next read); who holds them is read at every check.
    if (options.reread || !this.registered || Date.now() - this.registered.at > CAMERAS_READ_MS) {
      const list = await this.deps.cameras.supervisedCameras().catch((err) => (this.deps.logger.warn({ err }, 'cannot read camera schedules'), null));
      if (list) this.registered = { at: Date.now(), list };
    }
    const cameras = this.registered?.list ?? [];
    const [holders, nodes] = await Promise.all([
      registry.holders(
        'camera',
        cameras.map((c) => c.id),
      ),
      registry.liveNodes(),
    ]).catch((err) => (this.deps.logger.warn({ err }, 'cannot read who holds the cameras'), [null, null] as const));
    if (!holders || !nodes) return;
    const alive = new Set(nodes.map((n) => n.id));
    const self = registry.self.id;
    // This node takes free cameras while it holds no more than the least loaded of the others would.
    const others = nodes.filter((n) => n.id !== self && takesMedia(n));
    // An inference node holds no camera; a stopping one none while another node can.
    let taking = registry.self.role === 'inference' || (registry.isDraining && others.length > 0) ? Infinity : this.held.size;
    const fewestElsewhere = Math.min(...others.map((n) => n.cameras + loadOf(n) / 100));
    const now = this.now();
    const changes: Array<Promise<void>> = [];
    for (const camera of cameras) {
      const active = scheduleState(camera.schedule, camera.timeZone, now).active;
      const holder = holders.get(camera.id) ?? null;
      // This node's own claim with nothing held (left by its last run under the same name) is free to it.
      const free = holder === null || holder === self || !alive.has(holder);
      if (this.held.has(camera.id) ? !active || (holder !== self && !free) : active && free && taking <= fewestElsewhere) {
        if (!this.held.has(camera.id)) taking++;
        changes.push(this.refresh(camera.id));
      }
    }
    await Promise.all(changes);
    // Streams piped in from nodes that are gone carry nothing any more.
    this.wallPipes?.keepOnly(alive);
  }

  /** Deletes the footage of cameras recording events only that no alarm needs (past the buffer). */
  async pruneEventsOnly(now = new Date()): Promise<number> {
    let pruned = 0;
    for (const [cameraId, entry] of this.held) {
      if (entry.camera.recording !== 'events') continue;
      pruned += await this.deps.footage
        .keepOnlyEvents(cameraId, new Date(now.getTime() - EVENT_BUFFER_MS), EVENT_KEEP_MS)
        .catch((err) => (this.deps.logger.warn({ err, cameraId }, 'cannot prune events-only footage'), 0));
    }
    return pruned;
  }

  /** The platform is stopping: holds nothing new and rebuilds nothing from here on (stop() follows). */
  stopping(): void {
    this.stopped = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pruneTimer);
    clearInterval(this.scheduleTimer);
    this.stopListening();
    this.stopClipping();
    for (const timer of this.pendingClips) clearTimeout(timer);
    this.pendingClips.clear();
    await Promise.all([...this.applying.values()]);
    this.vision.close();
    await Promise.all([...this.held.keys()].map((id) => this.drop(id)));
    (await this.wall?.catch(() => null))?.close();
  }

  /** The wall's room (opened on first use; a new one, with every camera piped again, if its worker died). */
  wallRoom(): Promise<Room> {
    if (!this.wall) {
      const opening = Room.create(WALL, this.deps.pool, this.deps.network, { maxPeers: WALL_VIEWERS });
      this.wall = opening;
      opening.then(
        (room) => {
          this.wallPipes = new SessionPipes(WALL, room, this.deps.cluster, this.deps.logger);
          room.once('closed', () => {
            if (this.wall !== opening || this.stopped) return;
            this.wall = null;
            for (const [cameraId, entry] of this.held) {
              entry.onWall = null;
              // (A stop begun by the same Ctrl-C that took the workers may only be seen by the time this fails.)
              void this.putOnWall(cameraId).catch((err) => !this.stopped && this.deps.logger.warn({ err, cameraId }, 'cannot put a camera on the wall again'));
            }
          });
        },
        () => {
          if (this.wall === opening) this.wall = null;
        },
      );
    }
    return this.wall;
  }

  /**
   * The wall's streams on every node, with the site of each (for choosing what a viewer may see): per camera
   * its sub-stream for the tile and its main stream for opening it full size, or its one stream for both.
   */
  async wallStreams(): Promise<Array<{ siteId: string; producer: ProducerInfo; node: string }>> {
    const self = this.deps.registry.self.id;
    const here = [...this.held.values()].flatMap(({ camera, onWall }) => (onWall ?? []).map((producer) => ({ siteId: camera.siteId, producer, node: self })));
    const elsewhere = [...(await this.deps.registry.publishedCameras())].filter(([, c]) => c.node !== self);
    return [...here, ...elsewhere.flatMap(([, c]) => c.wall.map((producer) => ({ siteId: c.siteId, producer, node: c.node })))];
  }

  /** Makes a wall stream available on this node's wall (piped from the node holding its camera on first use). */
  async ensureOnWall(stream: { producer: ProducerInfo; node: string }): Promise<void> {
    if (stream.node === this.deps.registry.self.id) return;
    const node = await this.deps.registry.node(stream.node);
    if (!node) throw new MediaError('producer_not_found', 'The camera is not live');
    await this.wallRoom();
    try {
      await this.wallPipes!.pull(node, stream.producer.producerId);
    } catch (err) {
      if (err instanceof ClusterCallError) throw new MediaError('producer_not_found', 'The camera is not live');
      throw err;
    }
  }

  /** What other nodes ask of this one's wall: the streams of cameras held here. */
  readonly wallHandlers: ClusterHandlers = {
    open: notOnTheWall,
    producers: notOnTheWall,
    pipeIn: notOnTheWall,
    // A supervised camera's loading counts and stills, asked by the node an officer's request reached.
    batchCounting: async (_room, _caller, { cameraId }) => ({ counting: this.vision.isCounting(cameraId) }),
    batchStart: async (_room, _caller, { cameraId, batchId, line }) => ({ started: this.vision.startBatch(cameraId, batchId, line) }),
    batchEnd: async (_room, _caller, { batchId }) => ({ counted: this.vision.endBatch(batchId) }),
    still: async (_room, _caller, { cameraId, input }) => {
      const still = await this.stillHere(cameraId, input ?? 'main').catch(() => {
        throw new ClusterCallError(409, 'camera_not_live', 'the camera is not live here');
      });
      return { ...still, jpeg: still.jpeg.toString('base64') };
    },
    frame: async (_room, _caller, { cameraId, task }) => {
      const frame = await this.vision.latestFrame(cameraId, task);
      return { frame: frame && frameToWire(frame) };
    },
    pipeOut: async (_room, caller, { producerId, ip, port }) => {
      await this.wallRoom();
      return this.wallPipes!.sendTo(caller, producerId, { ip, port });
    },
    pipeClosed: async (_room, caller, { producerId }) => {
      this.wallPipes?.closedThere(caller, producerId);
      return {};
    },
  };

  /** Stores footage written but never stored (a killed platform's), leaving the runs being recorded now (here or by another node) alone. */
  async salvageFootage(): Promise<number> {
    const recording = new Set([...this.held].flatMap(([cameraId, entry]) => (entry.recording ? [`${cameraId}/${entry.recording.run}`] : [])));
    const self = this.deps.registry.self.id;
    const elsewhere = new Set([...(await this.deps.registry.publishedCameras())].filter(([, c]) => c.node !== self).map(([cameraId]) => cameraId));
    return this.deps.footage.salvage(recording, elsewhere);
  }

  /** The supervised cameras this node holds. */
  heldIds(): string[] {
    return [...this.held.keys()];
  }

  /** The supervised cameras live on the platform's nodes and whether each is sending. */
  async clusterStates(): Promise<SupervisedCameraState[]> {
    const published = await this.deps.registry.publishedCameras();
    const here = this.states();
    const self = this.deps.registry.self.id;
    // This node's own entries are read from what it holds now (an entry being withdrawn is not live).
    const elsewhere = [...published].filter(([, c]) => c.node !== self);
    return [...here, ...elsewhere.map(([cameraId, c]) => ({ cameraId, online: c.online, silentSinceMs: c.silentSinceMs }))];
  }

  /** The supervised cameras live on this node and whether each is sending. */
  states(): SupervisedCameraState[] {
    return [...this.held.values()].map(({ camera, feed }) => ({
      cameraId: camera.id,
      online: feed.online,
      silentSinceMs: feed.reportedOffline ? Date.now() - feed.silentMs() : null,
    }));
  }

  /** The feed of a supervised camera held here (for viewers and tests). */
  feed(cameraId: string): CameraFeed | null {
    return this.held.get(cameraId)?.feed ?? null;
  }

  /**
   * A still of a supervised camera's picture now, of its main stream (a loading record's checklist tick keeps
   * one) or its sub-stream, from whichever node holds it.
   */
  async still(cameraId: string, input: 'main' | 'sub' = 'main'): Promise<{ jpeg: Buffer; width: number; height: number }> {
    const reply = await this.onHolder(cameraId, 'still', { cameraId, input });
    if (reply) return { ...reply, jpeg: Buffer.from(reply.jpeg, 'base64') };
    return this.stillHere(cameraId, input);
  }

  private async stillHere(cameraId: string, input: 'main' | 'sub'): Promise<{ jpeg: Buffer; width: number; height: number }> {
    const entry = this.held.get(cameraId);
    if (!entry) throw new MediaError('producer_not_found', 'The camera is not live');
    if (!entry.feed.online) throw new MediaError('camera_silent', 'The camera sends nothing to where its feed listens');
    return grabStill(entry.feed.room, input === 'sub' ? entry.feed.lowProducer : entry.feed.producer);
  }

  /** The last frame a supervised camera's analysis saw for a task, from whichever node holds it. */
  async latestFrame(cameraId: string, task: VisionTask): Promise<AnalysedFrameJpeg | null> {
    const reply = await this.onHolder(cameraId, 'frame', { cameraId, task });
    if (reply) return reply.frame && frameFromWire(reply.frame);
    return this.vision.latestFrame(cameraId, task);
  }

  /** Counting on a supervised camera is done by the node holding it: asked there when that is another node. */
  async isCounting(cameraId: string): Promise<boolean> {
    const reply = await this.onHolder(cameraId, 'batchCounting', { cameraId }).catch(() => ({ counting: false }));
    return reply ? reply.counting : this.vision.isCounting(cameraId);
  }

  async startBatch(cameraId: string, batchId: string, line: BatchLine): Promise<boolean> {
    const reply = await this.onHolder(cameraId, 'batchStart', { cameraId, batchId, line }).catch(() => ({ started: false }));
    return reply ? reply.started : this.vision.startBatch(cameraId, batchId, line);
  }

  async endBatch(cameraId: string, batchId: string) {
    const reply = await this.onHolder(cameraId, 'batchEnd', { batchId }).catch(() => ({ counted: null }));
    return reply ? reply.counted : this.vision.endBatch(batchId);
  }

  /**
   * Asks the node holding the camera when that is another live node (null: it is held here, or nowhere, and
   * this node answers). A holder that cannot answer is reported as the camera not being live.
   */
  private async onHolder<C extends 'still' | 'frame' | 'batchCounting' | 'batchStart' | 'batchEnd'>(cameraId: string, call: C, body: ClusterBody<C>): Promise<ClusterReply<C> | null> {
    if (this.held.has(cameraId)) return null;
    const { home } = await this.deps.registry.holderOf('camera', cameraId);
    if (!home || home.id === this.deps.registry.self.id) return null;
    try {
      return await this.deps.cluster.call(home, WALL, call, body);
    } catch (err) {
      if (!(err instanceof ClusterCallError)) throw err;
      this.deps.logger.warn({ err, cameraId, call, holder: home.id }, 'the node holding the camera cannot answer');
      throw new MediaError('producer_not_found', 'The camera is not live');
    }
  }

  /** A loading record at the farm opened or was decided: reads there are checked afresh, here and on the nodes holding its other cameras. */
  contextChanged(siteId: string): void {
    this.forgetContext(siteId);
    this.deps.tellOtherNodes.contextChanged(siteId);
  }

  forgetContext(siteId: string): void {
    this.vision.forgetContext(siteId);
  }

  /** A camera's registration changed (here or on another node): applied now, and read afresh by the next check. */
  changed(cameraId: string): Promise<void> {
    this.registered = null;
    return this.refresh(cameraId);
  }

  /** Holds or lets go of the camera as its registration now says (supervision on, enabled and on schedule: held). */
  refresh(cameraId: string): Promise<void> {
    const previous = this.applying.get(cameraId) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        if (this.stopped) return;
        const registered = await this.deps.cameras.supervisedCamera(cameraId);
        // Outside its schedule it is let go of like a camera taken out of supervision (a session ingests it itself).
        const camera = registered && scheduleState(registered.schedule, registered.timeZone, this.now()).active ? registered : null;
        const current = this.held.get(cameraId);
        // A changed source is a new feed: let go of the old one first.
        const newSource = (a: SupervisedCameraSource, b: SupervisedCameraSource) =>
          a.liveSourceUrl !== b.liveSourceUrl || a.liveSubSourceUrl !== b.liveSubSourceUrl || a.rtspTransport !== b.rtspTransport;
        const heldElsewhere = async () => !(await this.deps.registry.claim('camera', cameraId));
        if (current && (!camera || newSource(camera, current.camera) || (await heldElsewhere()))) await this.drop(cameraId);
        // One node of the platform holds a camera: the first to claim it.
        if (camera && !this.held.has(cameraId) && !(await heldElsewhere())) await this.hold(camera);
        // The same feed goes on: what it is used for follows the change (nothing restarts, the footage runs on).
        else if (camera && this.held.has(cameraId)) await this.adjust(camera);
      })
      .catch((err) => this.deps.logger.warn({ err, cameraId }, 'cannot bring a supervised camera live'))
      .finally(() => {
        if (this.applying.get(cameraId) === next) this.applying.delete(cameraId);
      });
    this.applying.set(cameraId, next);
    return next;
  }

  /** Applies a change of a held camera's use: live view, analysis, recording, zones. */
  private async adjust(camera: SupervisedCameraSource): Promise<void> {
    const entry = this.held.get(camera.id)!;
    const before = entry.camera;
    entry.camera = camera;
    if (camera.liveView && !before.liveView) await this.putOnWall(camera.id);
    if (!camera.liveView && before.liveView) await this.takeOffWall(entry);
    const zones = await this.deps.zones.zonesOf(camera.id);
    if (camera.analysis.join() !== before.analysis.join()) {
      this.vision.detach(camera.id);
      this.analyse(entry, zones);
    } else this.vision.setZones(camera.id, zones);
    // Continuous and events-only record alike (events-only footage is pruned): only off and on differ.
    if (camera.recording === 'off' && entry.recording) await this.stopRecording(camera.id, entry.recording);
    if (camera.recording !== 'off' && !entry.recording) await this.record(camera.id);
  }

  private analyse(entry: { camera: SupervisedCameraSource; feed: CameraFeed }, zones: CameraZone[]): void {
    const { camera, feed } = entry;
    if (camera.analysis.length === 0) return;
    // Analysis decodes the sub-stream when there is one: a fraction of the main stream's pixels to decode.
    void this.vision.attach(feed.room, feed.lowProducer, { ...camera, zones }).catch((err) => this.deps.logger.warn({ err, cameraId: camera.id }, 'cannot analyse a supervised camera'));
  }

  private async hold(camera: SupervisedCameraSource): Promise<void> {
    const feed = await this.deps.feeds.acquire(camera, SUPERVISION_HOLDER);
    const scope = { sessionId: null, siteId: camera.siteId, cameraId: camera.id };
    const onOffline = ({ silentMs }: { silentMs: number }) => {
      this.deps.logger.info({ cameraId: camera.id, camera: camera.name, silentMs }, 'supervised camera offline');
      this.publish(camera.id);
      const candidate = cameraOffline({ cameraId: camera.id, silentMs, offlineAfterMs: this.deps.cameraOfflineMs, frameAt: new Date() });
      if (!candidate) return;
      candidate.details.camera = camera.name;
      void this.deps.alarms.raise(candidate, scope).catch((err) => this.deps.logger.warn({ err, cameraId: camera.id }, 'cannot raise camera_offline'));
    };
    // Sending again: its incident closes by itself.
    const onOnline = () => {
      this.deps.logger.info({ cameraId: camera.id, camera: camera.name }, 'supervised camera online again');
      this.publish(camera.id);
      void this.deps.alarms.clear(scope, { dedupeKey: `offline:${camera.id}` }).catch((err) => this.deps.logger.warn({ err, cameraId: camera.id }, 'cannot clear camera_offline'));
    };
    const onLost = () => {
      if (this.held.get(camera.id)?.feed !== feed) return;
      this.held.get(camera.id)?.unsubscribe();
      this.held.delete(camera.id);
      this.vision.detach(camera.id);
      // Its copy on the wall closed with the feed.
      this.deps.wallChanged();
      setTimeout(() => void this.refresh(camera.id), RESTART_AFTER_MS).unref();
    };
    feed.on('offline', onOffline);
    feed.on('online', onOnline);
    feed.on('lost', onLost);
    this.held.set(camera.id, {
      camera,
      feed,
      onWall: null,
      unsubscribe: () => {
        feed.off('offline', onOffline);
        feed.off('online', onOnline);
        feed.off('lost', onLost);
      },
    });
    if (feed.reportedOffline) onOffline({ silentMs: feed.silentMs() });
    this.publish(camera.id);
    await this.putOnWall(camera.id);
    if (camera.analysis.length > 0) this.analyse(this.held.get(camera.id)!, await this.deps.zones.zonesOf(camera.id));
    if (camera.recording !== 'off') await this.record(camera.id);
  }

  /**
   * Cuts the footage around a farm alarm of a recorded camera into a clip kept with the alarm, once the
   * seconds after it are recorded (its segment closed and stored).
   */
  private clipLater(alarmId: string, cameraId: string, siteId: string, at: Date): void {
    if (!this.held.get(cameraId)?.recording || this.pendingClips.size >= MAX_PENDING_CLIPS) return;
    const timer = setTimeout(
      () => {
        this.pendingClips.delete(timer);
        void this.deps.footage
          .clip(cameraId, at, CLIP, siteAlarmClipBase(siteId, alarmId))
          .then((clip) => clip && this.deps.alarms.attachClip(alarmId, clip))
          .catch((err) => this.deps.logger.warn({ err, alarmId }, 'cannot cut the clip of an alarm'));
      },
      CLIP.afterMs + this.deps.segmentSeconds * 1000 + 2000,
    );
    timer.unref();
    this.pendingClips.add(timer);
  }

  /** Records the camera continuously: a run of hashed segments, each stored as it closes. */
  private async record(cameraId: string): Promise<void> {
    const entry = this.held.get(cameraId);
    if (!entry) return;
    const run = footageRunName(new Date());
    const recorder = await Recorder.start(entry.feed.room, entry.feed.producer, {
      dir: path.join(this.deps.dataDir, 'cameras', cameraId, run),
      segmentSeconds: this.deps.segmentSeconds,
    });
    if (this.held.get(cameraId) !== entry) {
      await recorder.stop();
      return;
    }
    entry.recording = { recorder, run };
    const store = (segment: Parameters<CameraFootageService['addSegment']>[2]) =>
      void this.deps.footage.addSegment(cameraId, run, segment).catch((err) => this.deps.logger.error({ err, cameraId }, 'cannot store footage'));
    recorder.on('segment', store);
    recorder.on('restarted', ({ gapMs, reason }) => this.deps.logger.warn({ cameraId, gapMs, reason: reason.slice(0, 200) }, 'footage recorder restarted'));
    recorder.on('failed', (err) => this.deps.logger.error({ err, cameraId }, 'footage recording failed'));
  }

  private async putOnWall(cameraId: string): Promise<void> {
    const entry = this.held.get(cameraId);
    // Live view off: analysed and recorded, but nobody watches it live.
    if (!entry || entry.onWall || !entry.camera.liveView) return;
    const room = await this.wallRoom();
    const { feed } = entry;
    const sources = feed.subIngest ? [feed.lowProducer, feed.producer] : [feed.producer];
    const piped = await Promise.all(sources.map((p) => room.pipeFrom(feed.room, p.producerId)));
    // Dropped (or moved) while being piped: the copies have no place on the wall.
    if (this.held.get(cameraId) !== entry) return piped.forEach((p) => room.closeProducer(p.producerId));
    entry.onWall = piped;
    this.publish(cameraId);
    this.deps.wallChanged();
  }

  /** Tells the other nodes (through the registry) what this node's camera is now: its wall streams, whether it sends. */
  private publish(cameraId: string): void {
    const entry = this.held.get(cameraId);
    if (!entry) return;
    const online = entry.feed.online;
    void this.deps.registry
      .publishCamera(cameraId, { siteId: entry.camera.siteId, wall: entry.onWall ?? [], online, silentSinceMs: entry.feed.reportedOffline ? Date.now() - entry.feed.silentMs() : null })
      .catch((err: unknown) => this.deps.logger.warn({ err, cameraId }, 'cannot publish a camera to the other nodes'));
  }

  private async drop(cameraId: string): Promise<void> {
    const entry = this.held.get(cameraId);
    if (!entry) return;
    this.held.delete(cameraId);
    entry.unsubscribe();
    this.vision.detach(cameraId);
    if (entry.recording) await this.stopRecording(cameraId, entry.recording);
    await this.takeOffWall(entry);
    await this.deps.feeds.release(cameraId, SUPERVISION_HOLDER);
    // Let go for the platform: no longer on the other nodes' lists and walls, and another node may take it over.
    await this.deps.registry.unpublishCamera(cameraId).catch(() => {});
    await this.deps.registry.release('camera', cameraId);
  }

  /** Stops recording; what the recorder wrote is stored as it stops (the last segment included). */
  private async stopRecording(cameraId: string, { recorder, run }: { recorder: Recorder; run: string }): Promise<void> {
    const entry = this.held.get(cameraId);
    if (entry?.recording?.recorder === recorder) entry.recording = undefined;
    const last = await recorder.stop().catch(() => []);
    for (const s of last) await this.deps.footage.addSegment(cameraId, run, s).catch((err) => this.deps.logger.error({ err, cameraId }, 'cannot store footage'));
  }

  private async takeOffWall(entry: { onWall: ProducerInfo[] | null }): Promise<void> {
    if (!entry.onWall) return;
    const piped = entry.onWall;
    entry.onWall = null;
    const wall = await this.wall?.catch(() => null);
    for (const p of piped) wall?.closeProducer(p.producerId);
    for (const [cameraId, held] of this.held) if (held === entry) this.publish(cameraId);
    this.deps.wallChanged();
  }
}
