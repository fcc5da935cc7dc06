/**
 * Where media listens and what it announces. The only place that builds mediasoup listen options, so a
 * mediasoup upgrade (3.13+ renames listenIp/listenIps to listenInfo/listenInfos) changes one file.
 */
import dgram from 'node:dgram';

export interface MediaNetwork {
  /** The address WebRTC transports listen on (0.0.0.0 to accept phones from the network). */
  listenIp: string;
  /** The address clients are told to send to when listenIp is not reachable as is (NAT, 0.0.0.0). */
  announcedIp?: string;
  /** The address other nodes send piped media to; unset: announcedIp, else listenIp (loopback for 0.0.0.0). */
  pipeIp?: string;
}

/** Where this node's pipe transports are reached by other nodes. */
export function pipeAddress(net: MediaNetwork): string {
  return net.pipeIp ?? net.announcedIp ?? (net.listenIp === '0.0.0.0' || net.listenIp === '::' ? LOOPBACK : net.listenIp);
}

/** Pipe transports between nodes listen where WebRTC does and announce the pipe address. */
export function pipeListenOptions(net: MediaNetwork) {
  const ip = pipeAddress(net);
  return { listenIp: { ip: net.listenIp, announcedIp: ip === net.listenIp ? undefined : ip } };
}

export function webRtcListenOptions(net: MediaNetwork) {
  return { listenIps: [{ ip: net.listenIp, announcedIp: net.announcedIp }] };
}

/** Plain RTP between mediasoup and local ffmpeg processes always stays on loopback. */
export const LOOPBACK = '127.0.0.1';
export function plainListenOptions() {
  return { listenIp: { ip: LOOPBACK } };
}

/** Two consecutive free UDP ports on loopback (RTP on an even port, RTCP on the next), for ffmpeg to bind. */
export async function freeUdpPortPair(): Promise<{ rtpPort: number; rtcpPort: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const rtp = await bindUdp(0);
    const port = rtp.address().port;
    if (port % 2 !== 0 || port >= 65535) {
      rtp.close();
      continue;
    }
    try {
      const rtcp = await bindUdp(port + 1);
      rtp.close();
      rtcp.close();
      return { rtpPort: port, rtcpPort: port + 1 };
    } catch {
      rtp.close();
    }
  }
  throw new Error('no free UDP port pair on loopback');
}

function bindUdp(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, LOOPBACK, () => resolve(socket));
  });
}
