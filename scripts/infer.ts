/**
 * `npm run infer -- --task count|plate|seal FILE...`: runs a vision task on image files and prints one
 * JSON line per file, in the order given. A file that cannot be read gets `{"file", "error"}` and the
 * others go on; the exit code is 1 when any file failed.
 * Options: --workers N (default: one per core).
 */
import { parseArgs } from 'node:util';
import { InferencePool, readImageFile, VISION_TASKS, type TaskResult, type VisionTask } from '../inference/index.ts';

const usage = 'usage: npm run infer -- --task count|plate|seal [--workers N] FILE...';

function parse() {
  try {
    const { values, positionals } = parseArgs({ options: { task: { type: 'string' }, workers: { type: 'string' } }, allowPositionals: true });
    const task = values.task as VisionTask;
    const workers = values.workers ? Number(values.workers) : undefined;
    if (!VISION_TASKS.includes(task) || positionals.length === 0 || (workers !== undefined && !(Number.isInteger(workers) && workers > 0))) return null;
    return { task, workers, files: positionals };
  } catch {
    return null;
  }
}

function line(file: string, task: VisionTask, ms: number, result: TaskResult) {
  const base = { file, task, ms: Math.round(ms * 10) / 10 };
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
await Promise.all(Array.from({ length: pool.size }, worker));
await pool.close();
process.exitCode = failed ? 1 : 0;
