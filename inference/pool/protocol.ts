/** Messages between the inference pool and its worker processes (structured clone over IPC). */
import type { RgbImage } from '../image.ts';
import type { CountRun } from '../model-versions.ts';
import type { TaskResult, VisionTask } from '../tasks/vision-models.ts';

export type ToWorker =
  | { type: 'run'; jobId: number; task: VisionTask; images: RgbImage[] }
  | { type: 'warm'; tasks: VisionTask[] }
  /** Count with this version of the counting model from the next job on. */
  | { type: 'count-model'; version: string; file: string; run: CountRun };

export type ToPool =
  | { type: 'ready'; pid: number }
  | { type: 'warmed'; error?: string }
  | { type: 'result'; jobId: number; results: TaskResult[]; ms: number }
  | { type: 'error'; jobId: number; message: string };
