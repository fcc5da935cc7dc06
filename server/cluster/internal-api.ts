/**
 * The nodes' internal API: `POST /internal/cluster/rooms/:roomId/:call` (a session's id, or `wall` for the
 * camera wall), one call per entry of the contract (server/contracts/cluster.ts). Every call names its node (`x-watchpost-node`, a node beating in
 * the registry) and carries the cluster secret as a bearer token, compared in constant time. It is served
 * beside the public API but by its own small express app: no cookie, no browser may call it. Frames for
 * analysis go to `POST /internal/cluster/inference/:task` (a JPEG body) on an inference node.
 */
import crypto from 'node:crypto';
import express from 'express';
import { ZodError } from 'zod';
import { MediaError } from '../../media/index.ts';
import { clusterCalls, inferenceReply, type ClusterBody, type ClusterCall, type ClusterReply } from '../contracts/cluster.ts';
import { VISION_TASKS, type TaskResult, type VisionTask } from '../../inference/index.ts';
import type { Logger } from '../logger.ts';
import type { NodeInfo, NodeRegistry } from './node-registry.ts';

export const INTERNAL_PREFIX = '/internal/cluster/';
const CALL_TIMEOUT_MS = 5000;
/** Opening a session's media starts its site cameras one after the other (each probed for up to 8 s). */
const OPEN_TIMEOUT_MS = 60_000;
/** A frame waits behind a worker's current batch at most: an answer later than this is of no use live. */
const INFER_TIMEOUT_MS = 10_000;
/** A frame for analysis: a JPEG of the 960×540 analysis picture is ~100 kB; far larger is no frame of ours. */
const MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** Analyses one frame on this node (an inference node's work for the others). */
export type InferHere = (task: VisionTask, jpeg: Buffer) => Promise<{ result: TaskResult; inferMs: number }>;

export type ClusterHandlers = {
  [C in ClusterCall]: (roomId: string, caller: NodeInfo, body: ClusterBody<C>) => Promise<ClusterReply<C>>;
};

export class ClusterCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function sameSecret(given: string, secret: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(secret).digest();
  return crypto.timingSafeEqual(a, b);
}

export function internalApi(deps: { registry: NodeRegistry; secret: string; handlers: (roomId: string) => ClusterHandlers; infer: InferHere; logger: Logger }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '256kb' }));
  /** The calling node, once its secret and name check out; else the refusal is sent and null returned. */
  const callerOf = async (req: express.Request, res: express.Response): Promise<NodeInfo | null> => {
    const given = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
    if (!sameSecret(given, deps.secret)) return (void res.status(401).json({ error: { code: 'unauthenticated' } }), null);
    const caller = await deps.registry.node(req.get('x-watchpost-node') ?? '').catch(() => null);
    if (!caller) return (void res.status(403).json({ error: { code: 'unknown_node', message: 'Not a node of this platform' } }), null);
    return caller;
  };
  app.post(`${INTERNAL_PREFIX}inference/:task`, express.raw({ type: 'image/jpeg', limit: MAX_FRAME_BYTES }), async (req, res) => {
    if (!(await callerOf(req, res))) return;
    const task = req.params.task as VisionTask;
    if (!VISION_TASKS.includes(task)) return void res.status(404).json({ error: { code: 'not_found' } });
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) return void res.status(400).json({ error: { code: 'validation_failed', message: 'send the frame as image/jpeg' } });
    try {
      res.json(await deps.infer(task, req.body));
    } catch (err) {
      const code = (err as { code?: string }).code;
      // A full queue is for the sender to drop the frame (a newer one follows), not an error here.
      if (code === 'queue_full') return void res.status(503).json({ error: { code } });
      deps.logger.warn({ err, task }, 'a frame sent for analysis failed');
      res.status(code === 'pool_closed' ? 503 : 422).json({ error: { code: code ?? 'task_failed', message: (err as Error).message } });
    }
  });
  app.post(`${INTERNAL_PREFIX}rooms/:roomId/:call`, async (req, res) => {
    const call = req.params.call as ClusterCall;
    const caller = await callerOf(req, res);
    if (!caller) return;
    if (!Object.hasOwn(clusterCalls, call)) return void res.status(404).json({ error: { code: 'not_found' } });
    try {
      const body = clusterCalls[call].body.parse(req.body);
      const roomId = String(req.params.roomId);
      const handler = deps.handlers(roomId)[call] as (roomId: string, caller: NodeInfo, body: unknown) => Promise<unknown>;
      res.json(await handler(roomId, caller, body));
    } catch (err) {
      if (err instanceof ZodError) return void res.status(400).json({ error: { code: 'validation_failed', message: err.message } });
      if (err instanceof MediaError) return void res.status(409).json({ error: { code: err.code, message: err.message } });
      if (err instanceof ClusterCallError) return void res.status(err.status).json({ error: { code: err.code, message: err.message } });
      deps.logger.error({ err, call, roomId: req.params.roomId }, 'internal cluster call failed');
      res.status(500).json({ error: { code: 'internal' } });
    }
  });
  app.use((_req, res) => void res.status(404).json({ error: { code: 'not_found' } }));
  return app;
}

/** Calls another node's internal API; a refusal comes back as a ClusterCallError with the node's code. */
export class ClusterClient {
  constructor(
    private readonly selfId: string,
    private readonly secret: string,
  ) {}

  async call<C extends ClusterCall>(node: Pick<NodeInfo, 'id' | 'url'>, roomId: string, call: C, body: ClusterBody<C>): Promise<ClusterReply<C>> {
    let res: Response;
    try {
      res = await fetch(`${node.url}${INTERNAL_PREFIX}rooms/${encodeURIComponent(roomId)}/${call}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.secret}`, 'x-watchpost-node': this.selfId },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(call === 'open' ? OPEN_TIMEOUT_MS : CALL_TIMEOUT_MS),
      });
    } catch (err) {
      throw new ClusterCallError(503, 'node_unreachable', `node ${node.id} cannot be reached: ${(err as Error).message}`);
    }
    const reply = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (!res.ok) throw new ClusterCallError(res.status, reply.error?.code ?? 'internal', reply.error?.message ?? `node ${node.id} answered ${res.status}`);
    return clusterCalls[call].reply.parse(reply) as ClusterReply<C>;
  }

  /** Has an inference node analyse a frame (a JPEG); a refusal comes back as a ClusterCallError (503 `queue_full`: drop it). */
  async infer(node: Pick<NodeInfo, 'id' | 'url'>, task: VisionTask, jpeg: Buffer): Promise<{ result: TaskResult; inferMs: number }> {
    let res: Response;
    try {
      res = await fetch(`${node.url}${INTERNAL_PREFIX}inference/${task}`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg', authorization: `Bearer ${this.secret}`, 'x-watchpost-node': this.selfId },
        body: new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }),
        signal: AbortSignal.timeout(INFER_TIMEOUT_MS),
      });
    } catch (err) {
      throw new ClusterCallError(503, 'node_unreachable', `node ${node.id} cannot be reached: ${(err as Error).message}`);
    }
    const reply = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (!res.ok) throw new ClusterCallError(res.status, reply.error?.code ?? 'internal', reply.error?.message ?? `node ${node.id} answered ${res.status}`);
    const parsed = inferenceReply.parse(reply);
    return { result: parsed.result as unknown as TaskResult, inferMs: parsed.inferMs };
  }
}
