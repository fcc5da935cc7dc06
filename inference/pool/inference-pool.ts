/**
 * The inference worker pool: child processes sized to the machine, fed from
 *  - streams (live cameras): each keeps at most one waiting frame, the newest; an older waiting frame is
 *    dropped and counted, so a slow pool never builds a queue. Frames without motion since the last
 *    analysed one are skipped (cheap grey-thumbnail differencing). Counting frames of several streams
 *    go to a worker as one batch;
 *  - one-off jobs (stored images, the CLI, evaluation): a FIFO with a hard bound.
 * A worker that dies is replaced; its stream frames are lost (the stream goes on with the next frame),
 * its one-off jobs are retried once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { greyThumbnail, meanAbsDiff, type RgbImage } from '../image.ts';
import type { TaskResult, VisionTask } from '../tasks/vision-models.ts';
import type { ToPool, ToWorker } from './protocol.ts';
import { countModelFile, countModelRun, countModelVersions, DEFAULT_COUNT_RUN, type CountRun } from '../model-versions.ts';

export interface InferencePoolOptions {
  /** Worker processes; default one per core. */
  workers?: number;
  /** Threads each worker's inference may use; default 1 (parallelism comes from workers). */
  threadsPerWorker?: number;
  /** Largest batch of counting frames sent to a worker at once. */
  maxBatch?: number;
  /** One-off jobs waiting beyond this are refused (`queue_full`). */
  maxQueuedJobs?: number;
  /** Load these tasks' models in every worker before `start` resolves. */
  warm?: VisionTask[];
}

export class InferenceError extends Error {
  constructor(
    readonly code: 'queue_full' | 'worker_crashed' | 'pool_closed' | 'task_failed',
    message: string,
  ) {
    super(message);
  }
}

export interface StreamFrame extends RgbImage {
  /** Wall-clock time the frame was captured (ms since epoch). */
  capturedAt: number;
}

export interface StreamResultMeta {
  capturedAt: number;
  /** Captured to result, ms. */
  latencyMs: number;
  /** Of which: waiting for a worker, and the worker's inference (of the whole batch it was in). */
  waitMs: number;
  inferMs: number;
  /** The frame the result is about (for evidence pictures). */
  frame: StreamFrame;
}

export interface StreamOptions {
  task: VisionTask;
  onResult: (result: TaskResult, meta: StreamResultMeta) => void;
  onError?: (error: InferenceError) => void;
  /** Mean grey-level difference (0-255) below which a frame counts as "no motion". 0 analyses every frame. */
  motionThreshold?: number;
  /** Even without motion, analyse at least this often. */
  maxStillMs?: number;
}

export interface StreamStats {
  received: number;
  analysed: number;
  /** Replaced by a newer frame before a worker was free. */
  droppedStale: number;
  /** Skipped: no motion since the last analysed frame. */
  skippedStill: number;
  /** In flight when a worker died. */
  lost: number;
  /** Recent captured-to-result latencies, ms (bounded). */
  latencies: number[];
}

const LATENCY_WINDOW = 512;

/** What a stream needs of whatever analyses it: to be scheduled when a frame waits, and to be let go. */
export interface StreamScheduler {
  schedule(): void;
  removeStream(stream: InferenceStream): void;
}

/** A pool's live streams: opened and let go, and those with a frame waiting (the pool chooses among them). */
export class StreamList {
  private readonly streams: InferenceStream[] = [];

  open(scheduler: StreamScheduler, id: string, options: StreamOptions): InferenceStream {
    const stream = new InferenceStream(scheduler, id, options);
    this.streams.push(stream);
    return stream;
  }

  remove(stream: InferenceStream): void {
    const i = this.streams.indexOf(stream);
    if (i >= 0) this.streams.splice(i, 1);
  }

  ready(): InferenceStream[] {
    return this.streams.filter((s) => s.ready);
  }

  closeAll(): void {
    for (const stream of [...this.streams]) stream.close();
  }
}

export class InferenceStream {
  private pending: StreamFrame | null = null;
  private pendingThumb: Uint8Array | null = null;
  private inFlight = false;
  private lastAnalysedThumb: Uint8Array | null = null;
  private lastAnalysedAt = 0;
  private lastThumb: Uint8Array | null = null;
  private changedAt = Date.now();
  closed = false;
  readonly stats: StreamStats = { received: 0, analysed: 0, droppedStale: 0, skippedStill: 0, lost: 0, latencies: [] };

  constructor(
    private readonly pool: StreamScheduler,
    readonly id: string,
    readonly options: StreamOptions,
  ) {}

  /** Offers a frame; returns what happened to it. */
  push(frame: StreamFrame): 'queued' | 'replaced' | 'still' | 'closed' {
    if (this.closed) return 'closed';
    this.stats.received++;
    const thumb = greyThumbnail(frame);
    // A stuck picture re-encoded by the camera is not bit-identical (keyframes, rate control), so "changed"
    // means at least one grey level on average; a very still, clean scene can look frozen too.
    if (!this.lastThumb || meanAbsDiff(thumb, this.lastThumb) >= 1) this.changedAt = frame.capturedAt;
    this.lastThumb = thumb;
    const threshold = this.options.motionThreshold ?? 0;
    if (threshold > 0 && this.lastAnalysedThumb && frame.capturedAt - this.lastAnalysedAt < (this.options.maxStillMs ?? 5000) && meanAbsDiff(thumb, this.lastAnalysedThumb) < threshold) {
      this.stats.skippedStill++;
      return 'still';
    }
    const replaced = this.pending !== null;
    if (replaced) this.stats.droppedStale++;
    this.pending = frame;
    this.pendingThumb = thumb;
    this.pool.schedule();
    return replaced ? 'replaced' : 'queued';
  }

  /** How long the picture has not changed at all (for the camera-frozen rule). */
  unchangedMs(now = Date.now()): number {
    return now - this.changedAt;
  }

  close(): void {
    this.closed = true;
    this.pending = null;
    this.pool.removeStream(this);
  }

  /** @internal the pool takes the waiting frame for a worker. */
  take(): StreamFrame | null {
    if (!this.pending || this.inFlight) return null;
    const frame = this.pending;
    this.pending = null;
    this.inFlight = true;
    this.lastAnalysedThumb = this.pendingThumb;
    this.lastAnalysedAt = frame.capturedAt;
    return frame;
  }

  get ready(): boolean {
    return !this.closed && !this.inFlight && this.pending !== null;
  }

  /** @internal */
  settle(outcome: { result: TaskResult; frame: StreamFrame; sentAt: number; inferMs: number } | { error: InferenceError }): void {
    this.inFlight = false;
    if (this.closed) return;
    if ('error' in outcome) {
      if (outcome.error.code === 'worker_crashed') this.stats.lost++;
      this.options.onError?.(outcome.error);
      return;
    }
    this.stats.analysed++;
    const latencyMs = Date.now() - outcome.frame.capturedAt;
    this.stats.latencies.push(latencyMs);
    if (this.stats.latencies.length > LATENCY_WINDOW) this.stats.latencies.shift();
    this.options.onResult(outcome.result, {
      capturedAt: outcome.frame.capturedAt,
      latencyMs,
      waitMs: outcome.sentAt - outcome.frame.capturedAt,
      inferMs: Math.round(outcome.inferMs),
      frame: outcome.frame,
    });
  }
}

interface OneOffJob {
  task: VisionTask;
  image: RgbImage;
  resolve: (r: TaskResult) => void;
  reject: (e: InferenceError) => void;
  attempts: number;
}

interface WorkerSlot {
  index: number;
  child: ChildProcess;
  ready: boolean;
  busy: { jobId: number; sentAt: number; oneOff?: OneOffJob; streams?: Array<{ stream: InferenceStream; frame: StreamFrame }> } | null;
}

const workerFile = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

export class InferencePool extends EventEmitter<{ workerreplaced: [{ index: number; pid: number | undefined; reason: string }] }> implements StreamScheduler {
  private readonly workers: WorkerSlot[] = [];
  private readonly streams = new StreamList();
  private readonly queue: OneOffJob[] = [];
  private cursor = 0;
  private nextJobId = 1;
  /** The counting model version the workers use (each new worker is told before its first job). */
  private countModel: { version: string; file: string; run: CountRun } | null = null;
  private closed = false;
  /** Workers replaced after dying. */
  restarts = 0;
  readonly stats = { jobs: 0, framesAnalysed: 0, largestBatch: 0 };
  readonly size: number;
  private readonly threads: number;
  private readonly maxBatch: number;
  private readonly maxQueued: number;

  private constructor(private readonly options: InferencePoolOptions) {
    super();
    this.size = Math.max(1, options.workers ?? os.availableParallelism());
    this.threads = Math.max(1, options.threadsPerWorker ?? 1);
    this.maxBatch = Math.max(1, options.maxBatch ?? 4);
    this.maxQueued = Math.max(1, options.maxQueuedJobs ?? 64);
  }

  static async start(options: InferencePoolOptions = {}): Promise<InferencePool> {
    const pool = new InferencePool(options);
    await Promise.all(Array.from({ length: pool.size }, (_, i) => pool.spawn(i)));
    return pool;
  }

  /** One image, one result (stored images, the CLI). Refused when too many are waiting. */
  run(task: VisionTask, image: RgbImage): Promise<TaskResult> {
    if (this.closed) return Promise.reject(new InferenceError('pool_closed', 'The inference pool is closed'));
    if (this.queue.length >= this.maxQueued) return Promise.reject(new InferenceError('queue_full', `More than ${this.maxQueued} images are waiting for inference`));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, image, resolve, reject, attempts: 0 });
      this.schedule();
    });
  }

  openStream(id: string, options: StreamOptions): InferenceStream {
    return this.streams.open(this, id, options);
  }

  /** @internal */
  removeStream(stream: InferenceStream): void {
    this.streams.remove(stream);
  }

  /** Workers' process ids (for tests and diagnostics). */
  pids(): Array<number | undefined> {
    return this.workers.map((w) => w.child.pid);
  }

  get queuedJobs(): number {
    return this.queue.length;
  }

  /** Hands waiting work to idle workers: streams and one-off jobs take turns. */
  schedule(): void {
    if (this.closed) return;
    for (const worker of this.workers) {
      if (!worker.ready || worker.busy) continue;
      if (!this.dispatch(worker)) return;
    }
  }

  private dispatch(worker: WorkerSlot): boolean {
    const readyStreams = this.streams.ready();
    const takeOneOff = this.queue.length > 0 && (readyStreams.length === 0 || this.cursor % 2 === 1);
    this.cursor++;
    if (takeOneOff) {
      const job = this.queue.shift()!;
      this.send(worker, { oneOff: job }, job.task, [job.image]);
      return true;
    }
    if (readyStreams.length === 0) return false;
    // Round-robin over streams; counting frames from other streams join the batch.
    const first = readyStreams[this.cursor % readyStreams.length]!;
    const batch = [first];
    if (first.options.task === 'count') {
      for (const s of readyStreams) if (batch.length < this.maxBatch && s !== first && s.options.task === 'count') batch.push(s);
    }
    const items = batch.map((stream) => ({ stream, frame: stream.take()! }));
    this.send(
      worker,
      { streams: items },
      first.options.task,
      items.map((i) => i.frame),
    );
    return true;
  }

  private send(worker: WorkerSlot, work: Omit<NonNullable<WorkerSlot['busy']>, 'jobId' | 'sentAt'>, task: VisionTask, frames: RgbImage[]): void {
    const jobId = this.nextJobId++;
    worker.busy = { jobId, sentAt: Date.now(), ...work };
    this.stats.jobs++;
    this.stats.framesAnalysed += frames.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, frames.length);
    // Only the pixels cross the process boundary.
    const images = frames.map((f) => ({ data: f.data, width: f.width, height: f.height }));
    worker.child.send({ type: 'run', jobId, task, images } satisfies ToWorker);
  }

  private spawn(index: number): Promise<void> {
    const child = fork(workerFile, [], {
      execArgv: ['--import', tsxLoader],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, WATCHPOST_INFER_THREADS: String(this.threads) },
    });
    const slot: WorkerSlot = { index, child, ready: false, busy: null };
    if (this.countModel) child.send({ type: 'count-model', ...this.countModel } satisfies ToWorker);
    this.workers[index] = slot;
    // A message sent to a worker that has just died fails with EPIPE on the child's 'error' event: with no
    // listener that would stop the whole platform. Its 'exit' follows and settles what it was doing.
    child.on('error', () => {});
    return new Promise((resolve, reject) => {
      child.on('message', (m: ToPool) => {
        if (m.type === 'ready') {
          if (this.options.warm?.length) child.send({ type: 'warm', tasks: this.options.warm } satisfies ToWorker);
          else this.markReady(slot, resolve);
        } else if (m.type === 'warmed') {
          if (m.error) reject(new Error(`inference worker cannot load its models: ${m.error}`));
          else this.markReady(slot, resolve);
        } else this.finish(slot, m);
      });
      child.once('exit', (code, signal) => {
        if (slot.ready) this.onExit(slot, signal ?? String(code));
        else reject(new Error(`inference worker exited while starting (${signal ?? code})`));
      });
    });
  }

  private markReady(slot: WorkerSlot, resolve: () => void): void {
    slot.ready = true;
    resolve();
    this.schedule();
  }

  private finish(slot: WorkerSlot, m: Extract<ToPool, { type: 'result' | 'error' }>): void {
    const busy = slot.busy;
    if (!busy || busy.jobId !== m.jobId) return;
    slot.busy = null;
    if (m.type === 'result') {
      busy.oneOff?.resolve(m.results[0]!);
      busy.streams?.forEach((item, i) => item.stream.settle({ result: m.results[i]!, frame: item.frame, sentAt: busy.sentAt, inferMs: m.ms }));
    } else {
      const error = new InferenceError('task_failed', m.message);
      busy.oneOff?.reject(error);
      busy.streams?.forEach((item) => item.stream.settle({ error }));
    }
    this.schedule();
  }

  private onExit(slot: WorkerSlot, reason: string): void {
    if (this.workers[slot.index] !== slot) return;
    const busy = slot.busy;
    slot.busy = null;
    slot.ready = false;
    if (this.closed) return;
    const crashed = new InferenceError('worker_crashed', `inference worker died (${reason})`);
    if (busy?.oneOff) {
      // Once more on a fresh worker; an image that kills two workers is refused.
      if (busy.oneOff.attempts++ < 1) this.queue.unshift(busy.oneOff);
      else busy.oneOff.reject(crashed);
    }
    busy?.streams?.forEach((item) => item.stream.settle({ error: crashed }));
    this.restarts++;
    this.replace(slot.index, slot.child.pid, reason);
  }

  private replace(index: number, pid: number | undefined, reason: string): void {
    if (this.closed) return;
    this.spawn(index).then(
      () => this.emit('workerreplaced', { index, pid, reason }),
      // Could not start one (e.g. out of memory): try again shortly.
      () => setTimeout(() => this.replace(index, pid, reason), 1000).unref(),
    );
  }

  /**
   * Counts with another installed version of the counting model from each worker's next job on, without a
   * restart (results name the version that produced them). Throws for a version not installed as listed.
   */
  setCountModel(version: string): void {
    this.setCountModelFile(version, countModelFile(version), countModelRun(version));
  }

  /** Counts with an ONNX file not (yet) listed in models/versions.json: for the tools that score a candidate. */
  setCountModelFile(version: string, file: string, run: CountRun = DEFAULT_COUNT_RUN): void {
    const model = { version, file, run };
    this.countModel = model;
    for (const worker of this.workers) if (worker?.child.connected) worker.child.send({ type: 'count-model', ...model } satisfies ToWorker);
  }

  get countModelVersion(): string {
    return this.countModel?.version ?? countModelVersions().default;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedError = new InferenceError('pool_closed', 'The inference pool is closed');
    for (const job of this.queue.splice(0)) job.reject(closedError);
    this.streams.closeAll();
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.busy?.oneOff?.reject(closedError);
            if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
            w.child.once('exit', () => resolve());
            w.child.kill('SIGTERM');
          }),
      ),
    );
  }
}
