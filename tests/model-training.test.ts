/**
 * The officers' corrections as training data, from the dataset export onwards: `models:train -- count --real`
 * loads the shipped ONNX model into PyTorch (batch norms folded), fine-tunes it on the samples mixed with
 * generated scenes and exports a candidate; `models:eval -- --real` scores it. The export here is written
 * in the documented format from generated scenes with known points (the platform's own export is tested in
 * tests/supervision.test.ts); bad folders are refused.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countModelVersions } from '../inference/index.ts';

const root = path.resolve(import.meta.dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-training-'));
const dataset = path.join(work, 'dataset');
const python = '/usr/bin/python3';

const run = (command: string, args: string[]) => {
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
};
const train = (...args: string[]) => run(python, ['models/train.py', 'count', ...args]);
const evaluate = (...args: string[]) => run(path.join(root, 'node_modules/.bin/tsx'), ['models/eval.ts', '--workers', '1', ...args]);

beforeAll(() => {
  // Ten scenes the training never saw (held-out seeds and variations), as an export of corrected frames.
  const scenes = path.join(work, 'scenes');
  expect(run(python, ['models/make_sets.py', '--out', scenes, '--task', 'count', '--n', '10', '--seed', '7950000', '--variant', 'heldout']).status).toBe(0);
  fs.mkdirSync(path.join(dataset, 'images'), { recursive: true });
  const labels = JSON.parse(fs.readFileSync(path.join(scenes, 'labels.json'), 'utf8')) as Array<{ file: string; count: number; points: number[][] }>;
  const lines = labels.map((l) => {
    const id = randomUUID();
    fs.copyFileSync(path.join(scenes, l.file), path.join(dataset, 'images', `${id}.jpg`));
    return JSON.stringify({
      id,
      task: 'count',
      image: `images/${id}.jpg`,
      width: 320,
      height: 240,
      label: { count: l.count, points: l.points },
      predicted: { count: 0, points: [] },
      model: 'count-r9r7-mean',
    });
  });
  // A confirmed loading-batch total (no picture) goes with them.
  lines.push(JSON.stringify({ id: randomUUID(), task: 'crossing', image: null, label: { total: 40 }, predicted: { forward: 39, backward: 0, net: 39 }, model: 'count-r9r7-mean' }));
  fs.writeFileSync(path.join(dataset, 'samples.jsonl'), `${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(dataset, 'dataset.json'), JSON.stringify({ format: 'watchpost-samples/1', samples: lines.length }));
}, 120_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('training on the officers’ corrections', () => {
  it('loads the shipped model into PyTorch exactly: re-exported untrained, it counts as models/count.onnx does', () => {
    const shipped = evaluate('--real', dataset);
    expect(shipped.status, shipped.out).toBe(0);
    const copy = path.join(work, 'folded.onnx');
    const folded = train('--real', dataset, '--steps', '0', '--synthetic', '4', '--synthetic-val', '4', '--out', copy);
    expect(folded.status, folded.out).toBe(0);
    // Run as the shipped version is run (its card's threshold, and whether its heatmap is averaged with the mirror image's).
    const shippedCard = countModelVersions().versions.find((v) => v.id === countModelVersions().default)!;
    const again = evaluate('--real', dataset, '--count-model', copy, '--threshold', String(shippedCard.threshold), ...(shippedCard.flipAverage ? ['--flip-average'] : []));
    expect(again.status, again.out).toBe(0);
    const [a, b] = [JSON.parse(shipped.stdout), JSON.parse(again.stdout)];
    expect(a.count.frames).toBe(10);
    expect(b.countModel).toBe(copy);
    expect(b.count.now).toEqual(a.count.now);
    // The confirmed batch total is scored as recorded: 39 counted of 40.
    expect(a.crossing).toEqual({ batches: 1, recorded: { mae: 1, mape5to60: 2.5, exact: 0 } });
  }, 240_000);

  it('fine-tunes on the samples mixed with generated scenes and exports a candidate the evaluation scores', () => {
    const out = path.join(work, 'candidate.onnx');
    const tuned = train('--real', dataset, '--steps', '3', '--batch', '4', '--synthetic', '8', '--synthetic-val', '4', '--out', out);
    expect(tuned.status, tuned.out).toBe(0);
    expect(tuned.out).toMatch(/before: real MAE [\d.]+/);
    expect(tuned.out).toMatch(/after: real MAE [\d.]+/);
    expect(tuned.out).toContain('"file"');
    const scored = evaluate('--real', dataset, '--count-model', out);
    expect(scored.status, scored.out).toBe(0);
    expect(JSON.parse(scored.stdout).count).toMatchObject({ frames: 10, now: { mae: expect.any(Number) } });
  }, 240_000);

  it('refuses a folder that is not an export, and an export without counting samples', () => {
    const empty = fs.mkdtempSync(path.join(work, 'empty-'));
    expect(evaluate('--real', empty).status).not.toBe(0);
    fs.writeFileSync(path.join(empty, 'dataset.json'), JSON.stringify({ format: 'something-else' }));
    const wrong = train('--real', empty, '--steps', '1');
    expect(wrong.status).not.toBe(0);
    expect(wrong.out).toContain('not a Watchpost samples export');
    const platesOnly = fs.mkdtempSync(path.join(work, 'plates-'));
    fs.writeFileSync(path.join(platesOnly, 'dataset.json'), JSON.stringify({ format: 'watchpost-samples/1' }));
    fs.writeFileSync(
      path.join(platesOnly, 'samples.jsonl'),
      `${JSON.stringify({ id: randomUUID(), task: 'plate', image: null, label: { reads: [] }, predicted: { reads: [] }, model: 'paddleocr-v4' })}\n`,
    );
    const nothing = train('--real', platesOnly, '--steps', '1');
    expect(nothing.status).not.toBe(0);
    expect(nothing.out).toContain('no counting samples');
  }, 120_000);

  it('draws scenes and clips with the second renderer: every animal labelled inside the picture, the crossing truth consistent', () => {
    const out = path.join(work, 'renderer-b');
    const scenes = run(python, ['models/make_sets.py', '--out', out, '--task', 'count', '--renderer', 'b', '--n', '3', '--seed', '7960000', '--min-count', '20', '--max-count', '30']);
    expect(scenes.status, scenes.out).toBe(0);
    const labels = JSON.parse(fs.readFileSync(path.join(out, 'labels.json'), 'utf8')) as Array<{ file: string; count: number; points: number[][]; scene: { renderer: string } }>;
    expect(labels).toHaveLength(3);
    for (const l of labels) {
      expect(l.scene.renderer).toBe('b');
      expect(l.count).toBeGreaterThanOrEqual(20);
      expect(l.points).toHaveLength(l.count);
      for (const [x, y] of l.points) expect(x! >= 0 && x! < 320 && y! >= 0 && y! < 240).toBe(true);
      expect(fs.statSync(path.join(out, l.file)).size).toBeGreaterThan(3000);
    }
    const clips = path.join(work, 'renderer-b-clips');
    const walked = run(python, ['models/make_sets.py', '--out', clips, '--task', 'crossing', '--renderer', 'b', '--n', '1', '--seed', '7960100']);
    expect(walked.status, walked.out).toBe(0);
    const [clip] = JSON.parse(fs.readFileSync(path.join(clips, 'labels.json'), 'utf8')) as Array<{ frames: string[]; net: number; line: number[][] }>;
    expect(clip!.frames).toHaveLength(60);
    expect(clip!.line).toEqual([
      [0, 120],
      [320, 120],
    ]);
    // Animals walk in file away from the camera: over a 60-frame clip some cross, and no more than walked.
    expect(clip!.net).toBeGreaterThanOrEqual(0);
    expect(clip!.net).toBeLessThanOrEqual(14);
  }, 120_000);

  it('draws counting scenes with the third renderer, which no model trains on: animals labelled inside the picture, no clips', () => {
    const out = path.join(work, 'renderer-c');
    const scenes = run(python, ['models/make_sets.py', '--out', out, '--task', 'count', '--renderer', 'c', '--n', '4', '--seed', '7970000', '--min-count', '20', '--max-count', '30']);
    expect(scenes.status, scenes.out).toBe(0);
    const labels = JSON.parse(fs.readFileSync(path.join(out, 'labels.json'), 'utf8')) as Array<{ file: string; count: number; points: number[][]; scene: { renderer: string; workers: number } }>;
    expect(labels).toHaveLength(4);
    for (const l of labels) {
      expect(l.scene.renderer).toBe('c');
      // An animal whose centre the lens or the picture's edge puts outside is not counted: a few at most.
      expect(l.count).toBeGreaterThanOrEqual(16);
      expect(l.count).toBeLessThanOrEqual(30);
      expect(l.points).toHaveLength(l.count);
      for (const [x, y] of l.points) expect(x! >= 0 && x! < 320 && y! >= 0 && y! < 240).toBe(true);
      expect(fs.statSync(path.join(out, l.file)).size).toBeGreaterThan(3000);
    }
    // Training never draws it.
    expect(fs.readFileSync(path.join(root, 'models/train.py'), 'utf8')).not.toContain('pigs_c');
    const clips = run(python, ['models/make_sets.py', '--out', path.join(work, 'renderer-c-clips'), '--task', 'crossing', '--renderer', 'c', '--n', '1']);
    expect(clips.status).not.toBe(0);
  }, 120_000);
});
