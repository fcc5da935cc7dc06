/**
 * How many supervised farm cameras the whole platform holds on this machine, as `npm start` runs it
 * (embedded database, its own Redis): K simulated IP cameras, each a 1080p H.264 main stream at 4 Mbit/s,
 * 25 fps, a keyframe every 2 s, and a 640x360 sub-stream at 500 kbit/s (both encoded once, then streamed
 * as they are by each simulated camera, so encoding costs nothing during the run), all counting animals on
 * their sub-stream. K grows step by step; for each it prints the
 * platform's CPU (its process and every child: ingests, frame taps, mediasoup and inference workers) and
 * memory, the packet loss of one camera at a consumer and into the SFU, the frames analysed per second,
 * and p50/p95 from a frame leaving the frame tap (decoded) to its result arriving at an officer's socket.
 * The largest K with p95 < 1 s, every camera analysed and no loss is the answer.
 *
 *   npm run bench:cameras [-- --max 16 --step 2 --seconds 15] [--main-only]
 *
 * `--main-only` registers the cameras without their sub-stream: the analysis then decodes the main stream
 * (what a camera with one input costs).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchFarm } from './bench-farm.ts';
import { freeUdpPortPair } from '../../media/network.ts';
import { encodeCameraClip, startCameraSimulator } from '../camera-simulator.ts';
import { measureConsumerLoss } from './rtp-loss.ts';
import { treeCpuSeconds as cpuOf, treeRssMb as rssOf } from './process-tree.ts';

const { values } = parseArgs({
  options: { max: { type: 'string', default: '16' }, step: { type: 'string', default: '2' }, seconds: { type: 'string', default: '15' }, 'main-only': { type: 'boolean', default: false } },
});
const WITH_SUB = !values['main-only'];
const MAX = Number(values.max);
const STEP = Number(values.step);
const WINDOW_MS = Number(values.seconds) * 1000;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-bench-cameras-'));
console.log(`encoding the 1080p camera clip once (4 Mbit/s, 25 fps, 2 s GOP)...`);
const clip = await encodeCameraClip(path.join(dataDir, 'main-1080p.mp4'), { width: 1920, height: 1080, fps: 25, bitrate: '4000k', gopSeconds: 2, seconds: 20 });
const subClip = WITH_SUB ? await encodeCameraClip(path.join(dataDir, 'sub-360p.mp4'), { width: 640, height: 360, fps: 25, bitrate: '500k', gopSeconds: 2, seconds: 20 }) : null;
const { platform, services, adminP, site, officer: socket } = await startBenchFarm(dataDir);
let results: Array<{ cameraId: string; latencyMs: number }> = [];
socket.on('vision:result', (r: { cameraId: string; latencyMs: number; capturedAt: string }) => {
  if (results.length < 100_000) results.push({ cameraId: r.cameraId, latencyMs: Date.now() - new Date(r.capturedAt).getTime() });
});

const simulators: Array<ReturnType<typeof startCameraSimulator>> = [];
const cameraIds: string[] = [];
const rows: Array<{ k: number; cpu: number; rssMb: number; loss: number; producerLoss: number; fps: number; analysed: number; p50: number; p95: number }> = [];
console.log(
  `platform up (PGlite, own Redis); cameras ${WITH_SUB ? 'with a 640x360 sub-stream analysed' : 'with their main stream only, analysed'}; step ${STEP} to ${MAX}, ${WINDOW_MS / 1000} s windows`,
);
try {
  for (let k = STEP; k <= MAX; k += STEP) {
    while (cameraIds.length < k) {
      const { rtpPort } = await freeUdpPortPair();
      simulators.push(startCameraSimulator({ to: `udp://127.0.0.1:${rtpPort}`, file: clip, copy: true }));
      const sub = subClip ? await freeUdpPortPair() : null;
      if (sub) simulators.push(startCameraSimulator({ to: `udp://127.0.0.1:${sub.rtpPort}`, file: subClip!, copy: true }));
      const camera = await services.admin.createCamera(adminP, {
        siteId: site.id,
        name: `Pen ${cameraIds.length + 1}`,
        sourceUrl: `udp://127.0.0.1:${rtpPort}`,
        subSourceUrl: sub ? `udp://127.0.0.1:${sub.rtpPort}` : null,
        supervision: true,
        analysis: ['count'],
      });
      cameraIds.push(camera.id);
    }
    // Settle: every camera live and analysed.
    const settleUntil = Date.now() + 60_000;
    while (Date.now() < settleUntil && platform.media.supervision.states().filter((s) => s.online).length < k) await sleep(500);
    await sleep(8000);
    const cpuBefore = cpuOf(process.pid, notThePlatform());
    const at = Date.now();
    results = [];
    const first = platform.media.supervision.feed(cameraIds[0]!);
    const loss = first ? measureConsumerLoss(first.room, first.producer.producerId, WINDOW_MS - 1500, { settleMs: 500 }) : null;
    await sleep(WINDOW_MS);
    const elapsed = (Date.now() - at) / 1000;
    const cpu = (cpuOf(process.pid, notThePlatform()) - cpuBefore) / elapsed / os.cpus().length;
    const lossReport = await loss;
    const latencies = results.map((r) => r.latencyMs).sort((a, b) => a - b);
    const row = {
      k,
      cpu,
      rssMb: rssOf(process.pid, notThePlatform()),
      loss: lossReport?.loss ?? 1,
      producerLoss: lossReport ? lossReport.producerLost / Math.max(1, lossReport.producerPackets) : 1,
      fps: results.length / elapsed,
      analysed: new Set(results.map((r) => r.cameraId)).size,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
    };
    rows.push(row);
    console.log(
      `${String(k).padStart(3)} cameras  CPU ${(cpu * 100).toFixed(0).padStart(3)} % of ${os.cpus().length} cores  RSS ${row.rssMb.toFixed(0).padStart(5)} MB  loss at a consumer ${(row.loss * 100).toFixed(2)} %  into the SFU ${(row.producerLoss * 100).toFixed(2)} %  analysed ${row.fps.toFixed(1)} frames/s from ${row.analysed}/${k} cameras  tap→officer p50 ${row.p50.toFixed(0)} ms p95 ${row.p95.toFixed(0)} ms`,
    );
    if (row.p95 >= 1000 || row.analysed < k || row.loss >= 0.005) {
      console.log(`stopping: ${row.p95 >= 1000 ? 'p95 ≥ 1 s' : row.analysed < k ? 'not every camera analysed' : 'loss ≥ 0.5 %'}`);
      break;
    }
  }
} finally {
  const held = rows.filter((r) => r.p95 < 1000 && r.analysed === r.k && r.loss < 0.005);
  console.log(`largest K held (p95 < 1 s, every camera analysed, loss < 0.5 %): ${held.at(-1)?.k ?? 0}`);
  socket.close();
  await Promise.all(simulators.map((s) => s.stop()));
  await platform.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The platform: this process and its children, but the simulated cameras. */
function notThePlatform() {
  return new Set(simulators.map((s) => s.child.pid!));
}
