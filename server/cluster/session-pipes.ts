/**
 * A session's streams crossing between nodes: between its home room and an edge room on a node its
 * participants reached. Each stream crossing has one pipe transport at each end, so one stream ends
 * without touching the others. The node that asks opens its end first and sends its address; the node
 * asked connects to it and answers with its own (one internal call per stream). Whichever end closes
 * tells the other node, which closes its end without telling back.
 */
import type { PipeTransport } from 'mediasoup/node/lib/PipeTransport.js';
import type { Room } from '../../media/index.ts';
import type { ClusterBody } from '../contracts/cluster.ts';
import type { ProducerInfo } from '../contracts/live-events.ts';
import type { Logger } from '../logger.ts';
import type { ClusterClient } from './internal-api.ts';
import type { NodeInfo } from './node-registry.ts';

type NodeRef = Pick<NodeInfo, 'id' | 'url'>;
type Endpoint = { ip: string; port: number };

export class SessionPipes {
  /** The crossing ends here, by `producerId@nodeId`. */
  private readonly ends = new Map<string, PipeTransport>();
  /** Ends closed because the other node said so: nothing to tell it back. */
  private readonly toldClosed = new WeakSet<PipeTransport>();
  private readonly pulling = new Map<string, Promise<void>>();
  /** Streams the home said ended while they were being pulled here. */
  private readonly endedWhilePulling = new Set<string>();
  /** The whole room is going (the session ended here): the other nodes learn it otherwise. */
  private quiet = false;

  constructor(
    private readonly sessionId: string,
    private readonly room: Room,
    private readonly client: ClusterClient,
    private readonly logger: Logger,
  ) {}

  /** How many streams cross to or from other nodes now. */
  get size(): number {
    return this.ends.size;
  }

  /** Asked by `node`: sends one of this room's streams to its pipe end at `remote`. */
  async sendTo(node: NodeRef, producerId: string, remote: Endpoint): Promise<ClusterBody<'pipeIn'>> {
    const end = await this.room.openNodePipe();
    try {
      await end.transport.connect(remote);
      const sent = await this.room.sendThroughPipe(end.transport, producerId);
      this.track(node, producerId, end.transport);
      return { ip: end.ip, port: end.port, info: sent.info, rtpParameters: sent.rtpParameters as ClusterBody<'pipeIn'>['rtpParameters'], paused: sent.paused };
    } catch (err) {
      end.transport.close();
      throw err;
    }
  }

  /** Asked by `node`: takes its stream into this room, sent from its pipe end at `remote`. */
  async receiveFrom(node: NodeRef, info: ProducerInfo, rtpParameters: ClusterBody<'pipeIn'>['rtpParameters'], paused: boolean, remote: Endpoint): Promise<Endpoint> {
    const end = await this.room.openNodePipe();
    try {
      await end.transport.connect(remote);
      await this.room.receiveThroughPipe(end.transport, info, rtpParameters as never, paused);
      this.track(node, info.producerId, end.transport);
      return { ip: end.ip, port: end.port };
    } catch (err) {
      end.transport.close();
      throw err;
    }
  }

  /** Brings one of `home`'s streams into this room, once however many ask for it at the same time. */
  pull(home: NodeRef, producerId: string): Promise<void> {
    if (this.room.producerInfos().some((p) => p.producerId === producerId)) return Promise.resolve();
    let pulling = this.pulling.get(producerId);
    if (!pulling) {
      pulling = (async () => {
        const end = await this.room.openNodePipe();
        let answered = false;
        try {
          const sent = await this.client.call(home, this.sessionId, 'pipeOut', { producerId, ip: end.ip, port: end.port });
          answered = true;
          await end.transport.connect({ ip: sent.ip, port: sent.port });
          await this.room.receiveThroughPipe(end.transport, sent.info, sent.rtpParameters as never, sent.paused);
          this.track(home, producerId, end.transport);
          // Ended at the home while it was crossing: it goes here too.
          if (this.endedWhilePulling.delete(producerId)) this.closedThere(home, producerId);
        } catch (err) {
          end.transport.close();
          // The home opened its end already: it must close it.
          if (answered) this.tellClosed(home, producerId);
          throw err;
        }
      })().finally(() => {
        this.pulling.delete(producerId);
        this.endedWhilePulling.delete(producerId);
      });
      this.pulling.set(producerId, pulling);
    }
    return pulling;
  }

  /** Sends one of this room's streams to `home`, where it is recorded and seen by everybody. */
  async push(home: NodeRef, producerId: string): Promise<void> {
    const end = await this.room.openNodePipe();
    let answered = false;
    try {
      const sent = await this.room.sendThroughPipe(end.transport, producerId);
      const there = await this.client.call(home, this.sessionId, 'pipeIn', {
        info: sent.info,
        rtpParameters: sent.rtpParameters as ClusterBody<'pipeIn'>['rtpParameters'],
        paused: sent.paused,
        ip: end.ip,
        port: end.port,
      });
      answered = true;
      await end.transport.connect(there);
      this.track(home, producerId, end.transport);
    } catch (err) {
      end.transport.close();
      // The stream ended while the home was taking it (or connecting failed): the home must let it go.
      if (answered) this.tellClosed(home, producerId);
      throw err;
    }
  }

  /** `node` closed its end of the stream's crossing: this end goes too. */
  closedThere(node: NodeRef, producerId: string): void {
    const end = this.ends.get(`${producerId}@${node.id}`);
    if (!end) {
      if (this.pulling.has(producerId)) this.endedWhilePulling.add(producerId);
      return;
    }
    this.toldClosed.add(end);
    end.close();
  }

  /** Closes the crossings with nodes not in `alive` (gone: nothing comes through them any more). */
  keepOnly(alive: Set<string>): void {
    for (const [key, end] of this.ends) {
      if (alive.has(key.slice(key.lastIndexOf('@') + 1))) continue;
      this.toldClosed.add(end);
      end.close();
    }
  }

  /** The room is closing with the session: its ends close with it and the other nodes are not told one by one. */
  quietly(): void {
    this.quiet = true;
  }

  private track(node: NodeRef, producerId: string, transport: PipeTransport): void {
    const key = `${producerId}@${node.id}`;
    // A node asking again (its end was lost) replaces the crossing it had.
    const previous = this.ends.get(key);
    if (previous && previous !== transport) {
      this.toldClosed.add(previous);
      previous.close();
    }
    this.ends.set(key, transport);
    const ended = () => {
      if (this.ends.get(key) === transport) this.ends.delete(key);
      if (!this.quiet && !this.toldClosed.has(transport)) this.tellClosed(node, producerId);
    };
    // Closed already (the stream ended while its crossing was being set up): the other node is told now.
    if (transport.closed) ended();
    else transport.observer.once('close', ended);
  }

  private tellClosed(node: NodeRef, producerId: string): void {
    void this.client.call(node, this.sessionId, 'pipeClosed', { producerId }).catch((err: unknown) => this.logger.debug({ err, node: node.id, producerId }, 'cannot tell a node a piped stream ended'));
  }
}
