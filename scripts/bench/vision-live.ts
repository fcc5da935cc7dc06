/**
 * End-to-end latency of live vision, as `npm start` runs it (embedded database, its own Redis): K simulated
 * cameras whose every frame carries the wall-clock time it left the camera (a 32-bit barcode of the
 * milliseconds, big enough to survive H.264), streamed as a 640x360 H.264 camera at 25 fps, ingested,
 * routed through the SFU, decoded by the frame tap, counted by the inference pool, checked by the rules and
 * pushed to an officer's socket. For each K it prints p50/p95 from the frame leaving the camera to its
 * result at the officer, and where the time goes:
 *   camera→tap  encoding, network, ingest, SFU and decoding (read from the barcode by a second frame tap
 *               on the first camera's stream, beside the analysis one; the two decode alike);
 *   wait        the frame waiting for a free inference worker;
 *   infer       the worker's inference (the whole batch it ran in);
 *   ipc         to and from the worker process;
 *   rules       zones, rules and context after the result;
 *   push        socket.io to the officer's browser socket.
 * A frame's end-to-end time is its tap→officer time plus the camera→tap delay measured nearest in time.
 *
 *   npm run bench:vision-live [-- --cameras 1,2,4,6 --seconds 15 --count-model VERSION]
 * (`--count-model`: an installed counting version to make active first, e.g. count-ab-r6-flip; the default otherwise)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FrameTap } from '../../media/index.ts';
import { freeUdpPortPair } from '../../media/network.ts';
import { startBenchFarm } from './bench-farm.ts';
import { treeCpuSeconds } from './process-tree.ts';

const { values } = parseArgs({ options: { cameras: { type: 'string', default: '1,2,4,6' }, seconds: { type: 'string', default: '15' }, 'count-model': { type: 'string' } } });
const STEPS = values.cameras.split(',').map(Number);
const WINDOW_MS = Number(values.seconds) * 1000;
const WIDTH = 640;
const HEIGHT = 360;
const FPS = 25;
/** The barcode: 32 bits, 8 columns by 4 rows of blocks over the whole picture, most significant first. */
const COLS = 8;
const ROWS = 4;

/** A camera that paints the time each frame leaves it, encoded as an IP camera's sub-stream. */
function startClockCamera(to: string): { child: ChildProcess; stop: () => void } {
  const child = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${WIDTH}x${HEIGHT}`, '-r', String(FPS), '-i', '-'],
      ...['-an', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-x264-params', 'repeat-headers=1'],
      ...['-b:v', '1000k', '-g', String(FPS * 2), '-keyint_min', String(FPS * 2), '-bf', '0', '-f', 'mpegts', `${to}?pkt_size=1316`],
    ],
    { stdio: ['pipe', 'ignore', 'inherit'] },
  );
  const frame = Buffer.alloc(WIDTH * HEIGHT * 3);
  const timer = setInterval(() => {
    if (!child.stdin?.writable || child.stdin.writableLength > frame.length * 2) return; // the encoder is behind: skip
    paintTime(frame, Date.now());
    child.stdin.write(frame);
  }, 1000 / FPS);
  child.stdin?.on('error', () => {});
  return {
    child,
    stop: () => {
      clearInterval(timer);
      child.stdin?.end();
      child.kill('SIGKILL');
    },
  };
}

function paintTime(frame: Buffer, ms: number): void {
  const bits = ms >>> 0;
  const bw = WIDTH / COLS;
  const bh = HEIGHT / ROWS;
  for (let y = 0; y < HEIGHT; y++) {
    const row = Math.floor(y / bh);
    for (let c = 0; c < COLS; c++) {
      const on = (bits >>> (31 - (row * COLS + c))) & 1;
      frame.fill(on ? 255 : 0, (y * WIDTH + c * bw) * 3, (y * WIDTH + (c + 1) * bw) * 3);
    }
  }
}

/** The time painted in a decoded frame (block centres, any size), rebuilt near `around`. */
function readTime(data: Uint8Array, width: number, height: number, around: number): number {
  let bits = 0;
  for (let i = 0; i < COLS * ROWS; i++) {
    const x = Math.floor(((i % COLS) + 0.5) * (width / COLS));
    const y = Math.floor((Math.floor(i / COLS) + 0.5) * (height / ROWS));
    bits = ((bits << 1) | (data[(y * width + x) * 3 + 1]! > 127 ? 1 : 0)) >>> 0;
  }
  // The low 32 bits of the milliseconds: the full time is the one nearest to now.
  const high = around - (around >>> 0);
  const candidates = [high + bits, high + bits - 2 ** 32, high + bits + 2 ** 32];
  return candidates.reduce((a, b) => (Math.abs(b - around) < Math.abs(a - around) ? b : a));
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-bench-vision-'));
const { platform, services, adminP, site, officer: socket } = await startBenchFarm(dataDir);
type Received = { cameraId: string; capturedAt: number; recvAt: number; latencyMs: number; timing?: { waitMs: number; inferMs: number; handledMs: number } };
let received: Received[] = [];
socket.on('vision:result', (r: { cameraId: string; capturedAt: string; latencyMs: number; timing?: Received['timing'] }) => {
  if (received.length < 100_000) received.push({ cameraId: r.cameraId, capturedAt: Date.parse(r.capturedAt), recvAt: Date.now(), latencyMs: r.latencyMs, timing: r.timing });
});

const countModel = values['count-model'] ? (await services.models.activate(adminP, values['count-model'])).active : (await services.models.list(adminP)).count.active;
const cameras: Array<{ id: string; stop: () => void; pid: number }> = [];
console.log(
  `platform up (PGlite, own Redis), counting with ${countModel}; clock cameras ${WIDTH}x${HEIGHT} H.264 ${FPS} fps, counted at 5 fps; ${os.cpus().length} cores; ${WINDOW_MS / 1000} s windows`,
);
console.log('cameras  CPU    results/s  end-to-end p50/p95 | camera→tap   wait      infer     ipc       rules     push   (p50/p95 ms)');
const rows: Array<{ k: number; p95: number }> = [];
try {
  for (const k of STEPS) {
    while (cameras.length < k) {
      const { rtpPort } = await freeUdpPortPair();
      const camera = startClockCamera(`udp://127.0.0.1:${rtpPort}`);
      const { id } = await services.admin.createCamera(adminP, {
        siteId: site.id,
        name: `Clock ${cameras.length + 1}`,
        sourceUrl: `udp://127.0.0.1:${rtpPort}`,
        supervision: true,
        analysis: ['count'],
      });
      cameras.push({ id, stop: camera.stop, pid: camera.child.pid! });
    }
    const settleUntil = Date.now() + 60_000;
    while (Date.now() < settleUntil && platform.media.supervision.states().filter((s) => s.online).length < k) await sleep(500);
    await sleep(6000);
    // The second tap, on the first camera: camera→tap delays over the window.
    const feed = platform.media.supervision.feed(cameras[0]!.id)!;
    const tap = await FrameTap.open(feed.room, feed.lowProducer, { width: WIDTH / 4, height: HEIGHT / 4, fps: 5 }); // small: the barcode's blocks are large, and this tap's work is the bench's, not the platform's
    const delays: Array<{ at: number; ms: number }> = [];
    const reading = (async () => {
      while (!tap.closed) {
        const frame = await tap.next(2000);
        if (frame) delays.push({ at: frame.capturedAt, ms: frame.capturedAt - readTime(frame.data, frame.width, frame.height, frame.capturedAt) });
      }
    })();
    await sleep(1000);
    received = [];
    const cpuBefore = treeCpuSeconds(process.pid, new Set(cameras.map((c) => c.pid)));
    const started = Date.now();
    await sleep(WINDOW_MS);
    const elapsed = (Date.now() - started) / 1000;
    const cpu = (treeCpuSeconds(process.pid, new Set(cameras.map((c) => c.pid))) - cpuBefore) / elapsed / os.cpus().length;
    tap.close('measured');
    await reading;
    const window = received.filter((r) => r.timing);
    const nearestDelay = (at: number) => delays.reduce((best, d) => (Math.abs(d.at - at) < Math.abs(best.at - at) ? d : best), delays[0]!).ms;
    const stage = (f: (r: Received) => number) => pp(window.map(f));
    const decode = pp(delays.map((d) => d.ms));
    const e2e = pp(window.map((r) => r.recvAt - r.capturedAt + nearestDelay(r.capturedAt)));
    const wait = stage((r) => r.timing!.waitMs);
    const infer = stage((r) => r.timing!.inferMs);
    const ipc = stage((r) => r.latencyMs - r.timing!.handledMs - r.timing!.waitMs - r.timing!.inferMs);
    const rules = stage((r) => r.timing!.handledMs);
    const push = stage((r) => r.recvAt - r.capturedAt - r.latencyMs);
    rows.push({ k, p95: e2e[1] });
    console.log(
      `${String(k).padStart(4)}   ${(cpu * 100).toFixed(0).padStart(3)} %  ${(window.length / elapsed).toFixed(1).padStart(6)}     ${fmt(e2e).padStart(11)}     | ${[decode, wait, infer, ipc, rules, push].map((x) => fmt(x).padEnd(9)).join(' ')}`,
    );
    if (delays.length === 0 || window.length === 0) console.log('   (no frames measured: is the camera live?)');
  }
} finally {
  const held = rows.filter((r) => r.p95 < 500);
  console.log(`largest K with end-to-end p95 < 500 ms: ${held.at(-1)?.k ?? 0}`);
  socket.close();
  for (const c of cameras) c.stop();
  await platform.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

function pp(xs: number[]): [number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
  return [Math.round(at(0.5)), Math.round(at(0.95))];
}

function fmt([p50, p95]: [number, number]): string {
  return `${p50}/${p95}`;
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
