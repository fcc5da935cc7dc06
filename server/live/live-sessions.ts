/**
 * The live inspection sessions on this node, by id: one LiveSession each, opened at the first join and
 * closed when the inspection completes (or its mediasoup worker dies: participants join again and a new
 * one opens on a live worker). Also the live side of loading-batch counting, for LoadingBatchService.
 */
import type { Room } from '../../media/index.ts';
import type { BatchCounting } from '../services/loading-batches.service.ts';
import { LiveSession, type LiveSessionDeps } from './live-session.ts';
import type { AnalysedFrame, BatchLine } from './live-vision.ts';
import type { VisionTask } from '../../inference/index.ts';

export class LiveSessions implements BatchCounting {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly opening = new Map<string, Promise<LiveSession>>();

  constructor(private readonly deps: LiveSessionDeps) {
    // Its rooms notice by themselves (their routers close); this is for the log.
    deps.pool.on('workerdied', ({ index, pid, routerIds }) => deps.logger.error({ index, pid, routers: routerIds.length }, 'mediasoup worker died'));
  }

  /** The session's room, opened (with its cameras) on first use. */
  async room(sessionId: string, declarationId: string): Promise<Room> {
    const existing = this.live(sessionId);
    if (existing) return existing.room;
    let opening = this.opening.get(sessionId);
    if (!opening) {
      opening = LiveSession.open(sessionId, declarationId, this.deps, (closed) => {
        if (this.sessions.get(sessionId) === closed) this.sessions.delete(sessionId);
      })
        .then((live) => {
          this.sessions.set(sessionId, live);
          return live;
        })
        .finally(() => this.opening.delete(sessionId));
      this.opening.set(sessionId, opening);
    }
    return (await opening).room;
  }

  /** The session's live media on this node, if open. */
  live(sessionId: string): LiveSession | null {
    const live = this.sessions.get(sessionId);
    return live && !live.closed ? live : null;
  }

  existingRoom(sessionId: string): Room | null {
    return this.live(sessionId)?.room ?? null;
  }

  /** For tests and operations: the processes working for a live session now. */
  processes(sessionId: string) {
    return this.sessions.get(sessionId)?.processes() ?? { cameras: [], recorders: [] };
  }

  async close(sessionId: string): Promise<void> {
    await this.sessions.get(sessionId)?.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((live) => live.close()));
  }

  latestFrame(sessionId: string, cameraId: string, task: VisionTask): AnalysedFrame | null {
    return this.live(sessionId)?.latestFrame(cameraId, task) ?? null;
  }

  isCounting(sessionId: string, cameraId: string): boolean {
    return this.live(sessionId)?.isCounting(cameraId) ?? false;
  }

  startBatch(sessionId: string, cameraId: string, batchId: string, line: BatchLine): boolean {
    return this.live(sessionId)?.startBatch(cameraId, batchId, line) ?? false;
  }

  endBatch(batchId: string): { forward: number; backward: number; net: number } | null {
    for (const live of this.sessions.values()) {
      const counted = live.endBatch(batchId);
      if (counted) return counted;
    }
    return null;
  }
}
