/**
 * A real video stream for the media benchmarks, replayed from memory: ffmpeg encodes a few seconds of test
 * pattern to ~1 Mbit/s VP8 RTP once, the packets are replayed in a loop (so encoding costs nothing during a
 * run), and receiver threads count what arrives. Latency: every frame's send time is written to shared
 * memory under its RTP timestamp and the receiver looks it up; `baseline` sends the same stream straight
 * over loopback, the figure every run compares with.
 */
import dgram from 'node:dgram';
import { Worker as Thread } from 'node:worker_threads';
import { startFfmpeg } from '../../media/ffmpeg.ts';

export const PAYLOAD_TYPE = 101;
export const SSRC = 11111111;
const TICKS_PER_FRAME = 3600; // 25 fps at 90 kHz
const SLOTS = 4096;
/** Send time (ns) of each frame, by (RTP timestamp / TICKS_PER_FRAME) % SLOTS, shared with the receiver. */
const sendTimes = new BigInt64Array(new SharedArrayBuffer(SLOTS * 8));

/** The receiver runs on its own thread: counts RTP packets (not RTCP) and streams, samples latency. */
const receiverSource = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const sendTimes = new BigInt64Array(workerData.sendTimes);
const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 64 * 1024 * 1024 });
let received = 0; let latencies = []; const ssrcs = new Set();
socket.on('message', (msg) => {
  const pt = msg[1] & 0x7f;
  if (pt >= 72 && pt <= 76) return; // RTCP
  received++;
  ssrcs.add(msg.readUInt32BE(8));
  if (received % 5 === 0 && latencies.length < 50000) {
    const slot = Math.floor(msg.readUInt32BE(4) / ${TICKS_PER_FRAME}) % ${SLOTS};
    const sent = sendTimes[slot];
    if (sent > 0n) latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
  }
});
socket.bind(0, '127.0.0.1', () => parentPort.postMessage({ port: socket.address().port }));
parentPort.on('message', (m) => {
  if (m === 'take') { parentPort.postMessage({ received, latencies, streams: ssrcs.size }); received = 0; latencies = []; ssrcs.clear(); }
});
`;

export function startReceiver(): Promise<{ port: number; take: () => Promise<{ received: number; latencies: number[]; streams: number }>; stop: () => Promise<number> }> {
  const thread = new Thread(receiverSource, { eval: true, workerData: { sendTimes: sendTimes.buffer } });
  return new Promise((resolve) => {
    thread.once('message', ({ port }) =>
      resolve({
        port,
        take: () =>
          new Promise((r) => {
            thread.once('message', r);
            thread.postMessage('take');
          }),
        stop: () => thread.terminate(),
      }),
    );
  });
}

export interface CapturedPacket {
  at: number;
  data: Buffer;
}

/** Encodes a few seconds of test pattern to VP8 RTP with ffmpeg and keeps the packets with their timing. */
export async function captureStream(seconds: number): Promise<CapturedPacket[]> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const packets: CapturedPacket[] = [];
  socket.on('message', (data) => {
    const pt = data[1]! & 0x7f;
    if (pt === PAYLOAD_TYPE) packets.push({ at: performance.now(), data: Buffer.from(data) });
  });
  const ffmpeg = startFfmpeg([
    '-re',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=640x360:rate=25`,
    '-t',
    String(seconds),
    '-c:v',
    'libvpx',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    '-b:v',
    '1M',
    '-minrate',
    '1M',
    '-maxrate',
    '1M',
    '-g',
    '50',
    '-f',
    'rtp',
    '-payload_type',
    String(PAYLOAD_TYPE),
    '-ssrc',
    String(SSRC),
    `rtp://127.0.0.1:${socket.address().port}?pkt_size=1200`,
  ]);
  await ffmpeg.exited;
  socket.close();
  const t0 = packets[0]?.at ?? 0;
  return packets.map((p) => ({ at: p.at - t0, data: p.data }));
}

/** Replays the captured stream in a loop with continuous sequence numbers and timestamps. */
export function startSender(port: number, packets: CapturedPacket[]) {
  const socket = dgram.createSocket('udp4');
  const loopMs = (packets.at(-1)?.at ?? 0) + 40;
  let index = 0;
  let loop = 0;
  let seq = 0;
  let frame = 0;
  let lastOriginalTs = -1;
  let sent = 0;
  let bytes = 0;
  const started = performance.now();
  let stopped = false;
  const pump = () => {
    if (stopped) return;
    const now = performance.now() - started;
    while (!stopped && loop * loopMs + packets[index]!.at <= now) {
      const packet = Buffer.from(packets[index]!.data);
      const originalTs = packet.readUInt32BE(4);
      if (originalTs !== lastOriginalTs) {
        lastOriginalTs = originalTs;
        frame += 1;
        sendTimes[frame % SLOTS] = process.hrtime.bigint();
      }
      packet.writeUInt16BE(++seq & 0xffff, 2);
      packet.writeUInt32BE((frame * TICKS_PER_FRAME) >>> 0, 4);
      socket.send(packet, port, '127.0.0.1');
      sent += 1;
      bytes += packet.length;
      index += 1;
      if (index === packets.length) {
        index = 0;
        loop += 1;
        lastOriginalTs = -1;
      }
    }
    setTimeout(pump, 2);
  };
  pump();
  return {
    sent: () => sent,
    bytes: () => bytes,
    stop: () => {
      stopped = true;
      socket.close();
    },
  };
}

export const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

export async function baseline(packets: CapturedPacket[]): Promise<{ p50: number; p95: number }> {
  const receiver = await startReceiver();
  const sender = startSender(receiver.port, packets);
  await new Promise((r) => setTimeout(r, 3000));
  const { latencies } = await receiver.take();
  sender.stop();
  await receiver.stop();
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}
