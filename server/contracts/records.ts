/**
 * The records the REST API answers with that the services build, stated once as zod schemas: routes
 * validate and describe with them (OpenAPI, from which the web app's types are generated), services
 * return their output types. Imports nothing but zod.
 */
import { z } from 'zod';

export const inspectionTypes = ['label_rectification', 'destination_inspection', 'routine_supervision', 'pre_export_sampling'] as const;
export type InspectionType = (typeof inspectionTypes)[number];

export const bookingStatuses = [
  'requested', // the enterprise asked for a slot
  'proposed', // an officer proposed another slot; the enterprise accepts or cancels
  'confirmed', // an officer is assigned to the slot
  'in_progress', // the live session is open
  'completed', // a verdict was recorded
  'cancelled',
  'no_show', // the enterprise did not join a confirmed slot
] as const;
export type BookingStatus = (typeof bookingStatuses)[number];

export const verdictOutcomes = ['pass', 'rectify', 'fail'] as const;
export type VerdictOutcome = (typeof verdictOutcomes)[number];

export const bookingRecord = z
  .object({
    id: z.uuid(),
    declarationId: z.uuid(),
    declarationNumber: z.string(),
    enterpriseId: z.uuid(),
    enterpriseName: z.string(),
    portId: z.uuid(),
    type: z.enum(inspectionTypes),
    status: z.enum(bookingStatuses),
    slotStart: z.string(),
    slotEnd: z.string(),
    officerId: z.uuid().nullable(),
    officerName: z.string().nullable(),
    requestedBy: z.uuid(),
    note: z.string(),
    statusReason: z.string(),
    vehiclePlate: z.string().nullable(),
    sessionId: z.uuid().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Booking' });
export type BookingView = z.output<typeof bookingRecord>;

export const declarationRecord = z
  .object({
    id: z.uuid(),
    number: z.string(),
    enterpriseId: z.uuid(),
    enterpriseName: z.string(),
    portId: z.uuid(),
    siteId: z.uuid().nullable(),
    goodsDescription: z.string(),
    declaredQuantity: z.number(),
    quantityUnit: z.string(),
    sealNumbers: z.array(z.string()),
    validUntil: z.string().nullable(),
    vehiclePlate: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Declaration' });
export type DeclarationView = z.output<typeof declarationRecord>;

/** One session as archive search lists it. */
export const archiveEntryRecord = z
  .object({
    sessionId: z.uuid(),
    bookingId: z.uuid(),
    declarationNumber: z.string(),
    enterpriseId: z.uuid(),
    enterpriseName: z.string(),
    siteId: z.uuid().nullable(),
    siteName: z.string().nullable(),
    officerId: z.uuid().nullable(),
    officerName: z.string().nullable(),
    type: z.enum(inspectionTypes),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    verdict: z.enum(verdictOutcomes).nullable(),
    alarms: z.number().int(),
    sealed: z.boolean(),
  })
  .meta({ id: 'ArchiveEntry' });
export type ArchiveEntry = z.output<typeof archiveEntryRecord>;

/** An evidence package being built for its requester. */
export const evidenceExportRecord = z
  .object({ exportId: z.string(), sessionId: z.uuid(), state: z.string(), progress: z.number(), sizeBytes: z.number().nullable(), sha256: z.string().nullable(), error: z.string().nullable() })
  .meta({ id: 'EvidenceExport' });
export type ExportStatus = z.output<typeof evidenceExportRecord>;

export const alarmStatuses = ['open', 'acknowledged', 'cleared'] as const;
export const alarmChanges = ['raised', 'repeated', 'acknowledged', 'cleared'] as const;

/**
 * An alarm is an incident: the first time a rule fires for a camera and value it is raised (and put on
 * the timeline); while it is open, the same condition again counts as an occurrence of it; it closes when
 * acknowledged or when its condition clears (the camera is back, the picture moves again).
 */
export const alarmRecord = z
  .object({
    id: z.uuid(),
    sessionId: z.uuid().nullable(),
    siteId: z.uuid().nullable(),
    cameraId: z.uuid().nullable(),
    rule: z.string(),
    /** What the rule compared, e.g. {plate, registered} or {declared, counted}; the latest occurrence's. */
    details: z.record(z.string(), z.unknown()),
    frameAt: z.string(),
    status: z.enum(alarmStatuses),
    occurrences: z.number().int(),
    lastSeenAt: z.string(),
    acknowledgedBy: z.uuid().nullable(),
    acknowledgedAt: z.string().nullable(),
    clearedAt: z.string().nullable(),
    createdAt: z.string(),
    /** The JPEG of the first frame it was seen in: GET /api/alarms/{id}/evidence. */
    hasEvidence: z.boolean(),
    /** The footage around it (a recorded supervised camera's): GET /api/alarms/{id}/clip. */
    hasClip: z.boolean(),
  })
  .meta({ id: 'Alarm' });
export type AlarmView = z.output<typeof alarmRecord>;
export type AlarmChange = (typeof alarmChanges)[number];

/** A camera's alarms of one rule silenced for a while. */
export const alarmMuteRecord = z
  .object({ id: z.uuid(), cameraId: z.uuid(), rule: z.string(), until: z.string(), mutedBy: z.uuid(), reason: z.string(), createdAt: z.string() })
  .meta({ id: 'AlarmMute' });
export type AlarmMuteView = z.output<typeof alarmMuteRecord>;
