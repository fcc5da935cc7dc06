import { describe, expect, it } from 'vitest';
import { InferenceError } from './inference-pool.ts';
import { RemoteInferencePool } from './remote-pool.ts';
import type { TaskResult } from '../tasks/vision-models.ts';

/** A frame whose picture differs from the last (so motion gating lets it through), stamped `n`. */
const frame = (n: number) => ({ data: new Uint8Array(48 * 27 * 3).fill(n * 40), width: 48, height: 27, capturedAt: n });
const counted = (n: number): TaskResult => ({ task: 'count', model: 'test', count: n, points: [] }) as unknown as TaskResult;

describe('frames analysed elsewhere', () => {
  it('keeps one frame in flight per stream, and the newest one waiting', async () => {
    const sent: number[] = [];
    const answers: Array<() => void> = [];
    const pool = new RemoteInferencePool(
      (_task, f) =>
        new Promise((resolve) => {
          sent.push(f.capturedAt);
          answers.push(() => resolve({ result: counted(f.capturedAt), inferMs: 5 }));
        }),
    );
    const results: number[] = [];
    const stream = pool.openStream('cam', { task: 'count', onResult: (_r, meta) => results.push(meta.capturedAt) });
    for (const n of [1, 2, 3, 4]) stream.push(frame(n));
    expect(sent).toEqual([1]); // 2 and 3 were replaced by 4 while 1 was away
    answers.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual([1, 4]);
    answers.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(results).toEqual([1, 4]);
    expect(stream.stats).toMatchObject({ received: 4, analysed: 2, droppedStale: 2 });
    pool.close();
  });

  it('reports a frame that could not be analysed, and goes on with the next', async () => {
    let fail = true;
    const pool = new RemoteInferencePool(async (_task, f) => {
      if (fail) throw new InferenceError('queue_full', 'full');
      return { result: counted(f.capturedAt), inferMs: 1 };
    });
    const errors: string[] = [];
    const results: number[] = [];
    const stream = pool.openStream('cam', { task: 'count', onResult: (_r, meta) => results.push(meta.capturedAt), onError: (e) => errors.push(e.code) });
    stream.push(frame(1));
    await new Promise((r) => setTimeout(r, 0));
    fail = false;
    stream.push(frame(2));
    await new Promise((r) => setTimeout(r, 0));
    expect([errors, results]).toEqual([['queue_full'], [2]]);
    pool.close();
  });
});
