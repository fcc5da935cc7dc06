/**
 * The session timeline: every kind of event and the shape of its payload, stated once. The server
 * validates each event against this when it is written (TimelineService), the REST API describes it in
 * OpenAPI from it, the web app and the socket pushes are typed by it, and the sealed `timeline.json`
 * holds exactly these objects. Imports nothing but zod: the web app type-checks against this file.
 *
 * Kinds and payload fields are never renamed: timelines sealed with earlier versions are re-exported and
 * compared byte for byte when they are verified. New fields are added as optional; new kinds appended.
 */
import { z } from 'zod';
import { verdictOutcomes } from './records.ts';

export const timelineKinds = ['joined', 'left', 'command', 'acknowledgement', 'snapshot', 'detection', 'alarm', 'verdict', 'note'] as const;
export type TimelineKind = (typeof timelineKinds)[number];
/** Kinds the enterprise side neither hears nor reads (alarms and machine-vision measurements are for the officers). */
export const officersOnlyKinds: readonly TimelineKind[] = ['alarm', 'detection'];

export const sessionRoles = ['enterprise', 'officer', 'supervisor'] as const;
export type SessionRole = (typeof sessionRoles)[number];

/** A participant came or went (supervisors watch silently and are not put on the timeline). */
const presence = z.object({ role: z.enum(sessionRoles), name: z.string() });

export const timelinePayloads = {
  joined: presence,
  left: presence,
  /** The officer's instruction: a preset (with its parameters) or free text; `text` is what was shown. */
  command: z.object({ preset: z.string().nullable(), params: z.record(z.string(), z.union([z.string(), z.number()])), text: z.string() }),
  /** The enterprise confirms a command, `afterMs` after it was given. */
  acknowledgement: z.object({ commandId: z.number().int(), commandText: z.string(), afterMs: z.number() }),
  /** A still: the officer's snapshot of a stream (`producerId`) or the enterprise's uploaded photo. */
  snapshot: z.object({
    file: z.string(),
    sha256: z.string(),
    sizeBytes: z.number().int(),
    width: z.number().int(),
    height: z.number().int(),
    source: z.string(),
    label: z.string(),
    producerId: z.string().optional(),
    name: z.string().optional(),
  }),
  /** What machine vision measured over an interval; today the counting cameras' samples (the count chart). */
  detection: z.object({
    task: z.literal('count'),
    cameraId: z.string(),
    camera: z.string(),
    /** The median count of the frames analysed in the interval; min and max show how steady it was. */
    count: z.number(),
    min: z.number(),
    max: z.number(),
    frames: z.number().int(),
    from: z.string(),
    to: z.string(),
    /** The counting model version (absent on samples from before versions were recorded). */
    model: z.string().optional(),
  }),
  /** An alarm was raised; the rule's own details (plate, seal, camera...) are spread alongside. */
  alarm: z.object({ alarmId: z.string(), rule: z.string(), frameAt: z.string(), evidencePath: z.string().nullable() }).catchall(z.unknown()),
  verdict: z.object({ verdictId: z.string(), outcome: z.enum(verdictOutcomes), findings: z.string(), followUp: z.string() }),
  /** Things the platform noted on its own or on an action outside the conversation. */
  note: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('recording_gap'), recordingId: z.string(), gapMs: z.number(), reason: z.string() }),
    /**
     * The session's media left the node it lived on (stopping, lost, or killed and started again) and opened
     * on another or anew: a gap in what was seen and recorded (`silentMs`: since the node was last heard, or
     * last recorded).
     */
    z.object({ kind: z.literal('media_moved'), fromNode: z.string(), reason: z.enum(['node_draining', 'node_lost', 'node_restarted']), silentMs: z.number().nullable() }),
    z.object({ kind: z.literal('loading_batch_opened'), batchId: z.string(), cameraId: z.string(), camera: z.string(), expected: z.number().nullable() }),
    z.object({
      kind: z.literal('loading_batch_closed'),
      batchId: z.string(),
      cameraId: z.string(),
      expected: z.number().nullable(),
      counted: z.number(),
      forward: z.number(),
      backward: z.number(),
      alarmId: z.string().nullable(),
    }),
  ]),
} satisfies Record<TimelineKind, z.ZodType>;

export type TimelinePayload<K extends TimelineKind = TimelineKind> = z.output<(typeof timelinePayloads)[K]>;
export type TimelineNote = TimelinePayload<'note'>;

const eventOf = <K extends TimelineKind>(kind: K) =>
  z.object({
    id: z.number().int(),
    sessionId: z.string(),
    kind: z.literal(kind),
    at: z.string(),
    actorId: z.string().nullable(),
    payload: timelinePayloads[kind] as (typeof timelinePayloads)[K],
  });

/** One event as it is stored, pushed (`session:timeline`), answered over REST and sealed. */
export const timelineEventSchema = z
  .discriminatedUnion('kind', [
    eventOf('joined'),
    eventOf('left'),
    eventOf('command'),
    eventOf('acknowledgement'),
    eventOf('snapshot'),
    eventOf('detection'),
    eventOf('alarm'),
    eventOf('verdict'),
    eventOf('note'),
  ])
  .meta({ id: 'TimelineEvent' });

export type TimelineEvent = z.output<typeof timelineEventSchema>;
/** An event as the sealed `timeline.json` holds it (the session is the package's). */
export type SealedTimelineEvent = TimelineEvent extends infer E ? (E extends TimelineEvent ? Omit<E, 'sessionId'> : never) : never;
/** An event of one kind: `TimelineEventOf<'snapshot'>['payload']` is a snapshot's payload. */
export type TimelineEventOf<K extends TimelineKind> = Extract<TimelineEvent, { kind: K }>;
