/**
 * How many video consumers one mediasoup worker forwards on this machine.
 *
 * A real ~1 Mbit/s VP8 stream (encoded once by ffmpeg, captured, then replayed from memory so encoding
 * costs nothing during the run) enters a plain transport; N plain-transport consumers send it back to a
 * receiver thread on loopback. N grows step by step until the SFU's own loss (its consumers' packet
 * counters against what its producer received) exceeds 1 % or the worker's CPU saturates; what the
 * receiving threads managed to read is printed beside it (on 2 cores they compete with the worker). Latency: every frame's send time is written to shared memory under its RTP timestamp, the
 * receiver looks it up; the same stream sent straight over loopback is the baseline, measured here.
 *
 *   npm run bench:sfu [-- --max 1000 --step 50 --seconds 5]
 */
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { Worker as Thread } from 'node:worker_threads';
import * as mediasoup from 'mediasoup';
import type { Consumer } from 'mediasoup/node/lib/Consumer.js';
import { routerCodecs } from '../../media/codecs.ts';
import { startFfmpeg } from '../../media/ffmpeg.ts';

const { values } = parseArgs({ options: { max: { type: 'string', default: '1000' }, step: { type: 'string', default: '50' }, seconds: { type: 'string', default: '5' } } });
const MAX = Number(values.max);
const STEP = Number(values.step);
const WINDOW_MS = Number(values.seconds) * 1000;
const PAYLOAD_TYPE = 101;
const SSRC = 11111111;
const RECEIVERS = 4;
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

function startReceiver(): Promise<{ port: number; take: () => Promise<{ received: number; latencies: number[]; streams: number }>; stop: () => Promise<number> }> {
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

interface CapturedPacket {
  at: number;
  data: Buffer;
}

/** Encodes a few seconds of test pattern to VP8 RTP with ffmpeg and keeps the packets with their timing. */
async function captureStream(seconds: number): Promise<CapturedPacket[]> {
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
function startSender(port: number, packets: CapturedPacket[]) {
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

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function baseline(packets: CapturedPacket[]): Promise<{ p50: number; p95: number }> {
  const receiver = await startReceiver();
  const sender = startSender(receiver.port, packets);
  await new Promise((r) => setTimeout(r, 3000));
  const { latencies } = await receiver.take();
  sender.stop();
  await receiver.stop();
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

async function main() {
  const packets = await captureStream(8);
  const mbits = (packets.reduce((n, p) => n + p.data.length, 0) * 8) / (packets.at(-1)!.at / 1000) / 1e6;
  console.log(
    `SFU bench: one worker, VP8 ${mbits.toFixed(2)} Mbit/s (${Math.round(packets.length / (packets.at(-1)!.at / 1000))} packets/s) in, consumers up to ${MAX} in steps of ${STEP}, ${WINDOW_MS / 1000} s per step`,
  );
  const direct = await baseline(packets);
  console.log(`baseline (loopback, no SFU): latency p50 ${direct.p50.toFixed(3)} ms, p95 ${direct.p95.toFixed(3)} ms`);

  const worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 43000, rtcMaxPort: 49999 });
  const router = await worker.createRouter({ mediaCodecs: routerCodecs });
  const ingest = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
  const producer = await ingest.produce({
    kind: 'video',
    rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: PAYLOAD_TYPE, clockRate: 90000 }], encodings: [{ ssrc: SSRC }] },
  });
  // Several receiving sockets: one socket's buffer (net.core.rmem_max) overflows under the fan-out bursts.
  const receivers = await Promise.all(Array.from({ length: RECEIVERS }, () => startReceiver()));
  const takeAll = async () => {
    const parts = await Promise.all(receivers.map((r) => r.take()));
    return { received: parts.reduce((n, p) => n + p.received, 0), latencies: parts.flatMap((p) => p.latencies), streams: parts.reduce((n, p) => n + p.streams, 0) };
  };
  const sender = startSender(ingest.tuple.localPort, packets);

  const rows: Array<{ consumers: number; loss: number; receiverLoss: number; cpu: number; p50: number; p95: number }> = [];
  let consumers = 0;
  const outgoing: Consumer[] = [];
  // Packets the SFU itself sent (its consumers' counters), apart from what the receiving side managed to read.
  const sfuSent = async () => (await Promise.all(outgoing.map((c) => c.getStats()))).reduce((n, [s]) => n + (s?.packetCount ?? 0), 0);
  const producerReceived = async () => (await producer.getStats())[0]?.packetCount ?? 0;
  let lastUsage = await worker.getResourceUsage();
  let lastAt = Date.now();
  let limit = '';
  while (consumers < MAX) {
    const target = consumers + STEP;
    for (; consumers < target; consumers++) {
      const out = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
      await out.connect({ ip: '127.0.0.1', port: receivers[consumers % RECEIVERS]!.port });
      outgoing.push(await out.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities }));
    }
    // A new consumer starts at the next keyframe (every 2 s in this stream): let them all start.
    await new Promise((r) => setTimeout(r, 2500));
    await takeAll();
    const sentBefore = sender.sent();
    const bytesBefore = sender.bytes();
    const [sfuBefore, inBefore] = await Promise.all([sfuSent(), producerReceived()]);
    lastUsage = await worker.getResourceUsage();
    lastAt = Date.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const { received, latencies, streams } = await takeAll();
    const sent = sender.sent() - sentBefore;
    const [sfuAfter, inAfter] = await Promise.all([sfuSent(), producerReceived()]);
    const sfuLoss = Math.max(0, 1 - (sfuAfter - sfuBefore) / ((inAfter - inBefore) * consumers));
    if (streams < consumers) console.log(`  (only ${streams} of ${consumers} consumers delivered anything)`);
    const usage = await worker.getResourceUsage();
    const cpuMs = usage.ru_utime + usage.ru_stime - (lastUsage.ru_utime + lastUsage.ru_stime);
    const cpu = cpuMs / (Date.now() - lastAt);
    const expected = sent * consumers;
    const loss = Math.max(0, 1 - received / expected);
    const row = { consumers, loss: sfuLoss, receiverLoss: loss, cpu, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
    rows.push(row);
    console.log(
      `${String(consumers).padStart(5)} consumers  ${(((sender.bytes() - bytesBefore) * 8 * consumers) / (WINDOW_MS / 1000) / 1e6).toFixed(0).padStart(5)} Mbit/s offered out  SFU loss ${(sfuLoss * 100).toFixed(2).padStart(5)} %  received ${((1 - loss) * 100).toFixed(1).padStart(5)} %  worker CPU ${(cpu * 100).toFixed(0).padStart(3)} %  latency p50 ${row.p50.toFixed(2)} ms p95 ${row.p95.toFixed(2)} ms`,
    );
    if (sfuLoss > 0.01) {
      limit = `SFU loss above 1 % at ${consumers} consumers`;
      break;
    }
    if (cpu > 0.95) {
      limit = `worker CPU saturated at ${consumers} consumers`;
      break;
    }
  }
  sender.stop();
  await Promise.all(receivers.map((r) => r.stop()));
  worker.close();

  const good = rows.filter((r) => r.loss <= 0.01 && r.cpu <= 0.95);
  const best = good.at(-1);
  console.log('');
  console.log(`limit: ${limit || `reached --max ${MAX} without loss or saturation`}`);
  if (best) {
    console.log(`consumers forwarded by one worker within 1 % loss: ${best.consumers} (${(best.consumers / 500).toFixed(2)}x mediasoup's ~500 per worker)`);
    console.log(
      `added latency through the SFU at ${best.consumers} consumers: p50 ${(best.p50 - direct.p50).toFixed(2)} ms, p95 ${(best.p95 - direct.p95).toFixed(2)} ms (${(best.p50 / direct.p50).toFixed(1)}x the loopback baseline at p50)`,
    );
    const first = rows[0]!;
    console.log(`added latency at ${first.consumers} consumers: p50 ${(first.p50 - direct.p50).toFixed(2)} ms, p95 ${(first.p95 - direct.p95).toFixed(2)} ms`);
  }
}

await main();
