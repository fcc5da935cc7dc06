/**
 * The live inspection sessions on this node, by id. A session's media has one home node in the platform
 * (placed by load when its first participant joins, recorded in the node registry): there it is a
 * LiveSession, opened at the first join and closed when the inspection completes (or its mediasoup worker
 * dies: participants join again and a new one opens on a live worker). A participant whose connection
 * reached another node is served by that node's SessionEdge, with streams piped to and from the home.
 * Also the live side of loading-batch counting, for LoadingBatchService (on the session's home).
 */
import { MediaError, type Room, type ProducerInfo } from '../../media/index.ts';
import type { BatchCounting } from '../services/loading-batches.service.ts';
import { LiveSession, type LiveSessionDeps } from './live-session.ts';
import { SessionEdge } from './session-edge.ts';
import type { BatchLine } from './live-vision.ts';
import type { VisionTask } from '../../inference/index.ts';
import { HEARTBEAT_MS, NODE_TTL_MS, type NodeInfo, type NodeRegistry } from '../cluster/node-registry.ts';
import { ClusterCallError, type ClusterHandlers } from '../cluster/internal-api.ts';
import { frameFromWire, frameToWire, type AnalysedFrameJpeg, type ClusterBody, type ClusterCall, type ClusterReply } from '../contracts/cluster.ts';
import type { TimelineEventOf } from '../contracts/timeline.ts';

/**
 * How long a join keeps looking for the session's home (another node claimed it a moment ago, or its home
 * just went): a home killed without a word is still registered until its beat is NODE_TTL_MS old, and a
 * join in that window must outwait it rather than fail. Tries, at most, within it.
 */
const PLACEMENT_PATIENCE_MS = NODE_TTL_MS + 2 * HEARTBEAT_MS;
const PLACEMENT_TRIES = 12;
/** Every this many home checks (a second each), the sessions here are checked for having ended. */
const ENDED_CHECK_TICKS = 30;
/** An edge nobody has joined this long after it opened is closed. */
const EMPTY_EDGE_MS = 10_000;

export class LiveSessions implements BatchCounting {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly edges = new Map<string, SessionEdge>();
  private readonly opening = new Map<string, Promise<LiveSession | SessionEdge>>();
  /** Sessions whose media is opening here as their home (asked by a participant here or by another node). */
  private readonly homeOpening = new Map<string, Promise<LiveSession>>();
  private readonly watchTimer: NodeJS.Timeout;
  private watchTicks = 0;

  constructor(private readonly deps: LiveSessionDeps & { registry: NodeRegistry }) {
    // Its rooms notice by themselves (their routers close); this is for the log.
    deps.pool.on('workerdied', ({ index, pid, error, routerIds }) => {
      // Ctrl-C signals the terminal's whole process group, mediasoup's workers with it (a worker closes itself
      // on INT or TERM and exits 0): the platform is stopping too.
      const bySignal = /code:0, signal:null|signal:SIG(INT|TERM)\b/.test(error?.message ?? '');
      deps.logger[bySignal ? 'warn' : 'error'](
        { index, pid, routers: routerIds.length, err: error },
        bySignal ? 'mediasoup worker closed itself on a signal (Ctrl-C or a stop of the platform, or one sent to it)' : 'mediasoup worker died',
      );
    });
    // An edge whose home stopped beating (killed) or no longer holds the session: its participants join again.
    this.watchTimer = setInterval(() => void this.watchHomes(), HEARTBEAT_MS);
    this.watchTimer.unref();
  }

  /** The session's room on this node (its home's, or this node's edge of it), opened on first use. */
  async room(sessionId: string, declarationId: string): Promise<Room> {
    const home = this.live(sessionId);
    if (home) return home.room;
    const edge = this.edges.get(sessionId);
    if (edge && !edge.closed) {
      if (await this.homeStillHolds(edge)) return edge.room;
      edge.close('media_failed');
    }
    let opening = this.opening.get(sessionId);
    if (!opening) {
      opening = this.place(sessionId, declarationId).finally(() => this.opening.delete(sessionId));
      this.opening.set(sessionId, opening);
    }
    return (await opening).room;
  }

  /** The session's streams, wherever its home is. */
  async producers(sessionId: string): Promise<ProducerInfo[]> {
    const here = this.live(sessionId) ?? this.openEdge(sessionId);
    if (!here) throw new MediaError('room_closed', 'The session media has closed; join again');
    return here instanceof SessionEdge ? here.producers() : here.room.producerInfos();
  }

  /** Before a participant here consumes a stream: an edge pipes it in from the home on first use. */
  async ensureProducer(sessionId: string, producerId: string): Promise<void> {
    await this.openEdge(sessionId)?.ensure(producerId);
  }

  async snapshot(sessionId: string, producerId: string, actorId: string): Promise<TimelineEventOf<'snapshot'>> {
    const here = this.live(sessionId) ?? this.openEdge(sessionId);
    if (!here) throw new MediaError('room_closed', 'The session media has closed; join again');
    return here.snapshot(producerId, actorId);
  }

  /**
   * Another node holds the session now (this one went unheard long enough for its claim to be taken): the
   * media here closes and its participants join again, onto that node.
   */
  async lostHome(sessionId: string): Promise<void> {
    const live = this.sessions.get(sessionId);
    if (!live) return;
    this.deps.logger.warn({ sessionId }, 'another node took over this session while this node was not heard; closing it here');
    this.sessions.delete(sessionId);
    await live.close('media_failed');
  }

  /** A participant here left: an edge nobody uses any more goes (its streams stop crossing). */
  left(sessionId: string, peerId: string): void {
    const room = this.existingRoom(sessionId);
    room?.removePeer(peerId);
    const edge = this.openEdge(sessionId);
    if (edge && edge.room.peerCount() === 0) edge.close();
  }

  /** The session's live media on this node, if it is the session's home and open. */
  live(sessionId: string): LiveSession | null {
    const live = this.sessions.get(sessionId);
    return live && !live.closed ? live : null;
  }

  existingRoom(sessionId: string): Room | null {
    return (this.live(sessionId) ?? this.openEdge(sessionId))?.room ?? null;
  }

  /** The sessions whose home is this node (the registry keeps their claims alive with each beat). */
  homeIds(): string[] {
    return [...new Set([...this.sessions.keys(), ...this.homeOpening.keys()])];
  }

  /** For tests and operations: the processes working for a live session now. */
  processes(sessionId: string) {
    return this.sessions.get(sessionId)?.processes() ?? { cameras: [], recorders: [] };
  }

  /** Closes what this node holds of the session: its media (home) or its edge. */
  async close(sessionId: string): Promise<void> {
    this.edges.get(sessionId)?.close();
    await this.sessions.get(sessionId)?.close();
  }

  /**
   * This node stops (SIGTERM): with another node taking sessions, each session here is given up at once
   * (recordings closed and finalised, the claim released) and its participants told to join again, which
   * places it on a live node; alone, sessions may go on for `graceMs` first.
   */
  async drain(graceMs: number): Promise<void> {
    await this.deps.registry.drain();
    const elsewhere = await this.deps.registry.placement().catch(() => null);
    if (!elsewhere || elsewhere.id === this.deps.registry.self.id) {
      const until = Date.now() + graceMs;
      while (this.sessions.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 250));
      return;
    }
    await Promise.all(
      [...this.sessions.values()].map(async (live) => {
        // Released first: a participant joining again must not find the claim of a node that is leaving.
        await this.deps.registry.releaseHome(live.id);
        this.noteMoved(live.id, this.deps.registry.self.id, 'node_draining', null);
        await live.close('node_draining');
      }),
    );
    // Not told to join again here: their connections are closed next, and they rejoin on the node they reconnect to.
    for (const edge of this.edges.values()) edge.close();
  }

  async closeAll(): Promise<void> {
    clearInterval(this.watchTimer);
    for (const edge of this.edges.values()) edge.close();
    await Promise.all([...this.sessions.values()].map((live) => live.close()));
  }

  /** What other nodes ask of this one about the sessions it is home to (the internal API). */
  readonly handlers: ClusterHandlers = {
    open: async (sessionId, _caller, { declarationId }) => {
      const live = await this.openHome(sessionId, declarationId);
      return { producers: live.room.producerInfos() };
    },
    producers: async (sessionId) => ({ producers: this.homeHere(sessionId).room.producerInfos() }),
    pipeOut: async (sessionId, caller, { producerId, ip, port }) => this.homeHere(sessionId).pipes.sendTo(caller, producerId, { ip, port }),
    pipeIn: async (sessionId, caller, { info, rtpParameters, paused, ip, port }) => this.homeHere(sessionId).pipes.receiveFrom(caller, info, rtpParameters, paused, { ip, port }),
    batchCounting: async (sessionId, _caller, { cameraId }) => ({ counting: this.homeHere(sessionId).isCounting(cameraId) }),
    batchStart: async (sessionId, _caller, { cameraId, batchId, line }) => ({ started: this.homeHere(sessionId).startBatch(cameraId, batchId, line) }),
    batchEnd: async (sessionId, _caller, { batchId }) => ({ counted: this.homeHere(sessionId).endBatch(batchId) }),
    pipeClosed: async (sessionId, caller, { producerId }) => {
      (this.live(sessionId) ?? this.openEdge(sessionId))?.pipes.closedThere(caller, producerId);
      return {};
    },
    frame: async (sessionId, _caller, { cameraId, task }) => {
      const frame = await this.homeHere(sessionId).latestFrame(cameraId, task);
      return { frame: frame && frameToWire(frame) };
    },
    still: async () => {
      throw new ClusterCallError(404, 'not_found', 'stills are asked of the camera wall');
    },
  };

  /** The last frame a session camera's analysis saw for a task: on the session's home, asked over the internal API from another node. */
  async latestFrame(sessionId: string, cameraId: string, task: VisionTask): Promise<AnalysedFrameJpeg | null> {
    const home = this.live(sessionId);
    if (home) return home.latestFrame(cameraId, task);
    const frame = (await this.askHome(sessionId, 'frame', { cameraId, task }))?.frame;
    return frame ? frameFromWire(frame) : null;
  }

  /** Counting a loading batch: on the session's home, asked over the internal API from another node. */
  async isCounting(sessionId: string, cameraId: string): Promise<boolean> {
    const home = this.live(sessionId);
    if (home) return home.isCounting(cameraId);
    return (await this.askHome(sessionId, 'batchCounting', { cameraId }))?.counting ?? false;
  }

  async startBatch(sessionId: string, cameraId: string, batchId: string, line: BatchLine): Promise<boolean> {
    const home = this.live(sessionId);
    if (home) return home.startBatch(cameraId, batchId, line);
    return (await this.askHome(sessionId, 'batchStart', { cameraId, batchId, line }))?.started ?? false;
  }

  async endBatch(sessionId: string, batchId: string): Promise<{ forward: number; backward: number; net: number } | null> {
    const home = this.live(sessionId);
    if (home) return home.endBatch(batchId);
    return (await this.askHome(sessionId, 'batchEnd', { batchId }))?.counted ?? null;
  }

  /** Asks the session's home when it is another live node; null when there is none or it cannot answer (nothing is counted then). */
  private async askHome<C extends ClusterCall>(sessionId: string, call: C, body: ClusterBody<C>): Promise<ClusterReply<C> | null> {
    const { home } = await this.deps.registry.homeOf(sessionId);
    if (!home || home.id === this.deps.registry.self.id) return null;
    try {
      return await this.deps.cluster.call(home, sessionId, call, body);
    } catch (err) {
      if (!(err instanceof ClusterCallError)) throw err;
      this.deps.logger.warn({ err, sessionId, call, home: home.id }, 'the session home cannot answer about counting');
      return null;
    }
  }

  private openEdge(sessionId: string): SessionEdge | null {
    const edge = this.edges.get(sessionId);
    return edge && !edge.closed ? edge : null;
  }

  private homeHere(sessionId: string): LiveSession {
    const live = this.live(sessionId);
    if (!live) throw new ClusterCallError(409, 'not_home', `session ${sessionId} has no media on this node`);
    return live;
  }

  /** Finds the session's home (placing it by load when it has none) and opens its media there or an edge here. */
  private async place(sessionId: string, declarationId: string): Promise<LiveSession | SessionEdge> {
    const { registry, cluster, logger } = this.deps;
    let lastError: unknown = null;
    const giveUpAt = Date.now() + PLACEMENT_PATIENCE_MS;
    for (let attempt = 0; attempt < PLACEMENT_TRIES && (attempt === 0 || Date.now() < giveUpAt); attempt++) {
      const found = await registry.homeOf(sessionId);
      if (found.lost) this.noteMoved(sessionId, found.lost.nodeId, 'node_lost', found.lost.silentMs);
      const home = found.home ?? (await registry.placement(await this.siteCameras(declarationId)));
      try {
        if (!home || home.id === registry.self.id) return await this.openHome(sessionId, declarationId);
        await cluster.call(home, sessionId, 'open', { declarationId });
        const edge = await SessionEdge.open(sessionId, home, this.deps, (closed) => {
          if (this.edges.get(sessionId) === closed) this.edges.delete(sessionId);
        });
        this.edges.set(sessionId, edge);
        return edge;
      } catch (err) {
        lastError = err;
        // Another node claimed it a moment ago, or its home just stopped: ask the registry again.
        if (!(err instanceof ClusterCallError)) throw err;
        logger.warn({ err, sessionId, home: home?.id }, 'cannot open a session on its home node; placing it again');
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * (attempt + 1), 1000)));
      }
    }
    logger.error({ err: lastError, sessionId }, 'no node could open the session');
    throw new MediaError('room_closed', 'The session media cannot be opened now; join again');
  }

  /** The ids of the session's site cameras (placement prefers the node already ingesting them). */
  private async siteCameras(declarationId: string): Promise<string[]> {
    return (await this.deps.cameras.liveCamerasForDeclaration(declarationId)).map((c) => c.id);
  }

  /** Opens the session's media here, this node holding (or now taking) its claim; once however many ask. */
  private openHome(sessionId: string, declarationId: string): Promise<LiveSession> {
    const existing = this.live(sessionId);
    if (existing) return Promise.resolve(existing);
    let opening = this.homeOpening.get(sessionId);
    if (!opening) {
      opening = this.startHome(sessionId, declarationId).finally(() => this.homeOpening.delete(sessionId));
      this.homeOpening.set(sessionId, opening);
    }
    return opening;
  }

  private async startHome(sessionId: string, declarationId: string): Promise<LiveSession> {
    const { registry } = this.deps;
    if (registry.isDraining) {
      // A node leaving takes no new session while another could (its own participants' joins place it elsewhere).
      const elsewhere = await registry.placement();
      if (elsewhere && elsewhere.id !== registry.self.id) throw new ClusterCallError(409, 'node_draining', 'this node is stopping');
    }
    if (!(await registry.claimHome(sessionId))) throw new ClusterCallError(409, 'not_home', `another node holds session ${sessionId}`);
    // This node's edge of the session (its old home went): its participants join the media here instead.
    this.edges.get(sessionId)?.close('media_failed');
    try {
      const live = await LiveSession.open(sessionId, declarationId, this.deps, (closed) => {
        if (this.sessions.get(sessionId) !== closed) return;
        this.sessions.delete(sessionId);
        void registry.releaseHome(sessionId);
      });
      this.sessions.set(sessionId, live);
      return live;
    } catch (err) {
      await registry.releaseHome(sessionId);
      throw err;
    }
  }

  /** Whether the edge's home still holds the session (alive, and not moved). */
  private async homeStillHolds(edge: SessionEdge): Promise<boolean> {
    const found = await this.deps.registry.homeOf(edge.id).catch(() => undefined);
    // Redis cannot be asked: keep serving what is running rather than drop everybody.
    if (found === undefined) return true;
    if (found.lost) this.noteMoved(edge.id, found.lost.nodeId, 'node_lost', found.lost.silentMs);
    // The same node, not a new process under its name (restarted: the pipes to the old one are dead).
    return found.home?.id === edge.home.id && found.home.startedAt === edge.home.startedAt;
  }

  /** On the session's timeline: its media left a node (the gap in what was seen and recorded starts there). */
  private noteMoved(sessionId: string, fromNode: string, reason: 'node_draining' | 'node_lost', silentMs: number | null): void {
    void this.deps.timeline
      .append({ sessionId, kind: 'note', actorId: null, payload: { kind: 'media_moved', fromNode, reason, silentMs } })
      .catch((err: unknown) => this.deps.logger.warn({ err, sessionId }, 'cannot note that the session media moved'));
  }

  /** Closes the media here of sessions that have ended; their ids. */
  async closeEnded(): Promise<string[]> {
    const ended = await this.deps.inspections.closedAmong([...this.sessions.keys()]);
    for (const sessionId of ended) {
      this.deps.logger.warn({ sessionId }, 'closing the media of a session that ended (its end was not heard here)');
      await this.close(sessionId);
    }
    return ended;
  }

  private async watchHomes(): Promise<void> {
    // The inspection ended and the message saying so did not reach this node (it is one pub/sub message):
    // its media would go on recording until everybody left. Checked against the database now and then.
    if (++this.watchTicks % ENDED_CHECK_TICKS === 0) await this.closeEnded().catch((err: unknown) => this.deps.logger.warn({ err }, 'cannot check for ended sessions'));
    if (this.sessions.size > 0) {
      // Streams from edges on nodes that died carry nothing any more: they end here (recordings closed).
      const nodes = await this.deps.registry.liveNodes().catch(() => null);
      const alive = nodes && new Set(nodes.map((n) => n.id));
      if (alive) for (const live of this.sessions.values()) live.pipes.keepOnly(alive);
    }
    for (const edge of [...this.edges.values()]) {
      if (edge.closed) continue;
      // Nobody joined it after all (a join refused once the edge was open): nothing to relay.
      if (edge.room.peerCount() === 0 && Date.now() - edge.openedAt > EMPTY_EDGE_MS) edge.close();
      else if (!(await this.homeStillHolds(edge))) edge.close('media_failed');
    }
  }
}
