/**
 * Live streams analysed elsewhere (the platform's inference nodes): the same streams as the local pool's
 * (newest frame wins, motion gating, one frame in flight per stream), each waiting frame handed to `send`,
 * which carries it to wherever it is analysed and resolves with the result. At most `maxInFlight` frames
 * travel at once; a stream's next frame goes when its last one came back.
 */
import { InferenceError, StreamList, type InferenceStream, type StreamFrame, type StreamOptions, type StreamScheduler } from './inference-pool.ts';
import type { TaskResult, VisionTask } from '../tasks/vision-models.ts';

export type SendFrame = (task: VisionTask, frame: StreamFrame) => Promise<{ result: TaskResult; inferMs: number }>;

export class RemoteInferencePool implements StreamScheduler {
  private readonly streams = new StreamList();
  private inFlight = 0;
  private cursor = 0;
  private closed = false;

  constructor(
    private readonly send: SendFrame,
    private readonly maxInFlight = 16,
  ) {}

  openStream(id: string, options: StreamOptions): InferenceStream {
    return this.streams.open(this, id, options);
  }

  removeStream(stream: InferenceStream): void {
    this.streams.remove(stream);
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
    this.streams.closeAll();
  }

  /** Streams take turns. */
  private nextReady(): InferenceStream | undefined {
    const ready = this.streams.ready();
    return ready.length > 0 ? ready[this.cursor++ % ready.length] : undefined;
  }
}
