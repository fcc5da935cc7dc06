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
import { parseArgs } from 'node:util';
import * as mediasoup from 'mediasoup';
import type { Consumer } from 'mediasoup/node/lib/Consumer.js';
import { routerCodecs } from '../../media/codecs.ts';
import { baseline, captureStream, PAYLOAD_TYPE, percentile, SSRC, startReceiver, startSender } from './rtp-replay.ts';

const { values } = parseArgs({ options: { max: { type: 'string', default: '1000' }, step: { type: 'string', default: '50' }, seconds: { type: 'string', default: '5' } } });
const MAX = Number(values.max);
const STEP = Number(values.step);
const WINDOW_MS = Number(values.seconds) * 1000;
const RECEIVERS = 4;

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
