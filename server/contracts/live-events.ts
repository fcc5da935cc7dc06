/**
 * What travels over socket.io, stated once for the server and the web app: the messages a client sends
 * during an inspection (zod-validated on arrival) with what each answers, and every event the server
 * pushes. Imports nothing but zod and the other contracts: the web app type-checks against this file.
 */
import { z } from 'zod';
import type { SessionRole, TimelineEvent, TimelineEventOf } from './timeline.ts';
import type { AlarmChange, AlarmView } from './records.ts';
import type { LoadingEvent } from './loading-record.ts';

/** Commands an officer gives most often, one click away. `{n}` is filled from params. */
export const commandPresets = {
  show_label: 'Show the label close up',
  open_carton: 'Open carton {n}',
  pan_to_seal: 'Pan to the seal',
  show_seal_number: 'Hold the camera on the seal number',
  show_plate: 'Show the vehicle licence plate',
  count_slowly: 'Walk the animals past the camera slowly',
  show_documents: 'Show the shipping documents',
  steady_camera: 'Hold the camera steady',
  upload_photo: 'Take a photo and upload it',
} as const;
export type CommandPreset = keyof typeof commandPresets;

const sessionRef = z.object({ sessionId: z.uuid() });
/** The supervision wall is addressed where a session would be: the media messages work on either. */
export const WALL = 'wall';
const mediaRef = z.object({ sessionId: z.union([z.uuid(), z.literal(WALL)]) });
const id = z.string().min(1).max(100);
// mediasoup validates the RTP/DTLS parameters in depth; here only their shape and size.
const dtlsParameters = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(z.object({ algorithm: z.string(), value: z.string() }))
    .min(1)
    .max(8),
});
const rtpParameters = z.object({ codecs: z.array(z.record(z.string(), z.unknown())).min(1).max(10), encodings: z.array(z.record(z.string(), z.unknown())).max(10).optional() }).loose();
const rtpCapabilities = z.object({ codecs: z.array(z.record(z.string(), z.unknown())).max(100).optional(), headerExtensions: z.array(z.record(z.string(), z.unknown())).max(100).optional() }).loose();

/** Client-to-server messages of a live inspection; each is answered through its acknowledgement. */
export const signallingMessages = {
  'session:join': sessionRef,
  'session:leave': sessionRef,
  /** Watch the supervised farm cameras the caller may see (the camera wall), receive-only. */
  'wall:join': z.object({ sessionId: z.literal(WALL) }),
  'media:createTransport': mediaRef.extend({ direction: z.enum(['send', 'recv']) }),
  'media:connectTransport': mediaRef.extend({ transportId: id, dtlsParameters }),
  'media:produce': sessionRef.extend({ transportId: id, kind: z.enum(['audio', 'video']), rtpParameters, label: z.string().max(60).default('camera') }),
  'media:consume': mediaRef.extend({ transportId: id, producerId: id, rtpCapabilities }),
  'media:setConsumerPaused': mediaRef.extend({ consumerId: id, paused: z.boolean() }),
  'media:setProducerPaused': sessionRef.extend({ producerId: id, paused: z.boolean() }),
  'session:command': sessionRef.extend({
    preset: z.enum(Object.keys(commandPresets) as [CommandPreset, ...CommandPreset[]]).optional(),
    text: z.string().max(500).optional(),
    params: z.record(z.string(), z.union([z.string().max(40), z.number()])).optional(),
  }),
  'session:acknowledge': sessionRef.extend({ commandId: z.number().int().positive() }),
  'session:snapshot': sessionRef.extend({ producerId: id }),
} as const;
export type SignallingMessage = keyof typeof signallingMessages;

/** A stream in a session's room. */
export interface ProducerInfo {
  producerId: string;
  kind: 'audio' | 'video';
  /** `peer:<peerId>` for a browser, `camera:<cameraId>` for a site camera (what recordings are named by). */
  source: string;
  /** The site camera it comes from; null for a participant's stream. */
  cameraId: string | null;
  /** A site camera's stream: its main one (full size, recorded) or its sub-stream (low resolution, for tiles). */
  input?: 'main' | 'sub';
  peerId: string | null;
  userId: string | null;
  displayName: string;
  /** e.g. 'camera' / 'microphone' / a camera's name */
  label: string;
}

/** Opaque to the platform: mediasoup's parameters, handed from the server's to the browser's library. */
type MediasoupParameters = Record<string, unknown>;

/** What each message answers (`data` of `{ ok: true, data }`). */
export interface SignallingReplies {
  'session:join': {
    role: SessionRole;
    rtpCapabilities: MediasoupParameters;
    producers: ProducerInfo[];
    iceServers: Array<{ urls: string | string[]; username?: string; credential?: string }>;
    timeline: TimelineEvent[];
    commandPresets: Record<CommandPreset, string>;
  };
  'session:leave': Record<string, never>;
  'wall:join': {
    /** False when this connection was already watching: what it receives goes on; true: start afresh. */
    fresh: boolean;
    rtpCapabilities: MediasoupParameters;
    /** One video stream per supervised camera the caller may see that is live on this node. */
    producers: ProducerInfo[];
    iceServers: Array<{ urls: string | string[]; username?: string; credential?: string }>;
  };
  'media:createTransport': { id: string; iceParameters: MediasoupParameters; iceCandidates: MediasoupParameters[]; dtlsParameters: MediasoupParameters };
  'media:connectTransport': Record<string, never>;
  'media:produce': { producerId: string };
  'media:consume': { id: string; producerId: string; kind: 'audio' | 'video'; rtpParameters: MediasoupParameters };
  'media:setConsumerPaused': Record<string, never>;
  'media:setProducerPaused': Record<string, never>;
  'session:command': TimelineEventOf<'command'>;
  'session:acknowledge': TimelineEventOf<'acknowledgement'>;
  'session:snapshot': TimelineEventOf<'snapshot'>;
}

/** Every acknowledgement: the answer, or an error whose code the web app translates. */
export type SignallingReply<M extends SignallingMessage> = { ok: true; data: SignallingReplies[M] } | { ok: false; error: SignallingFailure };

/** A refused message: the code, and where the server knows more, the reason and its parameters for the reader's language. */
export interface SignallingFailure {
  code: string;
  reason?: string;
  params?: Record<string, string | number>;
  message: string;
}

/** One result of machine vision on a camera, drawn over its video on the officers' screens. */
export type VisionResult = {
  cameraId: string;
  camera: string;
  capturedAt: string;
  /** From the frame leaving the frame tap (decoded) to the result being sent. */
  latencyMs: number;
  /** Where that time went: waiting for a worker, inference, and the rules and zones after it (ms). */
  timing?: { waitMs: number; inferMs: number; handledMs: number };
  /** The model version that produced it (models/versions.json; the text reader's for plates and seals). */
  model: string;
  width: number;
  height: number;
} & (
  | { task: 'count'; count: number; points: Array<[number, number]>; scores: number[] }
  | { task: 'plate' | 'seal'; results: Array<{ text: string; confidence: number; box: [number, number, number, number]; format: string; raw: string }> }
);

/** Server-to-client events, for socket.io's typed `Server` and `Socket` on both sides. */
export interface ServerToClientEvents {
  /** To everybody in the session (alarms and count samples included). */
  'session:timeline': (event: TimelineEvent) => void;
  'media:newProducer': (producer: ProducerInfo) => void;
  'media:producerClosed': (closed: { producerId: string }) => void;
  /** The session's media failed over (its worker died): join again. */
  'media:reset': (reset: { reason: string }) => void;
  'camera:online': (camera: { cameraId: string }) => void;
  'camera:offline': (camera: { cameraId: string; silentMs: number; alarmId: string }) => void;
  /** Supervised cameras came live or went (to everyone who may watch farms): the wall joins again. */
  'wall:changed': () => void;
  /** To the officers and supervisors of a session only. */
  'vision:result': (result: VisionResult) => void;
  'vision:batch': (batch: { batchId: string; cameraId: string; forward: number; backward: number; net: number }) => void;
  /** An alarm incident was raised, seen again, acknowledged or cleared: its state now. */
  'alarm:changed': (changed: { change: AlarmChange; alarm: AlarmView }) => void;
  /** A loading record's new event: to its port's officers and the supervisors (and, but for alarms, its enterprise). */
  'loading:event': (pushed: { recordId: string; event: LoadingEvent }) => void;
  /** To the users a booking concerns (its enterprise, port, officer, supervisors). */
  'booking:changed': (change: { action: string; booking: { id: string; status: string; sessionId: string | null } }) => void;
  /** To one user. */
  notification: (notification: { kind: string; payload: Record<string, unknown> }) => void;
  'export:progress': (progress: { exportId: string; sessionId: string; progress: number }) => void;
  'export:done': (done: { exportId: string; sessionId: string }) => void;
  'export:failed': (failed: { exportId: string; sessionId: string; error: string }) => void;
}

/** Client-to-server events: each message with its acknowledgement. */
export type ClientToServerEvents = {
  [M in SignallingMessage]: (message: z.input<(typeof signallingMessages)[M]>, ack: (reply: SignallingReply<M>) => void) => void;
};
