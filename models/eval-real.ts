/**
 * Scores models on the officers' corrections (`npm run models:eval -- --real DIR`, DIR written by
 * `npm run models:dataset -- export DIR`): every corrected frame is analysed again exactly as the
 * platform does, and compared with the truth the officer gave, beside what the model said at the time.
 * A loading batch's confirmed total is the line counter's truth: its recorded count is compared (the
 * batch's footage is not in the dataset, so it is not counted again).
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { mapeOf, round } from './count-metrics.ts';
import { readImageFile, type CodeTaskResult, type CountTaskResult, type InferencePool } from '../inference/index.ts';

/** One line of samples.jsonl (the format models/README.md documents). */
interface ExportedSample {
  id: string;
  task: 'count' | 'plate' | 'seal' | 'crossing';
  image: string | null;
  model: string;
  label: { count?: number; total?: number; reads?: Array<{ text: string }> };
  predicted: { count?: number; net?: number; reads?: Array<{ text: string }> };
}

/** MAE, MAPE over truths of 5-60 (the target's range) and the share exactly right. */
function countErrors(pairs: Array<{ truth: number; got: number }>) {
  if (pairs.length === 0) return null;
  return {
    mae: round(pairs.reduce((s, p) => s + Math.abs(p.got - p.truth), 0) / pairs.length, 2),
    mape5to60: mapeOf(pairs),
    exact: round(pairs.filter((p) => p.got === p.truth).length / pairs.length, 3),
  };
}

/** The share of the officer's reads the model gave exactly (every plate or seal on the frame). */
function readErrors(pairs: Array<{ truth: string[]; got: string[] }>) {
  const wanted = pairs.reduce((s, p) => s + p.truth.length, 0);
  if (pairs.length === 0) return null;
  const found = pairs.reduce((s, p) => s + p.truth.filter((t) => p.got.includes(t)).length, 0);
  const spurious = pairs.reduce((s, p) => s + p.got.filter((g) => !p.truth.includes(g)).length, 0);
  return { reads: wanted, exact: wanted ? round(found / wanted, 4) : null, wrongOrExtra: spurious };
}

export async function evaluateReal(pool: InferencePool, dir: string, countModel: string) {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'dataset.json'), 'utf8')) as { format: string };
  if (meta.format !== 'watchpost-samples/1') throw new Error(`${dir}: not a Watchpost samples export (format ${meta.format})`);
  const samples: ExportedSample[] = [];
  for await (const line of readline.createInterface({ input: fs.createReadStream(path.join(dir, 'samples.jsonl')) })) if (line.trim()) samples.push(JSON.parse(line) as ExportedSample);
  const counts = { now: [] as Array<{ truth: number; got: number }>, atCapture: [] as Array<{ truth: number; got: number }> };
  const reads = {
    plate: { now: [] as Array<{ truth: string[]; got: string[] }>, atCapture: [] as Array<{ truth: string[]; got: string[] }> },
    seal: { now: [] as Array<{ truth: string[]; got: string[] }>, atCapture: [] as Array<{ truth: string[]; got: string[] }> },
  };
  const crossings: Array<{ truth: number; got: number }> = [];
  const atCaptureModels = new Set<string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: pool.size }, async () => {
      while (next < samples.length) {
        const s = samples[next++]!;
        if (s.task === 'crossing') {
          crossings.push({ truth: s.label.total!, got: s.predicted.net! });
          continue;
        }
        if (!s.image) continue;
        atCaptureModels.add(s.model);
        const image = await readImageFile(path.join(dir, s.image));
        if (s.task === 'count') {
          const result = (await pool.run('count', image)) as CountTaskResult;
          counts.now.push({ truth: s.label.count!, got: result.count });
          counts.atCapture.push({ truth: s.label.count!, got: s.predicted.count! });
        } else {
          const result = (await pool.run(s.task, image)) as CodeTaskResult;
          const truth = (s.label.reads ?? []).map((r) => r.text);
          reads[s.task].now.push({ truth, got: result.results.map((r) => r.text) });
          reads[s.task].atCapture.push({ truth, got: (s.predicted.reads ?? []).map((r) => r.text) });
        }
      }
    }),
  );
  return {
    dir,
    samples: samples.length,
    countModel,
    atCaptureModels: [...atCaptureModels].sort(),
    count: { frames: counts.now.length, now: countErrors(counts.now), atCapture: countErrors(counts.atCapture) },
    plate: { frames: reads.plate.now.length, now: readErrors(reads.plate.now), atCapture: readErrors(reads.plate.atCapture) },
    seal: { frames: reads.seal.now.length, now: readErrors(reads.seal.now), atCapture: readErrors(reads.seal.atCapture) },
    crossing: { batches: crossings.length, recorded: countErrors(crossings) },
  };
}
