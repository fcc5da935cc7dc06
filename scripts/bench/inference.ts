/**
 * `npm run bench:inference [-- --seconds 8]`: on this machine,
 *  1. frames per second per task (count, plate, seal) through the pool with 1 and 2 workers, and the
 *     ratio of 2 to 1 (the baseline, measured in the same run);
 *  2. live counting: K simulated cameras each offering a new 640x360 frame every 200 ms (5 frames/s,
 *     no motion gating, worst case) for a few seconds; per K, captured-to-result latency p50/p95, the
 *     share of frames analysed, and whether the pool keeps up (p95 < 500 ms and >= 90 % analysed).
 * Prints the largest K that keeps up. Inputs are the generated scenes in tests/fixtures/vision.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { InferencePool, type RgbImage, type VisionTask } from '../../inference/index.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'fixtures', 'vision');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '8' }, frames: { type: 'string', default: '24' } } });
const trialSeconds = Number(values.seconds);
const framesPerTask = Number(values.frames);

async function frame(file: string, width?: number, height?: number): Promise<RgbImage> {
  let img = sharp(path.join(fixtures, file)).removeAlpha();
  if (width && height) img = img.resize(width, height, { fit: 'fill' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

const inputs: Record<VisionTask, RgbImage> = {
  count: await frame('pigs-pen.jpg', 640, 360),
  plate: await frame('plate-mainland.jpg'),
  seal: await frame('seal.jpg'),
};

console.log(`inference benchmark on ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'cpu'})`);
console.log('\n1. throughput (frames/s through the pool; count 640x360, plate and seal 960x540)');
const fps: Record<string, Record<number, number>> = {};
for (const workers of [1, 2]) {
  const pool = await InferencePool.start({ workers, warm: ['count', 'plate'] });
  for (const task of ['count', 'plate', 'seal'] as VisionTask[]) {
    // Warm-up, then as many frames in flight as workers.
    await pool.run(task, inputs[task]);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next++ < framesPerTask) await pool.run(task, inputs[task]);
      }),
    );
    const rate = framesPerTask / ((performance.now() - started) / 1000);
    (fps[task] ??= {})[workers] = rate;
  }
  await pool.close();
}
for (const [task, r] of Object.entries(fps)) {
  console.log(`  ${task.padEnd(6)} 1 worker ${r[1]!.toFixed(1).padStart(6)} fps   2 workers ${r[2]!.toFixed(1).padStart(6)} fps   ratio ${(r[2]! / r[1]!).toFixed(2)}x`);
}

console.log(`\n2. live counting, K cameras at 5 frames/s each, ${trialSeconds} s per K, 2 workers, batches of up to 4`);
const pool = await InferencePool.start({ workers: 2, warm: ['count'] });
let best = 0;
for (const k of [1, 2, 4, 6, 8, 12, 16, 24, 32]) {
  const streams = Array.from({ length: k }, (_, i) => pool.openStream(`cam${i}`, { task: 'count', onResult: () => {} }));
  // Staggered like real cameras; every frame counts as a new capture.
  const timers: NodeJS.Timeout[] = [];
  streams.forEach((s, i) => {
    const push = () => s.push({ ...inputs.count, capturedAt: Date.now() });
    timers.push(
      setTimeout(
        () => {
          push();
          timers.push(setInterval(push, 200));
        },
        (200 / k) * i,
      ),
    );
  });
  await new Promise((r) => setTimeout(r, trialSeconds * 1000));
  timers.forEach((t) => clearInterval(t));
  await new Promise((r) => setTimeout(r, 600));
  const latencies = streams.flatMap((s) => s.stats.latencies);
  const received = streams.reduce((a, s) => a + s.stats.received, 0);
  const analysed = streams.reduce((a, s) => a + s.stats.analysed, 0);
  const dropped = streams.reduce((a, s) => a + s.stats.droppedStale, 0);
  const p50 = percentile(latencies, 50);
  const p95 = percentile(latencies, 95);
  const share = analysed / Math.max(1, received);
  const keepsUp = p95 < 500 && share >= 0.9;
  console.log(
    `  K=${String(k).padStart(2)}  latency p50 ${String(Math.round(p50)).padStart(4)} ms  p95 ${String(Math.round(p95)).padStart(4)} ms  analysed ${(share * 100).toFixed(1).padStart(5)} % (${analysed}/${received}, ${dropped} stale dropped)  ${keepsUp ? 'keeps up' : 'falls behind'}`,
  );
  streams.forEach((s) => s.close());
  if (!keepsUp) break;
  best = k;
}
await pool.close();
console.log(`\nlive counting keeps up with ${best} camera streams at 5 frames/s (target: >= 4 with p95 < 500 ms)`);
