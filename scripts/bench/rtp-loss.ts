/**
 * Packet loss of one stream of a room as a consumer receives it: a plain RTP consumer sends to a UDP socket
 * here (with a large receive buffer, so this side loses nothing itself), which counts packets and gaps in
 * their sequence numbers over a window; the producer's own count of packets lost on the way into the SFU is
 * read from its stats over the same window. Used by the keyframe-burst test and scripts/bench/cameras.ts.
 */
import dgram from 'node:dgram';
import { freeUdpPortPair } from '../../media/network.ts';
import type { Room } from '../../media/index.ts';

export interface LossReport {
  /** Packets the consumer received in the window, and those missing from the sequence. */
  received: number;
  lost: number;
  /** lost / (received + lost) */
  loss: number;
  /** What the SFU's producer counted as lost coming in over the window (from the camera ingest). */
  producerLost: number;
  producerPackets: number;
  bitrate: number;
}

export async function measureConsumerLoss(room: Room, producerId: string, windowMs: number, o: { settleMs?: number } = {}): Promise<LossReport> {
  const ports = await freeUdpPortPair();
  const rtp = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
  const rtcp = dgram.createSocket('udp4');
  await Promise.all([new Promise<void>((r) => rtp.bind(ports.rtpPort, '127.0.0.1', r)), new Promise<void>((r) => rtcp.bind(ports.rtcpPort, '127.0.0.1', r))]);
  let counting = false;
  let received = 0;
  let bytes = 0;
  let first: number | null = null;
  let last = 0;
  let ssrc: number | null = null;
  rtp.on('message', (packet) => {
    // The stream's own packets only (not RTCP, not another SSRC such as a probation or RTX stream).
    if (!counting || packet.length < 12 || packet.readUInt32BE(8) !== ssrc) return;
    // Extended sequence number: 16 bits on the wire, unwrapped here.
    const seq = packet.readUInt16BE(2);
    const extended = first === null ? seq : unwrap(seq, last);
    first ??= extended;
    last = Math.max(last, extended);
    received++;
    bytes += packet.length;
  });
  const { transport, consumer } = await room.createPlainEgress(producerId, ports);
  ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc ?? null;
  const { producer } = room.producer(producerId);
  try {
    await consumer.resume();
    await consumer.requestKeyFrame().catch(() => {});
    await new Promise((r) => setTimeout(r, o.settleMs ?? 1000));
    const before = ((await producer.getStats())[0] ?? {}) as { packetsLost?: number; packetCount?: number };
    counting = true;
    await new Promise((r) => setTimeout(r, windowMs));
    counting = false;
    const after = ((await producer.getStats())[0] ?? {}) as { packetsLost?: number; packetCount?: number };
    const expected = first === null ? 0 : last - first + 1;
    const lost = Math.max(0, expected - received);
    return {
      received,
      lost,
      loss: expected ? lost / expected : 0,
      producerLost: (after.packetsLost ?? 0) - (before.packetsLost ?? 0),
      producerPackets: (after.packetCount ?? 0) - (before.packetCount ?? 0),
      bitrate: (bytes * 8) / (windowMs / 1000),
    };
  } finally {
    transport.close();
    rtp.close();
    rtcp.close();
  }
}

function unwrap(seq: number, lastExtended: number): number {
  const cycle = lastExtended - (lastExtended & 0xffff);
  let candidate = cycle + seq;
  if (candidate < lastExtended - 0x8000) candidate += 0x10000;
  else if (candidate > lastExtended + 0x8000) candidate -= 0x10000;
  return candidate;
}
