/**
 * One live inspection's media: a router (on the least loaded worker) and its peers. Browsers send and
 * receive over WebRTC transports; cameras enter and recorders / frame taps leave over plain RTP.
 * The room owns every mediasoup object it creates; close() releases them all.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Consumer } from 'mediasoup/node/lib/Consumer.js';
import type { Producer } from 'mediasoup/node/lib/Producer.js';
import type { Router } from 'mediasoup/node/lib/Router.js';
import type { DtlsParameters } from 'mediasoup/node/lib/WebRtcTransport.js';
import type { MediaKind, RtpCapabilities, RtpParameters } from 'mediasoup/node/lib/RtpParameters.js';
import type { PlainTransport } from 'mediasoup/node/lib/PlainTransport.js';
import type { PipeTransport } from 'mediasoup/node/lib/PipeTransport.js';
import { UnsupportedError } from 'mediasoup/node/lib/errors.js';
import { MediaError, Peer, type PeerRole } from './peer.ts';
import { LOOPBACK, pipeAddress, pipeListenOptions, plainListenOptions, webRtcListenOptions, type MediaNetwork } from './network.ts';
import type { MediaWorkerPool } from './worker-pool.ts';

/** What a producer is, for everyone deciding whether to consume, record or analyse it. */
/** Stated once with the other live-event contracts (the web app receives it as it is). */
import type { ProducerInfo } from '../server/contracts/live-events.ts';
export type { ProducerInfo };

export interface RoomEvents {
  produceradded: [ProducerInfo, Producer];
  producerclosed: [ProducerInfo];
  closed: [];
}

const MAX_PEERS = 16;
/** One user's connections in a room (a phone and a laptop, and a reconnect overlapping): one user cannot fill it. */
const MAX_PEERS_PER_USER = 3;
const MAX_TRANSPORTS_PER_PEER = 4;
const MAX_PRODUCERS_PER_PEER = 4;
const MAX_CONSUMERS_PER_PEER = 32;

export class Room extends EventEmitter<RoomEvents> {
  private readonly peers = new Map<string, Peer>();
  private readonly producers = new Map<string, { info: ProducerInfo; producer: Producer }>();
  private readonly plainTransports = new Set<PlainTransport | PipeTransport>();
  closed = false;

  private constructor(
    readonly id: string,
    readonly router: Router,
    private readonly network: MediaNetwork,
    private readonly maxPeers: number,
  ) {
    super();
    // The worker died: everything here is gone; owners learn it through `closed`.
    router.observer.once('close', () => this.close());
  }

  /** `maxPeers`: a session's participants are few; a camera wall's viewers are all the port's officers. */
  static async create(id: string, pool: MediaWorkerPool, network: MediaNetwork, options: { maxPeers?: number } = {}): Promise<Room> {
    const router = await pool.createRouter({ roomId: id });
    return new Room(id, router, network, options.maxPeers ?? MAX_PEERS);
  }

  get rtpCapabilities(): RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  get workerIndex(): number {
    return Number(this.router.appData.workerIndex);
  }

  addPeer(id: string, userId: string, displayName: string, role: PeerRole): Peer {
    this.assertOpen();
    this.peers.get(id)?.close();
    if (this.peers.size >= this.maxPeers) throw new MediaError('too_many', 'This session has the most participants it can hold');
    if ([...this.peers.values()].filter((p) => p.userId === userId).length >= MAX_PEERS_PER_USER) {
      throw new MediaError('too_many', 'You are connected to this session from too many places; close one');
    }
    const peer = new Peer(id, userId, displayName, role);
    this.peers.set(id, peer);
    return peer;
  }

  hasPeer(id: string): boolean {
    return this.peers.has(id);
  }

  peer(id: string): Peer {
    const peer = this.peers.get(id);
    if (!peer) throw new MediaError('not_allowed', 'Join the session first');
    return peer;
  }

  removePeer(id: string): void {
    this.peers.get(id)?.close();
    this.peers.delete(id);
  }

  peerCount(): number {
    return this.peers.size;
  }

  producerInfos(): ProducerInfo[] {
    return [...this.producers.values()].map((p) => p.info);
  }

  producer(id: string): { info: ProducerInfo; producer: Producer } {
    const entry = this.producers.get(id);
    if (!entry) throw new MediaError('producer_not_found', `No producer ${id} in this session`);
    return entry;
  }

  async createWebRtcTransport(peerId: string, direction: 'send' | 'recv') {
    this.assertOpen();
    const peer = this.peer(peerId);
    if (direction === 'send' && !peer.canProduce) throw new MediaError('not_allowed', 'Supervisors watch without sending media');
    if (peer.transports.size >= MAX_TRANSPORTS_PER_PEER) throw new MediaError('too_many', 'Too many transports');
    const transport = await this.router.createWebRtcTransport({
      ...webRtcListenOptions(this.network),
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
      appData: { peerId, direction },
    });
    peer.transports.set(transport.id, transport);
    transport.observer.once('close', () => peer.transports.delete(transport.id));
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async connectTransport(peerId: string, transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
    const transport = this.peer(peerId).transport(transportId);
    await fromClient(() => transport.connect({ dtlsParameters }));
  }

  async produce(peerId: string, transportId: string, kind: MediaKind, rtpParameters: RtpParameters, label: string): Promise<ProducerInfo> {
    this.assertOpen();
    const peer = this.peer(peerId);
    if (!peer.canProduce) throw new MediaError('not_allowed', 'Supervisors watch without sending media');
    if (peer.producers.size >= MAX_PRODUCERS_PER_PEER) throw new MediaError('too_many', 'Too many streams from one participant');
    const transport = peer.transport(transportId);
    const producer = await fromClient(() => transport.produce({ kind, rtpParameters, appData: { peerId } }));
    peer.producers.set(producer.id, producer);
    const info: ProducerInfo = {
      producerId: producer.id,
      kind,
      source: `peer:${peer.id}`,
      cameraId: null,
      peerId: peer.id,
      userId: peer.userId,
      displayName: peer.displayName,
      label,
    };
    this.trackProducer(info, producer, () => peer.producers.delete(producer.id));
    return info;
  }

  async consume(peerId: string, transportId: string, producerId: string, rtpCapabilities: RtpCapabilities) {
    this.assertOpen();
    const peer = this.peer(peerId);
    const { info } = this.producer(producerId);
    if (!this.router.canConsume({ producerId, rtpCapabilities })) {
      throw new MediaError('cannot_consume', 'This device cannot decode that stream');
    }
    if (peer.consumers.size >= MAX_CONSUMERS_PER_PEER) throw new MediaError('too_many', 'Too many streams received');
    // Paused until the client has set it up and resumes it, so no keyframe is lost.
    const transport = peer.transport(transportId);
    const consumer = await fromClient(() => transport.consume({ producerId, rtpCapabilities, paused: true, appData: { peerId } }));
    peer.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => peer.consumers.delete(consumer.id));
    return {
      id: consumer.id,
      producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      producer: info,
    };
  }

  consumer(peerId: string, consumerId: string): Consumer {
    const consumer = this.peer(peerId).consumers.get(consumerId);
    if (!consumer) throw new MediaError('consumer_not_found', `No consumer ${consumerId}`);
    return consumer;
  }

  async setConsumerPaused(peerId: string, consumerId: string, paused: boolean): Promise<void> {
    const consumer = this.consumer(peerId, consumerId);
    if (paused) await consumer.pause();
    else {
      await consumer.resume();
      if (consumer.kind === 'video') await consumer.requestKeyFrame();
    }
  }

  async setProducerPaused(peerId: string, producerId: string, paused: boolean): Promise<void> {
    const producer = this.peer(peerId).producers.get(producerId);
    if (!producer) throw new MediaError('producer_not_found', `No producer ${producerId} of yours`);
    if (paused) await producer.pause();
    else await producer.resume();
  }

  /**
   * Plain RTP into the room (a camera pulled by ffmpeg). comedia: mediasoup learns ffmpeg's address from
   * the first packet. Returns the ports ffmpeg must send to and a function that creates the producer.
   */
  async createPlainIngest(cameraId: string, label: string, input: 'main' | 'sub' = 'main') {
    this.assertOpen();
    const source = `camera:${cameraId}`;
    const transport = await this.router.createPlainTransport({ ...plainListenOptions(), rtcpMux: false, comedia: true, appData: { source } });
    this.plainTransports.add(transport);
    transport.observer.once('close', () => this.plainTransports.delete(transport));
    const produce = async (kind: MediaKind, rtpParameters: RtpParameters): Promise<{ info: ProducerInfo; producer: Producer }> => {
      const producer = await transport.produce({ kind, rtpParameters, appData: { source } });
      const info: ProducerInfo = { producerId: producer.id, kind, source, cameraId, input, peerId: null, userId: null, displayName: label, label };
      this.trackProducer(info, producer);
      return { info, producer };
    };
    return { transport, rtpPort: transport.tuple.localPort, rtcpPort: transport.rtcpTuple!.localPort, produce };
  }

  /**
   * Brings another room's producer (a camera's feed) into this room over a pair of pipe transports between
   * the two routers: one ingest serves every room that shows the camera. The copy gets an id of its own
   * (mediasoup 3.12's pipeToRouter reuses the source's id, which a second router on the same worker
   * refuses) and closes with its source.
   */
  async pipeFrom(source: Room, producerId: string): Promise<ProducerInfo> {
    this.assertOpen();
    const { info } = source.producer(producerId);
    const out = await source.router.createPipeTransport({ listenIp: LOOPBACK });
    const into = await this.router.createPipeTransport({ listenIp: LOOPBACK });
    const closeBoth = () => {
      out.close();
      into.close();
    };
    try {
      await out.connect({ ip: into.tuple.localIp, port: into.tuple.localPort });
      await into.connect({ ip: out.tuple.localIp, port: out.tuple.localPort });
      const consumer = await out.consume({ producerId });
      const producer = await into.produce({ id: randomUUID(), kind: consumer.kind, rtpParameters: consumer.rtpParameters, paused: consumer.producerPaused, appData: { source: info.source } });
      // The source ended (or this room closed): the pipe has no other use.
      consumer.observer.once('close', closeBoth);
      producer.observer.once('close', closeBoth);
      const piped: ProducerInfo = { ...info, producerId: producer.id };
      this.trackProducer(piped, producer);
      return piped;
    } catch (err) {
      closeBoth();
      throw err;
    }
  }

  /**
   * One end of a pipe to another node's router: a producer crosses it one way (each pipe carries one, so
   * closing it ends just that one). `ip` and `port` are what the other end connects to.
   */
  async openNodePipe(): Promise<{ transport: PipeTransport; ip: string; port: number }> {
    this.assertOpen();
    const transport = await this.router.createPipeTransport({ ...pipeListenOptions(this.network) });
    this.plainTransports.add(transport);
    transport.observer.once('close', () => this.plainTransports.delete(transport));
    return { transport, ip: pipeAddress(this.network), port: transport.tuple.localPort };
  }

  /** Sends one of this room's producers through a node pipe; the other end produces it with `rtpParameters`. */
  async sendThroughPipe(transport: PipeTransport, producerId: string) {
    const { info } = this.producer(producerId);
    const consumer = await transport.consume({ producerId });
    // The producer went, or the pipe closed: the pipe has no other use.
    consumer.observer.once('close', () => transport.close());
    return { consumer, info, kind: consumer.kind, rtpParameters: consumer.rtpParameters, paused: consumer.producerPaused };
  }

  /**
   * Produces in this room what another node sends through a node pipe, under the producer's own id (the
   * routers are on different workers), so clients name one stream by one id on every node.
   */
  async receiveThroughPipe(transport: PipeTransport, info: ProducerInfo, rtpParameters: RtpParameters, paused: boolean): Promise<Producer> {
    this.assertOpen();
    const producer = await transport.produce({ id: info.producerId, kind: info.kind, rtpParameters, paused, appData: { source: info.source, piped: true } });
    producer.observer.once('close', () => transport.close());
    this.trackProducer(info, producer);
    return producer;
  }

  /** Closes a producer the room holds (a piped camera no longer shown); its consumers close with it. */
  closeProducer(producerId: string): void {
    this.producers.get(producerId)?.producer.close();
  }

  /**
   * Plain RTP out of the room to a local ffmpeg listening on `ports`: the recorder and the frame tap.
   * The consumer starts paused; resume it once ffmpeg is listening.
   */
  async createPlainEgress(producerId: string, ports: { rtpPort: number; rtcpPort: number }) {
    this.assertOpen();
    this.producer(producerId);
    const transport = await this.router.createPlainTransport({ ...plainListenOptions(), rtcpMux: false, comedia: false });
    this.plainTransports.add(transport);
    transport.observer.once('close', () => this.plainTransports.delete(transport));
    await transport.connect({ ip: '127.0.0.1', port: ports.rtpPort, rtcpPort: ports.rtcpPort });
    const consumer = await transport.consume({ producerId, rtpCapabilities: this.router.rtpCapabilities, paused: true });
    // When the producer goes, the consumer closes; the transport has no other use.
    consumer.observer.once('close', () => transport.close());
    return { transport, consumer };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    for (const t of this.plainTransports) t.close();
    this.router.close();
    this.emit('closed');
  }

  private trackProducer(info: ProducerInfo, producer: Producer, onClose?: () => void): void {
    this.producers.set(producer.id, { info, producer });
    producer.observer.once('close', () => {
      this.producers.delete(producer.id);
      onClose?.();
      this.emit('producerclosed', info);
    });
    this.emit('produceradded', info, producer);
  }

  private assertOpen(): void {
    if (this.closed) throw new MediaError('room_closed', 'The session media has closed; join again');
  }
}

/**
 * mediasoup refuses parameters a client sent with a TypeError (malformed) or an UnsupportedError (a codec
 * the router does not have): the client's mistake, not ours. Anything else is ours and stays unexpected.
 */
async function fromClient<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof TypeError || err instanceof UnsupportedError) throw new MediaError('invalid_parameters', err.message);
    throw err;
  }
}
