/**
 * Where this node's live vision is analysed. With inference nodes in the platform (`NODE_ROLE=inference`,
 * found in the registry), each frame goes to the least busy of them as a JPEG over the internal API, and
 * its result comes back to the stream it left (newest frame wins, as with local workers). Without any, or
 * while one cannot be reached, frames are analysed by this node's own inference workers.
 */
import { encodeJpeg, InferenceError, RemoteInferencePool, type InferencePool, type StreamFrame, type TaskResult, type VisionTask } from '../../inference/index.ts';
import type { Logger } from '../logger.ts';
import { ClusterCallError, type ClusterClient } from './internal-api.ts';
import type { NodeInfo, NodeRegistry } from './node-registry.ts';

/** The inference nodes are looked up again after this. */
const NODES_READ_MS = 2000;
/** An inference node that could not be reached is passed by this long. */
const REST_AFTER_FAILURE_MS = 5000;
/** JPEG quality of a frame sent for analysis: ~100 kB for the 960×540 analysis picture, far below the raw 1.5 MB. */
const FRAME_QUALITY = 90;

export class InferenceNodes {
  private readonly remote: RemoteInferencePool;
  private nodes: { at: number; list: NodeInfo[] } | null = null;
  private readonly busy = new Map<string, number>();
  private readonly resting = new Map<string, number>();

  constructor(
    private readonly deps: {
      registry: Pick<NodeRegistry, 'liveNodes'>;
      cluster: Pick<ClusterClient, 'infer'>;
      /** This node's own inference workers (started on first use). */
      local: () => Promise<InferencePool>;
      logger: Logger;
    },
  ) {
    this.remote = new RemoteInferencePool((task, frame) => this.send(task, frame));
  }

  /** The pool a camera's analysis starting now uses: the inference nodes when there are any, else this node's workers. */
  async pool(): Promise<Pick<InferencePool, 'openStream'>> {
    return (await this.available()).length > 0 ? this.remote : this.deps.local();
  }

  close(): void {
    this.remote.close();
  }

  private async available(): Promise<NodeInfo[]> {
    if (!this.nodes || Date.now() - this.nodes.at > NODES_READ_MS) {
      const list = await this.deps.registry.liveNodes().catch(() => this.nodes?.list ?? []);
      this.nodes = { at: Date.now(), list: list.filter((n) => n.role === 'inference' && !n.draining) };
    }
    return this.nodes.list.filter((n) => (this.resting.get(n.id) ?? 0) < Date.now());
  }

  private async send(task: VisionTask, frame: StreamFrame): Promise<{ result: TaskResult; inferMs: number }> {
    const candidates = await this.available();
    const node = candidates.sort((a, b) => (this.busy.get(a.id) ?? 0) - (this.busy.get(b.id) ?? 0))[0];
    if (!node) return this.analyseHere(task, frame);
    this.busy.set(node.id, (this.busy.get(node.id) ?? 0) + 1);
    try {
      return await this.deps.cluster.infer(node, task, await encodeJpeg(frame, FRAME_QUALITY));
    } catch (err) {
      // Busy: this frame is dropped, the stream's next one goes (as a local pool drops a stale frame).
      if (err instanceof ClusterCallError && err.code === 'queue_full') throw new InferenceError('queue_full', `inference node ${node.id} is full`);
      if (!(err instanceof ClusterCallError) || err.status < 500) throw new InferenceError('task_failed', (err as Error).message);
      this.deps.logger.warn({ err, node: node.id }, 'an inference node cannot be reached; analysing here meanwhile');
      this.resting.set(node.id, Date.now() + REST_AFTER_FAILURE_MS);
      return this.analyseHere(task, frame);
    } finally {
      this.busy.set(node.id, (this.busy.get(node.id) ?? 1) - 1);
    }
  }

  private async analyseHere(task: VisionTask, frame: StreamFrame): Promise<{ result: TaskResult; inferMs: number }> {
    const pool = await this.deps.local();
    const started = Date.now();
    const result = await pool.run(task, frame);
    return { result, inferMs: Date.now() - started };
  }
}
