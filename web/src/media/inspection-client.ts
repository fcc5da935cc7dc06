/**
 * The browser side of a live inspection: socket.io signalling with acknowledgements plus mediasoup-client.
 * Used by the enterprise phone page and the officer console (and the end-to-end test harness).
 */
import { Device } from 'mediasoup-client';
import type { Consumer, Producer, RtpCapabilities, Transport } from 'mediasoup-client/types';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ProducerInfo, ServerToClientEvents, SignallingMessage, SignallingFailure, SignallingReplies, SignallingReply } from '../../../server/contracts/live-events.ts';

export type { ProducerInfo, VisionResult } from '../../../server/contracts/live-events.ts';
export type { TimelineEvent } from '../../../server/contracts/timeline.ts';
export type JoinResult = SignallingReplies['session:join'];

export class SignallingError extends Error {
  readonly code: string;
  readonly reason?: string;
  readonly params?: Record<string, string | number>;
  constructor(failure: SignallingFailure) {
    super(failure.message);
    this.code = failure.code;
    this.reason = failure.reason;
    this.params = failure.params;
  }
}

export class InspectionClient {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private device?: Device;
  /** One of each per join, shared by every stream: tiles subscribing at once must not each open one. */
  private transports: Partial<Record<'send' | 'recv', Promise<Transport>>> = {};
  readonly producers = new Map<string, Producer>();
  readonly consumers = new Map<string, { consumer: Consumer; info: ProducerInfo }>();
  joined?: JoinResult;
  private iceServers: JoinResult['iceServers'] = [];

  constructor(
    readonly sessionId: string,
    url = '/',
  ) {
    // Same origin: the session cookie authenticates the connection.
    this.socket = io(url, { transports: ['websocket'], withCredentials: true });
  }

  request<M extends SignallingMessage>(event: M, message: Record<string, unknown>, timeoutMs = 15_000): Promise<SignallingReplies[M]> {
    const emit = this.socket.timeout(timeoutMs).emitWithAck as (event: M, message: unknown) => Promise<SignallingReply<M>>;
    return emit.call(this.socket.timeout(timeoutMs), event, { sessionId: this.sessionId, ...message }).then((reply) => {
      if (!reply.ok) throw new SignallingError(reply.error);
      return reply.data;
    });
  }

  async join(): Promise<JoinResult> {
    const joined = await this.request('session:join', {});
    this.joined = joined;
    await this.loadDevice(joined);
    return joined;
  }

  /**
   * Joins the camera wall (a client made with the session id 'wall'): the farm cameras it may watch. Asked
   * again when the wall changes: what is received goes on, unless the server's wall started afresh.
   */
  async joinWall(): Promise<SignallingReplies['wall:join']> {
    const wall = await this.request('wall:join', {});
    if (wall.fresh) {
      this.resetMedia();
      await this.loadDevice(wall);
    }
    return wall;
  }

  private async loadDevice(joined: { rtpCapabilities: Record<string, unknown>; iceServers: JoinResult['iceServers'] }) {
    this.iceServers = joined.iceServers;
    this.device = new Device();
    await this.device.load({ routerRtpCapabilities: joined.rtpCapabilities as RtpCapabilities });
  }

  /** Sends the given tracks (camera, microphone). */
  async publish(tracks: MediaStreamTrack[]): Promise<Producer[]> {
    const transport = await this.transport('send');
    const produced: Producer[] = [];
    for (const track of tracks) {
      // The page owns its tracks: after a reconnection the same camera is published again.
      const producer = await transport.produce({ track, stopTracks: false, appData: { label: track.kind === 'video' ? 'camera' : 'microphone' } });
      this.producers.set(producer.id, producer);
      produced.push(producer);
    }
    return produced;
  }

  /** Pauses or resumes receiving a producer (a wall tile scrolled out of view costs nothing while paused). */
  async setReceiving(producerId: string, receiving: boolean): Promise<void> {
    for (const { consumer, info } of this.consumers.values()) {
      if (info.producerId !== producerId || consumer.closed) continue;
      await this.request('media:setConsumerPaused', { consumerId: consumer.id, paused: !receiving });
      if (receiving) consumer.resume();
      else consumer.pause();
    }
  }

  /** Receives one producer of the session; the returned track can be attached to a media element. */
  async subscribe(info: ProducerInfo): Promise<Consumer> {
    const transport = await this.transport('recv');
    const params = await this.request('media:consume', {
      transportId: transport.id,
      producerId: info.producerId,
      rtpCapabilities: this.device!.rtpCapabilities,
    });
    const consumer = await transport.consume({ id: params.id, producerId: params.producerId, kind: params.kind, rtpParameters: params.rtpParameters as never });
    this.consumers.set(consumer.id, { consumer, info });
    await this.request('media:setConsumerPaused', { consumerId: consumer.id, paused: false });
    return consumer;
  }

  sendCommand(preset: string, params?: Record<string, string | number>) {
    return this.request('session:command', { preset, params });
  }

  acknowledge(commandId: number) {
    return this.request('session:acknowledge', { commandId });
  }

  snapshot(producerId: string) {
    return this.request('session:snapshot', { producerId });
  }

  /** Listens to a server event; returns the function that stops listening. */
  on<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]): () => void {
    this.socket.on(event, handler as never);
    return () => void this.socket.off(event, handler as never);
  }

  /** Sends another track in place of a producer's (the phone's other camera) without renegotiating. */
  async replaceTrack(producerId: string, track: MediaStreamTrack): Promise<void> {
    const producer = this.producers.get(producerId);
    if (!producer) throw new SignallingError({ code: 'producer_not_found', message: 'No such stream' });
    await producer.replaceTrack({ track });
  }

  /**
   * Forgets all media state (after a reconnection or a media reset): the server has dropped this peer's
   * transports, so the next join starts afresh. The socket stays.
   */
  resetMedia() {
    for (const p of this.producers.values()) p.close();
    for (const { consumer } of this.consumers.values()) consumer.close();
    this.producers.clear();
    this.consumers.clear();
    for (const opening of Object.values(this.transports))
      void opening.then(
        (transport) => transport.close(),
        () => {},
      );
    this.transports = {};
  }

  close() {
    this.resetMedia();
    this.socket.close();
  }

  private transport(direction: 'send' | 'recv'): Promise<Transport> {
    const existing = this.transports[direction];
    if (existing) return existing;
    const opening = this.openTransport(direction);
    this.transports[direction] = opening;
    // A transport that could not be opened is tried again by the next stream.
    opening.catch(() => {
      if (this.transports[direction] === opening) delete this.transports[direction];
    });
    return opening;
  }

  private async openTransport(direction: 'send' | 'recv'): Promise<Transport> {
    const params = await this.request('media:createTransport', { direction });
    const options = { ...params, iceServers: this.iceServers } as never;
    const transport = direction === 'send' ? this.device!.createSendTransport(options) : this.device!.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.request('media:connectTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.request('media:produce', { transportId: transport.id, kind, rtpParameters, label: String(appData.label ?? kind) }).then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    return transport;
  }
}
