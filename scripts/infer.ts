/**
 * `npm run infer -- --task count|plate|seal FILE...`: runs a vision task on image files and prints one
 * JSON line per file, in the order given. A file that cannot be read gets `{"file", "error"}` and the
 * others go on; the exit code is 1 when any file failed.
 * Video files (.mp4, .mkv, .webm, .mov, .avi, .ts) are decoded at --fps frames per second and summarised:
 * counts per frame (and, with --line x0,y0,x1,y1 in fractions of the picture, the animals that crossed it),
 * or every distinct plate/seal read with the number of frames it was read in.
 * Options: --workers N (default: one per core), --fps N (default 5), --line x0,y0,x1,y1.
 */
import { parseArgs } from 'node:util';
import { crossingOptionsFor, InferencePool, LineCrossingCounter, readImageFile, VISION_TASKS, type CodeRead, type TaskResult, type VisionTask } from '../inference/index.ts';
import { decodeVideoFrames } from '../media/index.ts';

const VIDEO = /\.(mp4|mkv|webm|mov|avi|ts|m4v)$/i;

const usage = 'usage: npm run infer -- --task count|plate|seal [--workers N] [--fps N] [--line x0,y0,x1,y1] FILE...';

function parse() {
  try {
    const { values, positionals } = parseArgs({
      options: { task: { type: 'string' }, workers: { type: 'string' }, fps: { type: 'string', default: '5' }, line: { type: 'string' } },
      allowPositionals: true,
    });
    const task = values.task as VisionTask;
    const workers = values.workers ? Number(values.workers) : undefined;
    const fps = Number(values.fps);
    const line = values.line?.split(',').map(Number);
    if (!VISION_TASKS.includes(task) || positionals.length === 0 || (workers !== undefined && !(Number.isInteger(workers) && workers > 0))) return null;
    if (!(fps > 0 && fps <= 30) || (line && (line.length !== 4 || line.some((v) => !(v >= 0 && v <= 1))))) return null;
    return { task, workers, fps, line: line as [number, number, number, number] | undefined, files: positionals };
  } catch {
    return null;
  }
}

function line(file: string, task: VisionTask, ms: number, result: TaskResult) {
  const base = { file, task, model: result.model, ms: Math.round(ms * 10) / 10 };
  if (result.task === 'count') return { ...base, count: result.count, points: result.points };
  return { ...base, results: result.results.map(({ text, confidence, box, format }) => ({ text, confidence, box, format })) };
}

const args = parse();
if (!args) {
  console.error(usage);
  process.exit(2);
}
const pool = await InferencePool.start({ workers: Math.min(args.workers ?? Infinity, args.files.length, (await import('node:os')).availableParallelism()), warm: [args.task] });
let failed = 0;
// As many files in flight as workers: the times printed are a file's own, not time spent waiting.
const outputs = new Map<number, string>();
let printed = 0;
let next = 0;
const flush = () => {
  while (outputs.has(printed)) {
    process.stdout.write(outputs.get(printed)! + '\n');
    outputs.delete(printed++);
  }
};
async function worker() {
  while (next < args!.files.length) {
    const index = next++;
    const file = args!.files[index]!;
    const started = performance.now();
    try {
      if (VIDEO.test(file)) {
        outputs.set(index, JSON.stringify({ file, task: args!.task, ...(await video(file)), ms: Math.round(performance.now() - started) }));
        flush();
        continue;
      }
      const image = await readImageFile(file);
      const result = await pool.run(args!.task, image);
      outputs.set(index, JSON.stringify(line(file, args!.task, performance.now() - started, result)));
    } catch (err) {
      failed++;
      outputs.set(index, JSON.stringify({ file, error: err instanceof Error ? err.message : String(err) }));
    }
    flush();
  }
}
/** A video, frame by frame in order (tracking needs the order). */
async function video(file: string) {
  const { task, fps } = args!;
  let frames = 0;
  const counts: number[] = [];
  const reads = new Map<string, { text: string; confidence: number; frames: number; firstAtMs: number; box: CodeRead['box'] }>();
  let counter: LineCrossingCounter | null = null;
  for await (const frame of decodeVideoFrames(file, { fps, width: 960 })) {
    frames++;
    const result = await pool.run(task, frame);
    if (result.task === 'count') {
      counts.push(result.count);
      if (args!.line) {
        const [x0, y0, x1, y1] = args!.line;
        counter ??= new LineCrossingCounter({ a: [x0 * frame.width, y0 * frame.height], b: [x1 * frame.width, y1 * frame.height] }, crossingOptionsFor(frame.width));
        counter.update(result.points, frame.atMs);
      }
    } else {
      for (const r of result.results) {
        const seen = reads.get(r.text);
        if (seen) {
          seen.frames++;
          seen.confidence = Math.max(seen.confidence, r.confidence);
        } else reads.set(r.text, { text: r.text, confidence: r.confidence, frames: 1, firstAtMs: frame.atMs, box: r.box });
      }
    }
  }
  if (task === 'count') {
    const crossed = counter ? { forward: counter.forward, backward: counter.backward, net: counter.net } : undefined;
    return { frames, fps, maxCount: Math.max(0, ...counts), meanCount: counts.length ? Math.round((counts.reduce((a, b) => a + b, 0) / counts.length) * 10) / 10 : 0, counts, crossed };
  }
  return { frames, fps, results: [...reads.values()].sort((a, b) => b.frames - a.frames || b.confidence - a.confidence) };
}

await Promise.all(Array.from({ length: pool.size }, worker));
await pool.close();
process.exitCode = failed ? 1 : 0;
