/**
 * Labelled samples, stated once: what an officer's correction of the vision becomes. A frame the models
 * analysed is held (its picture and what the model saw in it), the officer corrects it — the animals'
 * points, the text of a plate or seal — and the frame with its label is kept as training and evaluation
 * data; a loading batch's confirmed true total is a sample without a picture (the line counter's truth).
 * Points are fractions of the picture (0..1), like zones and counting lines.
 */
import { z } from 'zod';

export const sampleTasks = ['count', 'plate', 'seal', 'crossing'] as const;
export type SampleTask = (typeof sampleTasks)[number];
/** The tasks whose frames can be held and corrected (a crossing total is confirmed on its batch). */
export const frameTasks = ['count', 'plate', 'seal'] as const;
export type FrameTask = (typeof frameTasks)[number];

/** More animals than this on one picture is not a pen a camera sees. */
export const MAX_SAMPLE_POINTS = 400;
export const MAX_SAMPLE_READS = 8;

const fraction = z.number().min(0).max(1);
const samplePoint = z.tuple([fraction, fraction]);
/** x, y, width, height as fractions of the picture. */
const sampleBox = z.tuple([fraction, fraction, fraction, fraction]);
/** What a plate or seal says: letters (any script: 粤, 港), digits, and the separators plates carry. */
const readText = z
  .string()
  .trim()
  .min(1)
  .max(20)
  .regex(/^[\p{L}\p{N}·\- ]+$/u, { message: 'letters, digits, spaces, dashes and · only' });

export const countLabel = z.object({ task: z.literal('count'), points: z.array(samplePoint).max(MAX_SAMPLE_POINTS) });
export const readLabel = z.object({
  task: z.enum(['plate', 'seal']),
  /** Every plate or seal on the picture, as it truly reads; none when nothing readable is there. */
  reads: z.array(z.object({ text: readText, box: sampleBox.optional() })).max(MAX_SAMPLE_READS),
});
export const crossingLabel = z.object({ task: z.literal('crossing'), total: z.number().int().min(0).max(100_000) });
export const sampleLabel = z.discriminatedUnion('task', [countLabel, readLabel, crossingLabel]);
export type SampleLabel = z.infer<typeof sampleLabel>;
/** What an officer may label on a held frame. */
export const frameLabel = z.discriminatedUnion('task', [countLabel, readLabel]);
export type FrameLabel = z.infer<typeof frameLabel>;

/** What the model said, kept beside the label (the correction is the difference). */
export const samplePrediction = z.union([
  z.object({ task: z.literal('count'), count: z.number().int(), points: z.array(samplePoint) }),
  z.object({ task: z.enum(['plate', 'seal']), reads: z.array(z.object({ text: z.string(), confidence: z.number(), box: sampleBox })) }),
  z.object({ task: z.literal('crossing'), forward: z.number().int(), backward: z.number().int(), net: z.number().int() }),
]);
export type SamplePrediction = z.infer<typeof samplePrediction>;

/** Where a sample came from: a session, a loading batch of it, or a farm's supervised camera. */
export const sampleSource = z.object({ sessionId: z.uuid().nullable(), batchId: z.uuid().optional() });

/** The dataset export's format version (models/README.md, "Labelled samples"). */
export const SAMPLE_EXPORT_FORMAT = 'watchpost-samples/1';
