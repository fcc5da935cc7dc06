/** One participant of a room: owns its WebRTC transports, producers and consumers, and closes them. */
import type { Consumer } from 'mediasoup/node/lib/Consumer.js';
import type { Producer } from 'mediasoup/node/lib/Producer.js';
import type { WebRtcTransport } from 'mediasoup/node/lib/WebRtcTransport.js';

/** What a participant may do with media. Supervisors watch silently. */
export type PeerRole = 'enterprise' | 'officer' | 'supervisor';

export class Peer {
  readonly transports = new Map<string, WebRtcTransport>();
  readonly producers = new Map<string, Producer>();
  readonly consumers = new Map<string, Consumer>();
  closed = false;

  constructor(
    readonly id: string,
    readonly userId: string,
    readonly displayName: string,
    readonly role: PeerRole,
  ) {}

  get canProduce(): boolean {
    return this.role !== 'supervisor';
  }

  transport(id: string): WebRtcTransport {
    const t = this.transports.get(id);
    if (!t) throw new MediaError('transport_not_found', `No transport ${id} for this participant`);
    return t;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Closing a transport closes its producers and consumers.
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
  }
}

export type MediaErrorCode =
  | 'transport_not_found'
  | 'producer_not_found'
  | 'camera_silent'
  | 'consumer_not_found'
  | 'cannot_consume'
  | 'not_allowed'
  | 'room_closed'
  | 'too_many'
  /** mediasoup refused the RTP/DTLS parameters a client sent. */
  | 'invalid_parameters';

export class MediaError extends Error {
  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
