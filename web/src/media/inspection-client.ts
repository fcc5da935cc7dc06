/**
 * The browser side of a live inspection: socket.io signalling with acknowledgements plus mediasoup-client.
 * Used by the enterprise phone page and the officer console (and the end-to-end test harness).
 */
import { Device } from 'mediasoup-client';
import type { Consumer, Producer, RtpCapabilities, Transport } from 'mediasoup-client/types';
import { io, type Socket } from 'socket.io-client';

export interface ProducerInfo {
  producerId: string;
  kind: 'audio' | 'video';
  source: string;
  peerId: string | null;
  userId: string | null;
  displayName: string;
  label: string;
}

export interface TimelineEvent {
  id: number;
  kind: string;
  at: string;
  actorId: string | null;
  payload: Record<string, unknown>;
}

export interface JoinResult {
  role: 'enterprise' | 'officer' | 'supervisor';
  rtpCapabilities: RtpCapabilities;
  producers: ProducerInfo[];
  iceServers: RTCIceServer[];
  timeline: TimelineEvent[];
  commandPresets: Record<string, string>;
}

export class SignallingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Reply<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

export class InspectionClient {
  readonly socket: Socket;
  private device?: Device;
  private sendTransport?: Transport;
  private recvTransport?: Transport;
  readonly producers = new Map<string, Producer>();
  readonly consumers = new Map<string, { consumer: Consumer; info: ProducerInfo }>();
  joined?: JoinResult;

  constructor(
    readonly sessionId: string,
    url = '/',
  ) {
    // Same origin: the session cookie authenticates the connection.
    this.socket = io(url, { transports: ['websocket'], withCredentials: true });
  }

  request<T>(event: string, message: Record<string, unknown>, timeoutMs = 15_000): Promise<T> {
    return (this.socket.timeout(timeoutMs).emitWithAck(event, { sessionId: this.sessionId, ...message }) as Promise<Reply<T>>).then((reply) => {
      if (!reply.ok) throw new SignallingError(reply.error.code, reply.error.message);
      return reply.data;
    });
  }

  async join(): Promise<JoinResult> {
    const joined = await this.request<JoinResult>('session:join', {});
    this.joined = joined;
    this.device = new Device();
    await this.device.load({ routerRtpCapabilities: joined.rtpCapabilities });
    return joined;
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

  /** Receives one producer of the session; the returned track can be attached to a media element. */
  async subscribe(info: ProducerInfo): Promise<Consumer> {
    const transport = await this.transport('recv');
    const params = await this.request<{ id: string; producerId: string; kind: 'audio' | 'video'; rtpParameters: never }>('media:consume', {
      transportId: transport.id,
      producerId: info.producerId,
      rtpCapabilities: this.device!.rtpCapabilities,
    });
    const consumer = await transport.consume({ id: params.id, producerId: params.producerId, kind: params.kind, rtpParameters: params.rtpParameters });
    this.consumers.set(consumer.id, { consumer, info });
    await this.request('media:setConsumerPaused', { consumerId: consumer.id, paused: false });
    return consumer;
  }

  sendCommand(preset: string, params?: Record<string, string | number>) {
    return this.request<TimelineEvent>('session:command', { preset, params });
  }

  acknowledge(commandId: number) {
    return this.request<TimelineEvent>('session:acknowledge', { commandId });
  }

  snapshot(producerId: string) {
    return this.request<TimelineEvent>('session:snapshot', { producerId });
  }

  /** Listens to a server event; returns the function that stops listening. */
  on<T>(event: string, handler: (payload: T) => void): () => void {
    this.socket.on(event, handler);
    return () => void this.socket.off(event, handler);
  }

  /** Sends another track in place of a producer's (the phone's other camera) without renegotiating. */
  async replaceTrack(producerId: string, track: MediaStreamTrack): Promise<void> {
    const producer = this.producers.get(producerId);
    if (!producer) throw new SignallingError('not_found', 'No such stream');
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
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.sendTransport = undefined;
    this.recvTransport = undefined;
  }

  close() {
    this.resetMedia();
    this.socket.close();
  }

  private async transport(direction: 'send' | 'recv'): Promise<Transport> {
    const existing = direction === 'send' ? this.sendTransport : this.recvTransport;
    if (existing) return existing;
    const params = await this.request<{ id: string; iceParameters: never; iceCandidates: never; dtlsParameters: never }>('media:createTransport', { direction });
    const options = { ...params, iceServers: this.joined?.iceServers ?? [] };
    const transport = direction === 'send' ? this.device!.createSendTransport(options) : this.device!.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.request('media:connectTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.request<{ producerId: string }>('media:produce', { transportId: transport.id, kind, rtpParameters, label: String(appData.label ?? kind) })
          .then(({ producerId }) => callback({ id: producerId }), errback);
      });
      this.sendTransport = transport;
    } else {
      this.recvTransport = transport;
    }
    return transport;
  }
}
