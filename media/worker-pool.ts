/**
 * The mediasoup workers: one per core by default, each with its own slice of the RTC port range. A worker
 * that dies is replaced in the same slot (same ports) and the pool announces it, so whoever owned routers
 * on it can re-create them. Routers go to the worker holding the fewest.
 */
import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { Router } from 'mediasoup/node/lib/Router.js';
import type { Worker, WorkerLogLevel } from 'mediasoup/node/lib/Worker.js';
import { routerCodecs } from './codecs.ts';

export interface WorkerPoolOptions {
  workers: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logLevel?: WorkerLogLevel;
}

interface Slot {
  index: number;
  worker: Worker;
  routers: Set<Router>;
  minPort: number;
  maxPort: number;
}

export interface WorkerPoolEvents {
  /** A worker died; its routers are gone. `routers` are the ids that were on it. */
  workerdied: [{ index: number; pid: number; error: Error; routerIds: string[] }];
  workerreplaced: [{ index: number; pid: number }];
}

export class MediaWorkerPool extends EventEmitter<WorkerPoolEvents> {
  private readonly slots: Slot[] = [];
  private closed = false;

  private constructor(private readonly options: WorkerPoolOptions) {
    super();
  }

  static async start(options: WorkerPoolOptions): Promise<MediaWorkerPool> {
    if (options.workers < 1) throw new Error('a media worker pool needs at least one worker');
    const span = Math.floor((options.rtcMaxPort - options.rtcMinPort + 1) / options.workers);
    if (span < 10) throw new Error('the RTC port range is too small for that many workers');
    const pool = new MediaWorkerPool(options);
    for (let i = 0; i < options.workers; i++) {
      const minPort = options.rtcMinPort + i * span;
      await pool.startWorker(i, minPort, minPort + span - 1);
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** The pids of the live workers, by slot. */
  pids(): number[] {
    return this.slots.map((s) => s.worker.pid);
  }

  /** A new router on the least loaded worker. */
  async createRouter(appData: Record<string, unknown> = {}): Promise<Router> {
    if (this.closed) throw new Error('the media worker pool is closed');
    const live = this.slots.filter((s) => !s.worker.died && !s.worker.closed);
    if (live.length === 0) throw new Error('no media worker is running (one is being replaced)');
    const slot = live.sort((a, b) => a.routers.size - b.routers.size)[0]!;
    const router = await slot.worker.createRouter({ mediaCodecs: routerCodecs, appData: { ...appData, workerIndex: slot.index } });
    slot.routers.add(router);
    // When the worker dies its routers close first; keep them listed for the 'workerdied' report.
    router.observer.once('close', () => {
      if (!slot.worker.died) slot.routers.delete(router);
    });
    return router;
  }

  /** Router counts per worker: the load figure placement uses. */
  load(): number[] {
    return this.slots.map((s) => s.routers.size);
  }

  async resourceUsage() {
    return Promise.all(this.slots.map(async (s) => ({ index: s.index, pid: s.worker.pid, routers: s.routers.size, usage: await s.worker.getResourceUsage() })));
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots) slot.worker.close();
  }

  private async startWorker(index: number, minPort: number, maxPort: number): Promise<void> {
    const worker = await mediasoup.createWorker({
      logLevel: this.options.logLevel ?? 'warn',
      rtcMinPort: minPort,
      rtcMaxPort: maxPort,
      appData: { index },
    });
    const slot: Slot = { index, worker, routers: new Set(), minPort, maxPort };
    this.slots[index] = slot;
    worker.on('died', (error) => {
      const routerIds = [...slot.routers].map((r) => r.id);
      slot.routers.clear();
      this.emit('workerdied', { index, pid: worker.pid, error, routerIds });
      if (!this.closed) void this.replace(index, minPort, maxPort);
    });
  }

  private async replace(index: number, minPort: number, maxPort: number, attempt = 0): Promise<void> {
    try {
      await this.startWorker(index, minPort, maxPort);
      this.emit('workerreplaced', { index, pid: this.slots[index]!.worker.pid });
    } catch {
      // Ports of the dead worker may linger a moment; try again with back-off.
      if (!this.closed && attempt < 10) setTimeout(() => void this.replace(index, minPort, maxPort, attempt + 1), 200 * 2 ** attempt);
    }
  }
}
