/**
 * Live streams analysed elsewhere (the platform's inference nodes): the same streams as the local pool's
 * (newest frame wins, motion gating, one frame in flight per stream), each waiting frame handed to `send`,
 * which carries it to wherever it is analysed and resolves with the result. At most `maxInFlight` frames
 * travel at once; a stream's next frame goes when its last one came back.
 */
import { InferenceError, InferenceStream, type StreamFrame, type StreamOptions, type StreamScheduler } from './inference-pool.ts';
import type { TaskResult, VisionTask } from '../tasks/vision-models.ts';

export type SendFrame = (task: VisionTask, frame: StreamFrame) => Promise<{ result: TaskResult; inferMs: number }>;

export class RemoteInferencePool implements StreamScheduler {
  private readonly streams: InferenceStream[] = [];
  private inFlight = 0;
  private cursor = 0;
  private closed = false;

  constructor(
    private readonly send: SendFrame,
    private readonly maxInFlight = 16,
  ) {}

  openStream(id: string, options: StreamOptions): InferenceStream {
    const stream = new InferenceStream(this, id, options);
    this.streams.push(stream);
    return stream;
  }

  removeStream(stream: InferenceStream): void {
    const i = this.streams.indexOf(stream);
    if (i >= 0) this.streams.splice(i, 1);
  }

  /** Frames being analysed elsewhere now. */
  get framesInFlight(): number {
    return this.inFlight;
  }

  schedule(): void {
    while (!this.closed && this.inFlight < this.maxInFlight) {
      const stream = this.nextReady();
      const frame = stream?.take();
      if (!stream || !frame) return;
      this.inFlight += 1;
      const sentAt = Date.now();
      void this.send(stream.options.task, frame)
        .then(
          ({ result, inferMs }) => stream.settle({ result, frame, sentAt, inferMs }),
          (err: unknown) => stream.settle({ error: err instanceof InferenceError ? err : new InferenceError('task_failed', (err as Error)?.message ?? String(err)) }),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.schedule();
        });
    }
  }

  close(): void {
    this.closed = true;
    for (const stream of [...this.streams]) stream.close();
  }

  /** Streams take turns. */
  private nextReady(): InferenceStream | undefined {
    for (let i = 0; i < this.streams.length; i++) {
      const stream = this.streams[(this.cursor + i) % this.streams.length]!;
      if (stream.ready) {
        this.cursor = (this.cursor + i + 1) % this.streams.length;
        return stream;
      }
    }
    return undefined;
  }
}
