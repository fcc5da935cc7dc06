/**
 * What nodes of one platform say to each other over their internal API (`/internal/cluster/rooms/...`,
 * every call carrying the cluster secret): a session's media is opened on its home node, and one stream at
 * a time is piped between the home and a node its participants reached, or between the camera walls of
 * two nodes (media crosses a pair of mediasoup pipe transports, one producer each).
 */
import { z } from 'zod';
import type { ProducerInfo } from './live-events.ts';
import { VISION_TASKS, type TaskResult } from '../../inference/index.ts';

const id = z.string().min(1).max(100);

export const producerInfoSchema = z.object({
  producerId: id,
  kind: z.enum(['audio', 'video']),
  source: z.string().max(200),
  cameraId: z.string().max(100).nullable(),
  input: z.enum(['main', 'sub']).optional(),
  peerId: z.string().max(100).nullable(),
  userId: z.string().max(100).nullable(),
  displayName: z.string().max(200),
  label: z.string().max(200),
}) satisfies z.ZodType<ProducerInfo>;

/** mediasoup's RTP parameters, passed from one router to the other as mediasoup wrote them. */
const rtpParameters = z.object({ codecs: z.array(z.record(z.string(), z.unknown())).min(1).max(10) }).loose();
const point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);
const jpegBase64 = z.base64().max(16_000_000);
const size = { width: z.number().int().min(1), height: z.number().int().min(1) };
/** A task's result as the inference worker gave it (its shape is inference's own contract). */
const taskResult = z.object({ task: z.enum(VISION_TASKS), model: z.string() }).loose();
const endpoint = { ip: z.string().min(1).max(64), port: z.number().int().min(1).max(65535) };

export const clusterCalls = {
  /** Open the session's media here (this node is its home): answered with its streams. */
  open: { body: z.object({ declarationId: id }), reply: z.object({ producers: z.array(producerInfoSchema) }) },
  producers: { body: z.object({}), reply: z.object({ producers: z.array(producerInfoSchema) }) },
  /** Send the caller one of this session's streams: the caller's pipe end is at ip:port. */
  pipeOut: {
    body: z.object({ producerId: id, ...endpoint }),
    reply: z.object({ ...endpoint, info: producerInfoSchema, rtpParameters, paused: z.boolean() }),
  },
  /** Take one of the caller's streams into this session: the caller sends from ip:port. */
  pipeIn: { body: z.object({ info: producerInfoSchema, rtpParameters, paused: z.boolean(), ...endpoint }), reply: z.object(endpoint) },
  /**
   * A loading batch counted on the session's home (room: the session), or on the node holding a supervised
   * camera (room: the wall): is the camera counted, open a batch on it, close one.
   */
  batchCounting: { body: z.object({ cameraId: id }), reply: z.object({ counting: z.boolean() }) },
  batchStart: { body: z.object({ cameraId: id, batchId: id, line: z.object({ a: point, b: point }) }), reply: z.object({ started: z.boolean() }) },
  batchEnd: {
    body: z.object({ batchId: id }),
    reply: z.object({ counted: z.object({ forward: z.number().int(), backward: z.number().int(), net: z.number().int() }).nullable() }),
  },
  /** A still of a supervised camera held by this node (a loading record's checklist tick keeps one): JPEG in base64. */
  still: {
    body: z.object({ cameraId: id, input: z.enum(['main', 'sub']).default('main') }),
    reply: z.object({ jpeg: jpegBase64, ...size }),
  },
  /**
   * The last frame a camera's analysis saw for a task, with the result (an officer holds it to correct it):
   * asked of the session's home (room: the session) or the node holding a supervised camera (room: the wall).
   */
  frame: {
    body: z.object({ cameraId: id, task: z.enum(VISION_TASKS) }),
    reply: z.object({ frame: z.object({ jpeg: jpegBase64, ...size, result: taskResult, capturedAt: z.number() }).nullable() }),
  },
  /** The stream the caller was sending through a pipe has ended: close what it fed here. */
  pipeClosed: { body: z.object({ producerId: id }), reply: z.object({}) },
} as const;
export type ClusterCall = keyof typeof clusterCalls;

/**
 * An inference node's answer to a frame sent for analysis (`POST /internal/cluster/inference/:task`, the
 * frame a JPEG as the body): the task's result as the inference worker gave it, and its time.
 */
export const inferenceReply = z.object({
  result: taskResult,
  inferMs: z.number().min(0),
});
/** An analysed frame as the `frame` call carries it, and back. */
type WireFrame = NonNullable<ClusterReply<'frame'>['frame']>;
export interface AnalysedFrameJpeg {
  jpeg: Buffer;
  width: number;
  height: number;
  result: TaskResult;
  capturedAt: number;
}
export const frameToWire = (f: AnalysedFrameJpeg): WireFrame => ({ ...f, jpeg: f.jpeg.toString('base64'), result: f.result as unknown as WireFrame['result'] });
export const frameFromWire = (f: WireFrame): AnalysedFrameJpeg => ({ ...f, jpeg: Buffer.from(f.jpeg, 'base64'), result: f.result as unknown as TaskResult });

export type ClusterBody<C extends ClusterCall> = z.input<(typeof clusterCalls)[C]['body']>;
export type ClusterReply<C extends ClusterCall> = z.output<(typeof clusterCalls)[C]['reply']>;

/** Events every node hears (socket.io's server-side emit over the Redis adapter). */
export interface InterNodeEvents {
  /** The inspection ended: every node closes what it holds of the session's media. */
  'session:ended': (sessionId: string) => void;
  /** A camera's registration changed (administration on some node): the node holding it applies it. */
  'camera:changed': (cameraId: string) => void;
  /** An administrator made another counting model version active: every node's inference workers switch. */
  'model:changed': (version: string) => void;
  /** A loading record at the farm opened or was decided: every node checks the farm's reads against it afresh. */
  'farm:context': (siteId: string) => void;
}
