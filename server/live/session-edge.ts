/**
 * This node's edge of a live session whose media lives on another node (its home): the participants who
 * reached the session through this node send and receive here, on a router of this node. What they send
 * is piped to the home (recorded and analysed there, seen by everybody); what they receive of the home's
 * streams is piped in once per stream, however many of them watch it. The edge records nothing and holds
 * no camera: it is media relay only, and closes when its last participant leaves or its home goes.
 */
import { MediaError, Room, type MediaNetwork, type MediaWorkerPool, type ProducerInfo } from '../../media/index.ts';
import type { TimelineEventOf } from '../contracts/timeline.ts';
import { ClusterCallError, type ClusterClient } from '../cluster/internal-api.ts';
import type { NodeInfo } from '../cluster/node-registry.ts';
import { SessionPipes } from '../cluster/session-pipes.ts';
import type { Logger } from '../logger.ts';
import type { InspectionService } from '../services/inspections.service.ts';
import { snapshotToTimeline, type SessionPush } from './live-session.ts';

export interface SessionEdgeDeps {
  pool: MediaWorkerPool;
  network: MediaNetwork;
  inspections: InspectionService;
  push: SessionPush;
  cluster: ClusterClient;
  logger: Logger;
}

export class SessionEdge {
  readonly pipes: SessionPipes;
  readonly openedAt = Date.now();
  private closing = false;

  private constructor(
    readonly id: string,
    readonly room: Room,
    readonly home: NodeInfo,
    private readonly o: SessionEdgeDeps,
    private readonly onClosed: (edge: SessionEdge) => void,
  ) {
    this.pipes = new SessionPipes(id, room, o.cluster, o.logger);
  }

  static async open(sessionId: string, home: NodeInfo, o: SessionEdgeDeps, onClosed: (edge: SessionEdge) => void): Promise<SessionEdge> {
    const room = await Room.create(sessionId, o.pool, o.network);
    const edge = new SessionEdge(sessionId, room, home, o, onClosed);
    room.once('closed', () => edge.close('media_failed'));
    room.on('produceradded', (info, producer) => {
      if (producer.appData.piped) return;
      // A participant's stream: to the home, where everybody is told of it and it is recorded.
      void edge.pipes.push(home, info.producerId).catch((err: unknown) => {
        o.logger.error({ err, sessionId, home: home.id }, 'cannot pipe a stream to its session home');
        producer.close();
      });
    });
    return edge;
  }

  get closed(): boolean {
    return this.closing || this.room.closed;
  }

  /** The session's streams, as its home holds them. */
  async producers(): Promise<ProducerInfo[]> {
    return (await this.fromHome(() => this.o.cluster.call(this.home, this.id, 'producers', {}))).producers;
  }

  /** Makes one of the session's streams available here (piped from the home on first use). */
  async ensure(producerId: string): Promise<void> {
    if (this.closed) throw new MediaError('room_closed', 'The session media has closed; join again');
    await this.fromHome(() => this.pipes.pull(this.home, producerId));
  }

  /** The home cannot serve the session any more (gone, or it moved): the participants here join again. */
  private async fromHome<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ClusterCallError)) throw err;
      if (err.code === 'producer_not_found') throw new MediaError('producer_not_found', err.message);
      this.o.logger.warn({ err, sessionId: this.id, home: this.home.id }, 'the session home cannot serve this edge');
      this.close('media_failed');
      throw new MediaError('room_closed', 'The session media has closed; join again');
    }
  }

  async snapshot(producerId: string, actorId: string): Promise<TimelineEventOf<'snapshot'>> {
    await this.ensure(producerId);
    return snapshotToTimeline(this.room, this.o.inspections, this.id, producerId, actorId);
  }

  /**
   * Closes the edge. `reason` set: the session's media moved or failed, and the participants connected here
   * are told to join again (the home tells everybody itself when it closes in order).
   */
  close(reason: string | null = null): void {
    if (this.closing) return;
    this.closing = true;
    this.onClosed(this);
    if (reason) this.o.push.toSessionHere(this.id, 'media:reset', { reason });
    this.room.close();
  }
}
