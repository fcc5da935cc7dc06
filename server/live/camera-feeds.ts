/**
 * Every live site camera on this node, ingested once: a feed is the camera's own room (a router on the
 * least loaded worker) with its ffmpeg ingest of the main stream, and of the sub-stream when the camera
 * has one (tiles and analysis take the sub-stream; recording, stills and full-size viewing the main one).
 * It is held by the sessions that show the camera (they pipe its main stream into their own room) and by
 * supervision (a camera watched every day, session or not); it stops when its last holder lets go. This
 * is the one owner of camera ingests: nothing else starts one.
 */
import { EventEmitter } from 'node:events';
import { CameraIngest, Room, type MediaNetwork, type MediaWorkerPool, type ProducerInfo } from '../../media/index.ts';
import type { Logger } from '../logger.ts';

export interface FeedCamera {
  id: string;
  name: string;
  siteId: string;
  /** The URL ffmpeg opens (password included: never logged). */
  liveSourceUrl: string;
  /** The sub-stream's URL (password included), when the camera has one. */
  liveSubSourceUrl?: string | null;
  rtspTransport?: 'tcp' | 'udp';
}

export interface CameraFeedEvents {
  offline: [{ silentMs: number }];
  online: [];
  /** The feed's media is gone (its worker died): holders drop what they took from it. */
  lost: [];
}

/**
 * One camera's live feed: its room and ingests; `producer` (the main stream) is what holders record, pipe
 * into sessions or open full size, `lowProducer` what tiles and analysis take. The camera is online while
 * every one of its streams sends: a silent sub-stream blanks the tiles as surely as a silent main one.
 */
export class CameraFeed extends EventEmitter<CameraFeedEvents> {
  private readonly ingests: CameraIngest[];

  constructor(
    readonly camera: FeedCamera,
    readonly room: Room,
    readonly ingest: CameraIngest,
    readonly subIngest: CameraIngest | null = null,
  ) {
    super();
    this.ingests = subIngest ? [ingest, subIngest] : [ingest];
    for (const one of this.ingests) {
      one.on('offline', (e) => {
        // The first stream to fall silent takes the camera offline; the others falling after it say nothing new.
        if (this.ingests.filter((i) => i.reportedOffline).length === 1) this.emit('offline', e);
      });
      one.on('online', () => {
        if (this.online) this.emit('online');
      });
    }
  }

  get producer(): ProducerInfo {
    return this.ingest.producerInfo!;
  }

  /** The sub-stream when the camera has one, else the main stream. */
  get lowProducer(): ProducerInfo {
    return (this.subIngest ?? this.ingest).producerInfo!;
  }

  get online(): boolean {
    return this.ingests.every((i) => i.online);
  }

  /** Reported offline and not back (a holder arriving later learns it here, not from the event). */
  get reportedOffline(): boolean {
    return this.ingests.some((i) => i.reportedOffline);
  }

  /** How long the camera's most silent stream has sent nothing. */
  silentMs(): number {
    return Math.max(...this.ingests.map((i) => i.silentMs()));
  }

  stop(): Promise<unknown> {
    return Promise.all(this.ingests.map((i) => i.stop()));
  }
}

interface Entry {
  camera: FeedCamera;
  holders: Set<string>;
  feed: Promise<CameraFeed>;
  resolved?: CameraFeed;
  /** Started while the camera was silent and sending since: to be started again once no session holds it. */
  restartWhenFree?: boolean;
}

/** Supervision's holder name (sessions hold by their ids): the one holder that may lose a feed for a moment, as it takes it again by itself. */
export const SUPERVISION_HOLDER = 'supervision';

export class CameraFeeds {
  private readonly entries = new Map<string, Entry>();
  /** Feeds being stopped on purpose: their room closing is not a loss. */
  private readonly stopping = new WeakSet<CameraFeed>();
  private closed = false;

  constructor(private readonly deps: { pool: MediaWorkerPool; network: MediaNetwork; cameraOfflineMs: number; logger: Logger }) {}

  /**
   * The camera's feed, started on first use; `holder` (a session id, or "supervision") keeps it running
   * until it calls release(). The same camera asked for twice shares one ingest.
   */
  async acquire(camera: FeedCamera, holder: string): Promise<CameraFeed> {
    if (this.closed) throw new Error('The camera feeds are shutting down');
    let entry = this.entries.get(camera.id);
    if (!entry) {
      const started: Entry = { camera, holders: new Set(), feed: this.start(camera) };
      this.entries.set(camera.id, started);
      started.feed.then(
        (feed) => (started.resolved = feed),
        // A feed that cannot start is forgotten, so the next holder tries again.
        () => this.entries.get(camera.id) === started && this.entries.delete(camera.id),
      );
      entry = started;
    }
    entry.holders.add(holder);
    return entry.feed;
  }

  /** Lets go of the camera for `holder`; the last holder's release stops the ingest and its room. */
  async release(cameraId: string, holder: string): Promise<void> {
    const entry = this.entries.get(cameraId);
    if (!entry || !entry.holders.delete(holder)) return;
    if (entry.holders.size > 0) {
      if (entry.restartWhenFree && entry.resolved) this.restartUnheard(cameraId, entry.resolved);
      return;
    }
    this.entries.delete(cameraId);
    await this.stopFeed(entry);
  }

  /** Who holds the camera now (for tests and operations). */
  holders(cameraId: string): string[] {
    return [...(this.entries.get(cameraId)?.holders ?? [])];
  }

  /** The ffmpeg process pulling the camera, if its feed is running. */
  async pid(cameraId: string): Promise<number | undefined> {
    return (await this.running(cameraId))?.ingest.pid;
  }

  /** Whether the camera's main stream is copied or transcoded, if its feed is running. */
  async mode(cameraId: string): Promise<'copy' | 'vp8' | undefined> {
    return (await this.running(cameraId))?.ingest.mode;
  }

  private async running(cameraId: string): Promise<CameraFeed | null | undefined> {
    return this.entries.get(cameraId)?.feed.catch(() => null);
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => this.stopFeed(e)));
  }

  private async start(camera: FeedCamera): Promise<CameraFeed> {
    const room = await Room.create(`camera:${camera.id}`, this.deps.pool, this.deps.network);
    const options = { offlineAfterMs: this.deps.cameraOfflineMs };
    const source = { cameraId: camera.id, name: camera.name, rtspTransport: camera.rtspTransport };
    let feed: CameraFeed;
    try {
      const [ingest, subIngest] = await Promise.all([
        CameraIngest.start(room, { ...source, sourceUrl: camera.liveSourceUrl, input: 'main' }, options),
        camera.liveSubSourceUrl ? CameraIngest.start(room, { ...source, sourceUrl: camera.liveSubSourceUrl, input: 'sub' }, options) : null,
      ]);
      feed = new CameraFeed(camera, room, ingest, subIngest);
    } catch (err) {
      // Closing the room closes an ingest that did start (its transport), and with it its ffmpeg.
      room.close();
      throw err;
    }
    for (const ingest of [feed.ingest, feed.subIngest]) {
      if (ingest?.probedSilent) ingest.once('online', () => this.restartUnheard(camera.id, feed));
      ingest?.on('restarting', ({ inMs, reason }) => this.deps.logger.warn({ cameraId: camera.id, input: ingest.camera.input, inMs, reason }, 'camera ingest restarting'));
    }
    // The router's worker died: the feed is gone for every holder; the next acquire starts a new one.
    room.once('closed', () => {
      if (this.stopping.has(feed)) return;
      if (this.entries.get(camera.id)?.resolved === feed) this.entries.delete(camera.id);
      void feed.stop();
      feed.emit('lost');
    });
    return feed;
  }

  /**
   * A camera silent when its feed started was given the transcoding plan; sending now, it is started
   * again so that its stream is probed and copied if it can be (transcoding costs a quarter of a core).
   * Supervision takes the feed again by itself; a session would lose its media, so it waits for them.
   */
  private restartUnheard(cameraId: string, feed: CameraFeed): void {
    const entry = this.entries.get(cameraId);
    if (!entry || entry.resolved !== feed) return;
    if ([...entry.holders].some((h) => h !== SUPERVISION_HOLDER)) {
      entry.restartWhenFree = true;
      return;
    }
    this.deps.logger.info({ cameraId, camera: entry.camera.name }, 'camera sending after a silent start: its feed starts again to copy its stream');
    feed.room.close();
  }

  private async stopFeed(entry: Entry): Promise<void> {
    const feed = await entry.feed.catch(() => null);
    if (!feed) return;
    this.stopping.add(feed);
    await feed.stop().catch((err) => this.deps.logger.warn({ err, cameraId: entry.camera.id }, 'while stopping a camera feed'));
    feed.room.close();
  }
}
