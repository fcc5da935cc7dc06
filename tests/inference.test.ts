/**
 * The inference pool with its real models: newest-frame-only streams under overload, motion gating,
 * a killed worker, batching across counting streams, the plate/seal readers on generated scenes, and the
 * `npm run infer` CLI with a corrupt file.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countModelVersions, InferencePool, readImageFile, type RgbImage, type CodeTaskResult, type CountTaskResult, type StreamFrame, type TaskResult } from '../inference/index.ts';
import { waitFor } from './support/wait.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures', 'vision');
const labels = JSON.parse(fs.readFileSync(path.join(fixtures, 'labels.json'), 'utf8')) as Record<string, { text?: string; count?: number }>;

/** The picture mirrored left to right. */
function mirrored(image: RgbImage): RgbImage {
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const from = (y * image.width + x) * 3;
      const to = (y * image.width + (image.width - 1 - x)) * 3;
      data[to] = image.data[from]!;
      data[to + 1] = image.data[from + 1]!;
      data[to + 2] = image.data[from + 2]!;
    }
  }
  return { ...image, data };
}

/** A frame whose every pixel differs from the last one's (defeats motion gating). */
function noisyFrame(base: RgbImage, n: number): StreamFrame {
  const data = new Uint8Array(base.data);
  for (let i = 0; i < data.length; i += 97) data[i] = (data[i]! + n * 37) & 255;
  return { ...base, data, capturedAt: Date.now() };
}

describe('inference pool', () => {
  let pool: InferencePool;
  let sealImage: RgbImage;

  beforeAll(async () => {
    pool = await InferencePool.start({ workers: 1, warm: ['seal', 'count'] });
    sealImage = await readImageFile(path.join(fixtures, 'seal.jpg'));
  }, 60_000);
  afterAll(() => pool?.close());

  it('reads plates of each kind and a seal number from generated scenes', async () => {
    for (const file of ['plate-cross-border.jpg', 'plate-mainland.jpg', 'plate-hong-kong.jpg']) {
      const result = (await pool.run('plate', await readImageFile(path.join(fixtures, file)))) as CodeTaskResult;
      expect(result.results[0]?.text, file).toBe(labels[file]!.text);
      expect(result.results[0]!.confidence).toBeGreaterThan(0.8);
    }
    const seal = (await pool.run('seal', sealImage)) as CodeTaskResult;
    expect(seal.results[0]).toMatchObject({ text: labels['seal.jpg']!.text });
    const [x, y, w, h] = seal.results[0]!.box;
    // The box is around the seal's printed line (the scene is 960x540; the seal is not at the edges).
    expect(w).toBeGreaterThan(100);
    expect(h).toBeLessThan(120);
    expect(x).toBeGreaterThan(0);
    expect(y).toBeGreaterThan(0);
  });

  it('runs a counting model as its version says: averaged with its mirror image, a frame and its mirror are counted alike', async () => {
    pool.setCountModelFile('count-flip-test', path.resolve(import.meta.dirname, '..', 'models', 'count.onnx'), { threshold: 0.3, flipAverage: true });
    try {
      for (const file of ['pigs-pen.jpg', 'pigs-truck.jpg']) {
        const image = await readImageFile(path.join(fixtures, file));
        const seen = (await pool.run('count', image)) as CountTaskResult;
        const mirror = (await pool.run('count', mirrored(image))) as CountTaskResult;
        expect(seen.model).toBe('count-flip-test');
        const truth = labels[file]!.count!;
        expect(Math.abs(seen.count - truth), `${file}: ${seen.count} for ${truth}`).toBeLessThanOrEqual(Math.max(1, Math.round(truth * 0.1)));
        expect(mirror.count, file).toBe(seen.count);
        // Each animal where its mirror image was seen (to the pixel, but for rounding).
        const back = mirror.points.map(([x, y]) => [image.width - x, y] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        const own = [...seen.points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        back.forEach(([x, y], i) => expect(Math.abs(x - own[i]![0]) + Math.abs(y - own[i]![1]), file).toBeLessThanOrEqual(2));
      }
    } finally {
      pool.setCountModel(countModelVersions().default);
    }
  });

  it('counts the animals of generated pen and truck scenes, with a point on each', async () => {
    for (const file of ['pigs-few.jpg', 'pigs-pen.jpg', 'pigs-truck.jpg']) {
      const image = await readImageFile(path.join(fixtures, file));
      const truth = labels[file]!.count!;
      const result = (await pool.run('count', image)) as CountTaskResult;
      // Within the model's measured error (see models/README.md), not exact.
      expect(Math.abs(result.count - truth), `${file}: ${result.count} for ${truth}`).toBeLessThanOrEqual(Math.max(1, Math.round(truth * 0.1)));
      expect(result.points).toHaveLength(result.count);
      for (const [x, y] of result.points) expect(x >= 0 && x < image.width && y >= 0 && y < image.height).toBe(true);
    }
  });

  it('keeps only the newest frame of a stream fed faster than it can work: stale frames are dropped and counted, nothing queues', async () => {
    const results: Array<{ capturedAt: number; latencyMs: number }> = [];
    const stream = pool.openStream('overfed', { task: 'seal', onResult: (_r, meta) => results.push(meta) });
    let last: StreamFrame | null = null;
    for (let i = 0; i < 40; i++) {
      last = noisyFrame(sealImage, i);
      last.capturedAt = Date.now() + i; // distinct even within one millisecond
      stream.push(last);
      expect(pool.queuedJobs).toBe(0);
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(() => stream.stats.analysed + stream.stats.droppedStale === 40, 'every frame analysed or dropped', 20_000);
    const s = stream.stats;
    expect(s.received).toBe(40);
    // A seal read takes hundreds of ms; at 100 frames/s nearly all must have been dropped.
    expect(s.droppedStale).toBeGreaterThan(30);
    expect(s.analysed).toBeLessThan(10);
    // The newest frame is always the one analysed last.
    expect(results.at(-1)!.capturedAt).toBe(last!.capturedAt);
    stream.close();
  });

  it('skips frames without motion, but looks again after maxStillMs', async () => {
    let results = 0;
    const stream = pool.openStream('still', { task: 'count', motionThreshold: 3, maxStillMs: 60_000, onResult: () => results++ });
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) stream.push({ ...sealImage, capturedAt: t0 + i * 100 });
    await waitFor(() => results === 1, 'the first still frame analysed', 10_000);
    expect(stream.stats).toMatchObject({ received: 10, skippedStill: 9 });
    stream.push({ ...sealImage, capturedAt: t0 + 61_000 });
    await waitFor(() => results === 2, 'the frame after maxStillMs analysed', 10_000);
    expect(stream.unchangedMs(t0 + 61_000)).toBe(61_000);
    stream.close();
  });

  it('batches counting frames of several streams and gives each stream its own result', async () => {
    const sizes = [
      [320, 240],
      [320, 180],
      [240, 240],
    ] as const;
    const got = new Map<string, TaskResult>();
    // Keep the single worker busy so the three frames wait together.
    const busy = pool.run('seal', sealImage);
    const streams = sizes.map(([w, h], i) => {
      const s = pool.openStream(`cam${i}`, { task: 'count', onResult: (r) => got.set(`cam${i}`, r) });
      s.push({ data: new Uint8Array(w * h * 3).fill(40 + i * 60), width: w, height: h, capturedAt: Date.now() });
      return s;
    });
    await busy;
    await waitFor(() => got.size === 3, 'all three streams answered', 10_000);
    expect(pool.stats.largestBatch).toBeGreaterThanOrEqual(2);
    for (const r of got.values()) expect(r).toMatchObject({ task: 'count', count: 0, points: [] });
    streams.forEach((s) => s.close());
  });

  it('replaces a killed worker: the stream goes on, an image in flight is retried', async () => {
    let results = 0;
    const errors: string[] = [];
    const stream = pool.openStream('survivor', { task: 'seal', onResult: () => results++, onError: (e) => errors.push(e.code) });
    const replaced = new Promise<{ pid: number | undefined }>((resolve) => pool.once('workerreplaced', resolve));
    const [pid] = pool.pids();
    const oneOff = pool.run('seal', sealImage);
    stream.push(noisyFrame(sealImage, 1));
    await new Promise((r) => setTimeout(r, 100));
    process.kill(pid!, 'SIGKILL');
    expect((await replaced).pid).toBe(pid);
    expect(pool.pids()[0]).not.toBe(pid);
    expect(pool.restarts).toBe(1);
    // The one-off image was in flight or waiting: either way it is answered.
    expect(((await oneOff) as CodeTaskResult).results[0]?.text).toBe(labels['seal.jpg']!.text);
    stream.push(noisyFrame(sealImage, 2));
    // Every frame is accounted for (analysed, lost with the worker, or replaced by the newer one) ...
    const s = stream.stats;
    await waitFor(() => s.analysed + s.lost + s.droppedStale === 2 && s.analysed >= 1, 'both frames accounted for', 20_000);
    // ... and the stream went on after the worker died.
    expect(results).toBe(s.analysed);
    expect(errors.every((c) => c === 'worker_crashed')).toBe(true);
    stream.close();
  });

  it('refuses one-off work beyond its bound instead of queueing without limit', async () => {
    const small = await InferencePool.start({ workers: 1, maxQueuedJobs: 2 });
    try {
      const jobs = Array.from({ length: 5 }, () =>
        small.run('count', sealImage).then(
          () => 'done',
          (e: { code: string }) => e.code,
        ),
      );
      const outcomes = await Promise.all(jobs);
      // One runs at once, two wait; the rest are refused.
      expect(outcomes.filter((o) => o === 'queue_full').length).toBe(2);
      expect(outcomes.filter((o) => o === 'done').length).toBe(3);
    } finally {
      await small.close();
    }
  });
});

describe('npm run infer', () => {
  it('prints one JSON line per file; a corrupt file gets an error line and the others go on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infer-'));
    const corrupt = path.join(dir, 'corrupt.jpg');
    fs.writeFileSync(corrupt, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 7)]));
    const seal = path.join(fixtures, 'seal.jpg');
    const run = promisify(execFile);
    const outcome = await run(process.execPath, ['--import', 'tsx', 'scripts/infer.ts', '--task', 'seal', corrupt, seal, path.join(dir, 'missing.png')], {
      cwd: path.join(import.meta.dirname, '..'),
    }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    const lines = outcome.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(outcome.code).toBe(1);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ file: corrupt, error: expect.any(String) });
    expect(lines[1]).toMatchObject({ file: seal, task: 'seal', ms: expect.any(Number), results: [{ text: labels['seal.jpg']!.text, confidence: expect.any(Number), box: expect.any(Array) }] });
    expect(lines[2]).toMatchObject({ error: expect.stringContaining('missing') });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('summarises a video file: every distinct read with the number of frames it was read in', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infer-video-'));
    const video = path.join(dir, 'seal.mp4');
    await promisify(execFile)('ffmpeg', ['-loglevel', 'error', '-loop', '1', '-framerate', '5', '-i', path.join(fixtures, 'seal.jpg'), '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', video]);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/infer.ts', '--task', 'seal', '--fps', '2', video], { cwd: path.join(import.meta.dirname, '..') });
    const result = JSON.parse(stdout.trim());
    expect(result).toMatchObject({ file: video, task: 'seal', fps: 2, frames: 4 });
    expect(result.results[0]).toMatchObject({ text: labels['seal.jpg']!.text, frames: 4, firstAtMs: 0 });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
