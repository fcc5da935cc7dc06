/**
 * `npm run models:eval [-- --n 200 --workers 2 --only plate,seal --keep DIR] [--count-model VERSION|FILE]`: generates held-out sets (seeds from
 * 9,000,000, never used in training; counting scenes also use a floor, a breed and camera tilts that
 * training never saw), runs every image through the inference pool exactly as the platform does, and
 * prints plate and seal exact-match rates, counting MAE and MAPE (5-60 animals), per-image latency, and
 * whether each target is met. Exit code 1 when a target is missed.
 * `npm run models:eval -- --real DIR [--count-model VERSION|FILE]`: scores on the officers' corrections
 * instead (models/eval-real.ts; DIR from `npm run models:dataset -- export DIR`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  crossingOptionsFor,
  DEFAULT_COUNT_RUN,
  DEFAULT_PLATE_MATCH_DISTANCE,
  matchDeclared,
  matchKnown,
  InferencePool,
  LineCrossingCounter,
  readImageFile,
  type CodeTaskResult,
  type CountTaskResult,
  type TaskResult,
  type VisionTask,
} from '../inference/index.ts';

import { evaluateReal } from './eval-real.ts';
import { inTargetRange, mapeOf, round } from './count-metrics.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    workers: { type: 'string' },
    keep: { type: 'string' },
    only: { type: 'string' },
    real: { type: 'string' },
    'count-model': { type: 'string' },
    // How a candidate file is run (a listed version runs as its card says).
    threshold: { type: 'string' },
    'flip-average': { type: 'boolean', default: false },
    second: { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
if (!Number.isInteger(n) || n < 1) throw new Error('--n must be a positive integer');

type SetName = VisionTask | 'crossing' | 'count-b' | 'count-c' | 'crossing-b';
/**
 * Crossing clips are 60 frames each: a tenth as many clips as images in the other sets. `count-b` (seeds from
 * 9,700,000) and `crossing-b` (from 9,800,000) are drawn by the second renderer (models/synth/pigs3d.py).
 * Renderer B's seeds 9,400,000-9,400,099 were looked at while building it, and 9,500,000-9,500,199 (scenes)
 * and 9,600,000-9,600,019 (clips) once, for the first figures of the committed model (models/README.md).
 * `--second`: the counting sets kept to be looked at once, for a model already chosen on the first ones:
 * renderer A's 9,500,000+ (300 scenes; looked at once for count-r9r7-mean) and renderer B's 9,750,000+.
 * `count-c` (seeds from 9,900,000; `--second`: 9,950,000) is drawn by a third renderer (models/synth/pigs_c.py)
 * that no model was ever trained on: how the committed model does on pictures neither of its generators drew.
 */
const SETS: Array<{ task: SetName; seed: number; n: number }> = [
  { task: 'count' as const, seed: values.second ? 9_500_000 : 9_000_000, n },
  { task: 'count-b' as const, seed: values.second ? 9_750_000 : 9_700_000, n },
  { task: 'count-c' as const, seed: values.second ? 9_950_000 : 9_900_000, n },
  { task: 'plate' as const, seed: 9_100_000, n },
  { task: 'seal' as const, seed: 9_200_000, n },
  { task: 'crossing' as const, seed: 9_300_000, n: Math.max(5, Math.round(n / 10)) },
  { task: 'crossing-b' as const, seed: 9_800_000, n: Math.max(5, Math.round(n / 10)) },
].filter((s) => !values.only || values.only.split(',').includes(s.task));
const TARGETS = { plateExact: 0.97, sealExact: 0.97, countMape: 5 };

function generate(dir: string, task: SetName, seed: number, count: number): Promise<void> {
  const renderer = /-([bc])$/.exec(task)?.[1];
  const args = renderer ? ['--task', task.slice(0, -2), '--renderer', renderer] : ['--task', task];
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [path.join(here, 'make_sets.py'), '--out', dir, ...args, '--n', String(count), '--seed', String(seed)], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`make_sets.py ${task} exited with ${code}`))));
  });
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** The counting model scored: a version of models/versions.json, an ONNX file (a candidate), or the default. */
async function startPool(warm: VisionTask[]): Promise<{ pool: InferencePool; countModel: string }> {
  const pool = await InferencePool.start({ workers: values.workers ? Number(values.workers) : undefined, warm });
  const chosen = values['count-model'];
  if (!chosen) return { pool, countModel: pool.countModelVersion };
  if (chosen.endsWith('.onnx')) {
    if (!fs.existsSync(chosen)) throw new Error(`${chosen}: no such file`);
    const threshold = values.threshold === undefined ? DEFAULT_COUNT_RUN.threshold : Number(values.threshold);
    if (!(threshold > 0 && threshold < 1)) throw new Error('--threshold must be between 0 and 1');
    pool.setCountModelFile(path.basename(chosen, '.onnx'), path.resolve(chosen), { threshold, flipAverage: values['flip-average'] });
  } else if (values.threshold !== undefined || values['flip-average']) throw new Error('--threshold and --flip-average are for a candidate file: a listed version runs as its card says');
  else pool.setCountModel(chosen);
  return { pool, countModel: chosen };
}

if (values.real) {
  const { pool, countModel } = await startPool(['count']);
  try {
    console.log(JSON.stringify(await evaluateReal(pool, path.resolve(values.real), countModel), null, 2));
  } finally {
    await pool.close();
  }
  process.exit(0);
}

const root = values.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-eval-'));
const started = Date.now();
// A --keep folder that already holds a set (same seeds and size) is scored again without drawing it anew.
const drawn = (dir: string, n: number) => fs.existsSync(path.join(dir, 'labels.json')) && JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8')).length === n;
// Each set's folder is named by its first seed too, so a --keep folder never scores one set as another.
const setDir = (s: { task: SetName; seed: number }) => path.join(root, `${s.task}-${s.seed}`);
await Promise.all(SETS.filter((s) => !(values.keep && drawn(setDir(s), s.n))).map((s) => generate(setDir(s), s.task, s.seed, s.n)));
console.error(`generated ${SETS.length} held-out sets in ${((Date.now() - started) / 1000).toFixed(0)} s under ${root}`);

const { pool, countModel } = await startPool(['count', 'plate']);
const report: Record<string, unknown> = {};
let allMet = true;
try {
  for (const set of SETS) {
    const { task } = set;
    const dir = setDir(set);
    if (task === 'crossing' || task === 'crossing-b') {
      report[task === 'crossing' ? 'crossing' : 'crossingOtherRenderer'] = await evaluateCrossing(dir);
      continue;
    }
    const labels = JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8')) as Array<{ file: string; count?: number; text?: string; kind?: string; scene?: Record<string, unknown> }>;
    const model: VisionTask = task === 'count-b' || task === 'count-c' ? 'count' : task;
    const results: Array<{ result: TaskResult; ms: number }> = new Array(labels.length);
    let next = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: pool.size }, async () => {
        while (next < labels.length) {
          const i = next++;
          const image = await readImageFile(path.join(dir, labels[i]!.file));
          const t = performance.now();
          results[i] = { result: await pool.run(model, image), ms: performance.now() - t };
          if (++done % 50 === 0) console.error(`${task}: ${done}/${labels.length}`);
        }
      }),
    );
    const ms = results.map((r) => r.ms);
    const latency = { p50: Math.round(percentile(ms, 50)), p95: Math.round(percentile(ms, 95)) };
    if (task === 'count-b' || task === 'count-c') {
      const errors = labels.map((l, i) => ({ truth: l.count!, got: (results[i]!.result as CountTaskResult).count, scene: l.scene ?? {} }));
      const mape = mapeOf(errors);
      const met = mape !== null && mape <= TARGETS.countMape;
      allMet &&= met;
      const by = (key: (e: (typeof errors)[number]) => string) => {
        const groups = new Map<string, typeof errors>();
        for (const e of errors.filter(inTargetRange)) groups.set(key(e), [...(groups.get(key(e)) ?? []), e]);
        return Object.fromEntries([...groups.entries()].sort().map(([k, rows]) => [k, { images: rows.length, mape: mapeOf(rows) }]));
      };
      report[task === 'count-b' ? 'countOtherRenderer' : 'countNeverSeenRenderer'] = {
        renderer:
          task === 'count-b'
            ? 'b (models/synth/pigs3d.py: 3D bodies, perspective camera, cast shadows, world-space floors; the count-ab versions trained on its other seeds)'
            : 'c (models/synth/pigs_c.py: low-poly extruded bodies, some lying, workers and props among them, CCTV lens, overlay and compression; no model trained on it)',
        images: labels.length,
        mae: round(errors.reduce((s, e) => s + Math.abs(e.got - e.truth), 0) / errors.length, 2),
        mape,
        exactCount: round(errors.filter((e) => e.got === e.truth).length / errors.length, 3),
        byHerdSize: by((e) => herdSize(e.truth)),
        byFloor: by((e) => String(e.scene.floor)),
        byLight: by((e) => (e.scene.night ? 'night (infrared)' : 'day')),
        byCamera: by((e) => (Number(e.scene.pitch) >= 70 ? 'steep (70-90°)' : 'oblique (below 70°)')),
        meanSigned: round(errors.filter(inTargetRange).reduce((s, e) => s + (e.got - e.truth), 0) / Math.max(1, errors.filter(inTargetRange).length), 2),
        latencyMs: latency,
        target: task === 'count-b' ? `MAPE <= ${TARGETS.countMape}% on the renderer it never saw (for a model trained on A alone)` : `MAPE <= ${TARGETS.countMape}% on a renderer it never saw`,
        met,
      };
    } else if (task === 'count') {
      const errors = labels.map((l, i) => ({ truth: l.count!, got: (results[i]!.result as CountTaskResult).count }));
      const mae = errors.reduce((s, e) => s + Math.abs(e.got - e.truth), 0) / errors.length;
      const inRange = errors.filter((e) => e.truth >= 5 && e.truth <= 60);
      const mape = (inRange.reduce((s, e) => s + Math.abs(e.got - e.truth) / e.truth, 0) / inRange.length) * 100;
      const exact = errors.filter((e) => e.got === e.truth).length / errors.length;
      const met = mape <= TARGETS.countMape;
      allMet &&= met;
      // Where the errors come from: the held-out variations one by one.
      const scenes = labels.map((l, i) => ({ scene: (l as { scene?: { floor: string; breeds: string[]; squash: number } }).scene, ...errors[i]! })).filter((e) => e.truth >= 5 && e.truth <= 60);
      const unseenFloor = (r: (typeof scenes)[number]) => r.scene?.floor === 'rubber_mat';
      const unseenCoat = (r: (typeof scenes)[number]) => r.scene?.breeds.includes('muddy') ?? false;
      const steeper = (r: (typeof scenes)[number]) => (r.scene?.squash ?? 1) < 0.55;
      const byVariation = {
        unseenFloor: { images: scenes.filter(unseenFloor).length, mape: mapeOf(scenes.filter(unseenFloor)) },
        unseenCoat: { images: scenes.filter(unseenCoat).length, mape: mapeOf(scenes.filter(unseenCoat)) },
        steeperCamera: { images: scenes.filter(steeper).length, mape: mapeOf(scenes.filter(steeper)) },
        noneOfThese: { images: scenes.filter((r) => !unseenFloor(r) && !unseenCoat(r) && !steeper(r)).length, mape: mapeOf(scenes.filter((r) => !unseenFloor(r) && !unseenCoat(r) && !steeper(r))) },
      };
      const bySize = new Map<string, typeof errors>();
      for (const e of errors.filter(inTargetRange)) bySize.set(herdSize(e.truth), [...(bySize.get(herdSize(e.truth)) ?? []), e]);
      const byHerdSize = Object.fromEntries([...bySize.entries()].sort().map(([k, rows]) => [k, { images: rows.length, mape: mapeOf(rows) }]));
      report.count = {
        images: labels.length,
        mae: round(mae, 2),
        mape: round(mape, 2),
        exactCount: round(exact, 3),
        byVariation,
        byHerdSize,
        latencyMs: latency,
        target: `MAPE <= ${TARGETS.countMape}%`,
        met,
      };
    } else {
      const byFormat: Record<string, { n: number; exact: number }> = {};
      const misses: string[] = [];
      let exact = 0;
      // As the platform uses a read: against what was declared or registered (the truth and two others of
      // the set), within one character (DEFAULT_PLATE_MATCH_DISTANCE; matchDeclared for seals).
      let matched = 0;
      let wrongVehicle = 0;
      labels.forEach((l, i) => {
        const known = [l.text!, labels[(i + 1) % labels.length]!.text!, labels[(i + 2) % labels.length]!.text!];
        const reads = (results[i]!.result as CodeTaskResult).results.map((r) =>
          task === 'plate' ? matchKnown(r.text, known, { maxEdits: DEFAULT_PLATE_MATCH_DISTANCE }) : matchDeclared(r.text, known),
        );
        if (reads.some((m) => m?.code === l.text)) matched++;
        if (reads.some((m) => m && m.code !== l.text)) wrongVehicle++;
        const first = (results[i]!.result as CodeTaskResult).results[0]?.text ?? '';
        const key = l.kind ?? task;
        byFormat[key] ??= { n: 0, exact: 0 };
        byFormat[key].n++;
        if (first === l.text) {
          exact++;
          byFormat[key].exact++;
        } else if (misses.length < 8) misses.push(`${l.file}: expected ${l.text}, read ${first || '(nothing)'}`);
      });
      const rate = exact / labels.length;
      const target = task === 'plate' ? TARGETS.plateExact : TARGETS.sealExact;
      const met = rate >= target;
      allMet &&= met;
      report[task] = {
        images: labels.length,
        exactMatch: round(rate, 4),
        matchedToDeclared: round(matched / labels.length, 4),
        matchedToAnother: round(wrongVehicle / labels.length, 4),
        byFormat: Object.fromEntries(Object.entries(byFormat).map(([k, v]) => [k, `${v.exact}/${v.n}`])),
        latencyMs: latency,
        target: `exact >= ${target * 100}%`,
        met,
        firstMisses: misses,
      };
    }
  }
} finally {
  await pool.close();
  if (!values.keep) fs.rmSync(root, { recursive: true, force: true });
}
console.log(JSON.stringify({ workers: pool.size, cores: os.availableParallelism(), countModel, ...report }, null, 2));
process.exitCode = allMet ? 0 : 1;

/**
 * Each clip's frames are counted in order and fed to the line-crossing tracker exactly as a live camera's
 * are; the net number of animals that crossed is compared with the truth.
 */
async function evaluateCrossing(dir: string) {
  const clips = JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8')) as Array<{ clip: string; frames: string[]; net: number; line: [[number, number], [number, number]] }>;
  const outcomes: Array<{ truth: number; got: number }> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: pool.size }, async () => {
      while (next < clips.length) {
        const clip = clips[next++]!;
        let counter: LineCrossingCounter | null = null;
        for (const [k, file] of clip.frames.entries()) {
          const image = await readImageFile(path.join(dir, file));
          counter ??= new LineCrossingCounter({ a: clip.line[0], b: clip.line[1] }, crossingOptionsFor(image.width));
          const result = (await pool.run('count', image)) as CountTaskResult;
          // The truth counts animals moving up (from the right of a->b, left to right, to its left).
          counter.update(result.points, k);
        }
        outcomes.push({ truth: clip.net, got: counter!.net });
      }
    }),
  );
  const exact = outcomes.filter((o) => o.got === o.truth).length / outcomes.length;
  const mae = outcomes.reduce((s, o) => s + Math.abs(o.got - o.truth), 0) / outcomes.length;
  const total = outcomes.reduce((s, o) => s + o.truth, 0);
  const totalGot = outcomes.reduce((s, o) => s + o.got, 0);
  return {
    clips: outcomes.length,
    framesPerClip: clips[0]?.frames.length ?? 0,
    exactClips: round(exact, 3),
    mae: round(mae, 2),
    animalsCrossed: total,
    counted: totalGot,
    examples: outcomes.slice(0, 6),
  };
}

/** The target's herd-size bands. */
function herdSize(truth: number) {
  return truth <= 15 ? '05-15' : truth <= 30 ? '16-30' : truth <= 45 ? '31-45' : '46-60';
}
