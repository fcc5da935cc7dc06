/**
 * The loading record (全链条监管): one shipment of live animals under a declaration, loaded at a farm and
 * supervised on its cameras, with or without a booked video session. Its own timeline — the vehicle read
 * at the bay, the disinfection and clinical checklist (each tick with a still), the animals counted per
 * deck across a loading line, the seals read on the closed vehicle, the alarms, the officer's decision —
 * stated once here: the server validates every event against it (LoadingRecordService, the one writer),
 * the REST API and the web app are typed by it, and the sealed `record.json` holds exactly these objects.
 * Imports nothing but zod. Kinds and fields are never renamed (sealed records are re-exported to verify).
 */
import { z } from 'zod';

export const loadingRecordStatuses = ['open', 'released', 'held'] as const;
export type LoadingRecordStatus = (typeof loadingRecordStatuses)[number];

export const loadingDecisions = ['release', 'hold'] as const;
export type LoadingDecision = (typeof loadingDecisions)[number];

/** The checklist the officer ticks while watching, in the order of the chain. */
export const loadingChecks = ['vehicle_disinfected', 'loading_bay_disinfected', 'driver_and_papers_checked', 'clinical_inspection_passed', 'ear_tags_checked', 'vehicle_sealed'] as const;
export type LoadingCheck = (typeof loadingChecks)[number];

/** A still kept as evidence: where it is stored (relative to the data dir) and its hash. */
const still = z.object({ file: z.string(), sha256: z.string(), sizeBytes: z.number().int(), cameraId: z.string(), camera: z.string() });

const point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);
export const countingLine = z.object({ a: point, b: point });

export const loadingEventPayloads = {
  /** The record was opened for a declaration at its farm; what is expected. */
  opened: z.object({ declarationNumber: z.string(), expectedPlate: z.string().nullable(), declaredQuantity: z.number(), declaredSeals: z.array(z.string()) }),
  /** A plate read (confirmed over frames) at one of the farm's cameras, and whether it is the expected vehicle. */
  vehicle: z.object({
    plate: z.string(),
    cameraId: z.string(),
    camera: z.string(),
    matched: z.boolean(),
    registered: z.boolean(),
    confidence: z.number(),
    /** The expected (or registered) vehicle the read stands for, and how many characters were off. */
    vehicle: z.string().nullable().optional(),
    corrections: z.number().int().min(0).optional(),
  }),
  /** A checklist item ticked, with a still of the camera the officer was watching. */
  check: z.object({ item: z.enum(loadingChecks), still: still.nullable() }),
  /** The officer's note (clinical inspection findings, anything seen). */
  note: z.object({ text: z.string() }),
  /** Counting of one deck began on a camera's loading line. */
  deck_opened: z.object({ deck: z.number().int().positive(), cameraId: z.string(), camera: z.string(), line: countingLine }),
  /** A deck's count, closed: animals over the line forward, back, and net. */
  deck_closed: z.object({
    deck: z.number().int().positive(),
    cameraId: z.string(),
    forward: z.number().int(),
    backward: z.number().int(),
    net: z.number().int(),
    /** Its counting was lost (the camera's feed or analysis restarted): nothing counted, count it again. */
    interrupted: z.boolean().optional(),
  }),
  /** A seal number read on the vehicle (confirmed over frames), and whether it is one of those declared. */
  seal: z.object({
    seal: z.string(),
    cameraId: z.string(),
    camera: z.string(),
    matched: z.boolean(),
    confidence: z.number(),
    /** The declared seal it stands for (a single misread character is corrected), and how many were. */
    declared: z.string().nullable(),
    corrections: z.number().int(),
  }),
  /** An alarm raised at the farm while the record was open (its frame and clip are sealed with the record). */
  alarm: z.object({ alarmId: z.string(), rule: z.string(), cameraId: z.string().nullable(), frameAt: z.string(), details: z.record(z.string(), z.unknown()) }),
  /** The officer's decision, with the totals it was taken on. */
  decision: z.object({ decision: z.enum(loadingDecisions), reason: z.string(), counted: z.number().int(), declared: z.number(), sealsMatched: z.array(z.string()), sealsMissing: z.array(z.string()) }),
} satisfies Record<string, z.ZodType>;

export type LoadingEventKind = keyof typeof loadingEventPayloads;
export type LoadingEventPayload<K extends LoadingEventKind> = z.output<(typeof loadingEventPayloads)[K]>;

/** Kinds the enterprise does not read (as in a session: alarms are the officers'). */
export const loadingOfficersOnlyKinds: readonly LoadingEventKind[] = ['alarm'];

const eventOf = <K extends LoadingEventKind>(kind: K) =>
  z.object({
    id: z.number().int(),
    kind: z.literal(kind),
    at: z.string(),
    actorId: z.string().nullable(),
    payload: loadingEventPayloads[kind] as (typeof loadingEventPayloads)[K],
  });

/** One event as stored, answered, pushed (`loading:event`) and sealed. */
export const loadingEventSchema = z
  .discriminatedUnion('kind', [
    eventOf('opened'),
    eventOf('vehicle'),
    eventOf('check'),
    eventOf('note'),
    eventOf('deck_opened'),
    eventOf('deck_closed'),
    eventOf('seal'),
    eventOf('alarm'),
    eventOf('decision'),
  ])
  .meta({ id: 'LoadingEvent' });
export type LoadingEvent = z.output<typeof loadingEventSchema>;
export type LoadingEventOf<K extends LoadingEventKind> = Extract<LoadingEvent, { kind: K }>;

export const loadingRecordView = z
  .object({
    id: z.string(),
    declarationId: z.string(),
    declarationNumber: z.string(),
    goodsDescription: z.string(),
    declaredQuantity: z.number(),
    quantityUnit: z.string(),
    declaredSeals: z.array(z.string()),
    siteId: z.string(),
    siteName: z.string(),
    enterpriseName: z.string(),
    expectedPlate: z.string().nullable(),
    /** The plate read and matched at the farm, once one was. */
    matchedPlate: z.string().nullable(),
    status: z.enum(loadingRecordStatuses),
    openedAt: z.string(),
    openedByName: z.string(),
    decidedAt: z.string().nullable(),
    decidedByName: z.string().nullable(),
    reason: z.string(),
    /** Net animals counted over the closed decks (the open deck's live count comes by push). */
    counted: z.number().int(),
    openDeck: z.object({ deck: z.number().int(), cameraId: z.string(), line: countingLine }).nullable(),
    checks: z.array(z.enum(loadingChecks)),
    sealsMatched: z.array(z.string()),
    sealed: z.boolean(),
  })
  .meta({ id: 'LoadingRecord' });
export type LoadingRecordView = z.output<typeof loadingRecordView>;
