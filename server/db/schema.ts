/**
 * The Watchpost data model. Migrations are generated from this file with `npm run db:generate`
 * (drizzle-kit) and must stay within what PostgreSQL 15 accepts: the same SQL runs on PGlite.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, foreignKey, index, integer, jsonb, numeric, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timelineKinds } from '../contracts/timeline.ts';
import { loadingRecordStatuses } from '../contracts/loading-record.ts';
import { alarmStatuses, bookingStatuses, inspectionTypes, verdictOutcomes, type BookingStatus, type InspectionType } from '../contracts/records.ts';
import { DEFAULT_TIME_ZONE, type CameraSchedule } from '../contracts/schedule.ts';
import { sampleTasks, type SampleLabel, type SamplePrediction } from '../contracts/vision-sample.ts';
import { farmFormStatuses, type EntryValues, type FormDefinition, type ImportProblem } from '../contracts/forms.ts';

const id = () => uuid('id').primaryKey().defaultRandom();
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const at = (name: string) => timestamp(name, { withTimezone: true });

export const riskClasses = ['A', 'B', 'C', 'D'] as const;
export const riskClassEnum = pgEnum('risk_class', riskClasses);

export const roles = ['enterprise_user', 'broker', 'officer', 'supervisor', 'admin'] as const;
export type Role = (typeof roles)[number];
export const roleEnum = pgEnum('user_role', roles);

export const siteKinds = ['warehouse', 'factory', 'farm'] as const;
export const siteKindEnum = pgEnum('site_kind', siteKinds);
/**
 * What a supervised camera records: everything it sends (hashed segments, kept for the footage retention),
 * only the minutes around its alarms (recorded all the same, the rest deleted after a short buffer), or nothing.
 */
export const cameraRecordingModes = ['continuous', 'events', 'off'] as const;
export const cameraRecordingEnum = pgEnum('camera_recording', cameraRecordingModes);
export type CameraRecordingMode = (typeof cameraRecordingModes)[number];
/** How an RTSP camera's media comes: interleaved in the RTSP connection (through firewalls, the default) or over UDP. */
export const rtspTransports = ['tcp', 'udp'] as const;
export const rtspTransportEnum = pgEnum('rtsp_transport', rtspTransports);
export type RtspTransport = (typeof rtspTransports)[number];

export { inspectionTypes, type InspectionType };
export const inspectionTypeEnum = pgEnum('inspection_type', inspectionTypes);

export { bookingStatuses, type BookingStatus };
export const bookingStatusEnum = pgEnum('booking_status', bookingStatuses);

export const sessionStatuses = ['live', 'closed'] as const;
export const sessionStatusEnum = pgEnum('session_status', sessionStatuses);

/** Stated with their payloads in the timeline contract. */
export { timelineKinds };
export const timelineKindEnum = pgEnum('timeline_kind', timelineKinds);

export { verdictOutcomes };
export const verdictOutcomeEnum = pgEnum('verdict_outcome', verdictOutcomes);

export { alarmStatuses };
export const alarmStatusEnum = pgEnum('alarm_status', alarmStatuses);

export { loadingRecordStatuses };
export const loadingRecordStatusEnum = pgEnum('loading_record_status', loadingRecordStatuses);

export const recordingStatuses = ['recording', 'finalising', 'ready', 'failed', 'deleted'] as const;
export const recordingStatusEnum = pgEnum('recording_status', recordingStatuses);

/** Customs offices (ports). Officers belong to one; declarations and sites are supervised by one. */
export const ports = pgTable('ports', {
  id: id(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  /** The port's clock (IANA name): its farms' camera schedules are in this local time. */
  timeZone: text('time_zone').notNull().default(DEFAULT_TIME_ZONE),
  createdAt: createdAt(),
});

export const enterprises = pgTable('enterprises', {
  id: id(),
  name: text('name').notNull(),
  /** The 10-character customs registration code. */
  customsCode: text('customs_code').notNull().unique(),
  riskClass: riskClassEnum('risk_class').notNull().default('B'),
  createdAt: createdAt(),
});

export const users = pgTable(
  'users',
  {
    id: id(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: roleEnum('role').notNull(),
    /** The enterprise an enterprise user works for (brokers act through delegations instead). */
    enterpriseId: uuid('enterprise_id').references(() => enterprises.id),
    /** The customs port an officer works at. */
    portId: uuid('port_id').references(() => ports.id),
    locale: text('locale').notNull().default('zh-CN'),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('users_username_lower_idx').on(sql`lower(${t.username})`),
    check('users_role_scope', sql`(${t.role} <> 'enterprise_user' OR ${t.enterpriseId} IS NOT NULL) AND (${t.role} <> 'officer' OR ${t.portId} IS NOT NULL)`),
  ],
);

/**
 * Login attempts counted per key (an account from one address, an address, an account from everywhere) in
 * fixed windows; a counter is raised atomically before the password is checked, so parallel attempts
 * cannot race past the limit. `trusted:` keys remember addresses an account logged in from.
 */
export const loginThrottles = pgTable('login_throttles', {
  key: text('key').primaryKey(),
  attempts: integer('attempts').notNull(),
  windowStartedAt: at('window_started_at').notNull(),
  expiresAt: at('expires_at').notNull(),
});

/** A customs broker acting for an enterprise. */
export const brokerDelegations = pgTable(
  'broker_delegations',
  {
    brokerId: uuid('broker_id')
      .notNull()
      .references(() => users.id),
    enterpriseId: uuid('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    grantedAt: createdAt(),
    expiresAt: at('expires_at'),
    revokedAt: at('revoked_at'),
  },
  (t) => [primaryKey({ columns: [t.brokerId, t.enterpriseId] })],
);

/** Logins: the cookie carries a random token, only its sha256 is stored. */
export const authSessions = pgTable(
  'auth_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

export const sites = pgTable('sites', {
  id: id(),
  enterpriseId: uuid('enterprise_id')
    .notNull()
    .references(() => enterprises.id),
  portId: uuid('port_id').references(() => ports.id),
  name: text('name').notNull(),
  kind: siteKindEnum('kind').notNull(),
  address: text('address').notNull().default(''),
  createdAt: createdAt(),
});

export const cameras = pgTable('cameras', {
  id: id(),
  siteId: uuid('site_id')
    .notNull()
    .references(() => sites.id),
  name: text('name').notNull(),
  /** rtsp://, rtp:// or a file path for the simulator. Never shown to enterprise users. */
  sourceUrl: text('source_url').notNull(),
  /** The password of the source URL, kept apart from it and encrypted (SecretBox); the URL keeps the username. */
  sourcePassword: text('source_password'),
  /**
   * The camera's sub-stream (a low-resolution second encoding, as IP cameras and NVRs offer): analysis and
   * wall tiles use it, the main stream is recorded and opened full size. Absent: the main stream serves all.
   */
  subSourceUrl: text('sub_source_url'),
  subSourcePassword: text('sub_source_password'),
  rtspTransport: rtspTransportEnum('rtsp_transport').notNull().default('tcp'),
  enabled: boolean('enabled').notNull().default(true),
  /** Supervision mode: ingested continuously, whether or not a session is open (a farm watched every day). */
  supervision: boolean('supervision').notNull().default(false),
  /** While supervised: shown live on the farm wall (off: analysed and recorded all the same, not watched). */
  liveView: boolean('live_view').notNull().default(true),
  /** While supervised: record continuously, or not at all. */
  recording: cameraRecordingEnum('recording').notNull().default('off'),
  /** Vision tasks run on this camera's live feed: count, plate, seal. */
  analysis: text('analysis').array().notNull().default(sql`'{}'::text[]`),
  /** While supervised: when (contract: server/contracts/schedule.ts, in its port's time zone); null: always. */
  schedule: jsonb('schedule').$type<CameraSchedule>(),
  createdAt: createdAt(),
});

/** A port's own plate formats (contract: server/contracts/plate-formats.ts): written by PlateFormatService only. */
export const plateFormats = pgTable('plate_formats', {
  id: id(),
  /** Null: at every port. */
  portId: uuid('port_id').references(() => ports.id),
  name: text('name').notNull(),
  pattern: text('pattern').notNull(),
  example: text('example').notNull(),
  correctAnywhere: boolean('correct_anywhere').notNull().default(false),
  createdBy: uuid('created_by')
    .notNull()
    .references(() => users.id),
  createdAt: createdAt(),
});

/**
 * An officer's correction of the vision kept as a labelled sample (server/contracts/vision-sample.ts): the
 * frame (in the evidence store; none for a crossing total), what the model said and the truth. A session's
 * samples go with its recording at retention; a farm's after VISION_SAMPLE_DAYS.
 */
export const visionSamples = pgTable(
  'vision_samples',
  {
    id: id(),
    task: text('task', { enum: sampleTasks }).notNull(),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id),
    cameraId: uuid('camera_id')
      .notNull()
      .references(() => cameras.id),
    sessionId: uuid('session_id').references(() => inspectionSessions.id),
    /** A crossing total's loading batch (one sample per batch). */
    batchId: uuid('batch_id').references(() => loadingBatches.id),
    /** The model version whose result was corrected. */
    model: text('model').notNull(),
    capturedAt: at('captured_at').notNull(),
    imagePath: text('image_path'),
    imageSha256: text('image_sha256'),
    width: integer('width'),
    height: integer('height'),
    predicted: jsonb('predicted').$type<SamplePrediction>().notNull(),
    label: jsonb('label').$type<SampleLabel>().notNull(),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index('vision_samples_task_idx').on(t.task, t.createdAt), index('vision_samples_session_idx').on(t.sessionId), uniqueIndex('vision_samples_batch_idx').on(t.batchId)],
);

/** Which installed version of a model is active (models/versions.json); none: its default. */
export const modelSettings = pgTable('model_settings', {
  task: text('task').primaryKey(),
  version: text('version').notNull(),
  changedBy: uuid('changed_by')
    .notNull()
    .references(() => users.id),
  changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A camera's zones (contract: server/contracts/zones.ts): written by CameraZoneService only. */
export const cameraZones = pgTable(
  'camera_zones',
  {
    id: id(),
    cameraId: uuid('camera_id')
      .notNull()
      .references(() => cameras.id),
    name: text('name').notNull(),
    kind: text('kind').notNull(),
    polygon: jsonb('polygon').$type<Array<[number, number]>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('camera_zones_name_idx').on(t.cameraId, t.name)],
);

export const vehicles = pgTable('vehicles', {
  id: id(),
  enterpriseId: uuid('enterprise_id')
    .notNull()
    .references(() => enterprises.id),
  /** Normalised: uppercase, no spaces or separators (e.g. 粤ZA123港). */
  plate: text('plate').notNull().unique(),
  description: text('description').notNull().default(''),
  createdAt: createdAt(),
});

export const declarations = pgTable(
  'declarations',
  {
    id: id(),
    /** The customs declaration number (18 digits for China customs). */
    number: text('number').notNull().unique(),
    enterpriseId: uuid('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    portId: uuid('port_id')
      .notNull()
      .references(() => ports.id),
    siteId: uuid('site_id').references(() => sites.id),
    goodsDescription: text('goods_description').notNull(),
    declaredQuantity: numeric('declared_quantity', { precision: 14, scale: 3 }).notNull(),
    quantityUnit: text('quantity_unit').notNull(),
    /** Normalised seal numbers: uppercase, no spaces. */
    sealNumbers: text('seal_numbers').array().notNull().default(sql`'{}'::text[]`),
    /** The last day (the port's) the declaration may be inspected on; null: no limit. */
    validUntil: text('valid_until'),
    /** The vehicle declared to carry the goods (normalised plate), if named. */
    vehiclePlate: text('vehicle_plate'),
    createdAt: createdAt(),
  },
  (t) => [index('declarations_enterprise_idx').on(t.enterpriseId), index('declarations_valid_until_idx').on(t.validUntil)],
);

export const bookings = pgTable(
  'bookings',
  {
    id: id(),
    declarationId: uuid('declaration_id')
      .notNull()
      .references(() => declarations.id),
    /** Copied from the declaration so access checks need no join. */
    enterpriseId: uuid('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    portId: uuid('port_id')
      .notNull()
      .references(() => ports.id),
    requestedBy: uuid('requested_by')
      .notNull()
      .references(() => users.id),
    type: inspectionTypeEnum('type').notNull(),
    status: bookingStatusEnum('status').notNull().default('requested'),
    slotStart: at('slot_start').notNull(),
    slotEnd: at('slot_end').notNull(),
    officerId: uuid('officer_id').references(() => users.id),
    note: text('note').notNull().default(''),
    /** Why it was cancelled, or what an officer said when proposing another slot. */
    statusReason: text('status_reason').notNull().default(''),
    /** The vehicle expected at the site (normalised plate), when the inspection is about one. */
    vehiclePlate: text('vehicle_plate'),
    createdAt: createdAt(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('bookings_enterprise_idx').on(t.enterpriseId),
    index('bookings_officer_slot_idx').on(t.officerId, t.slotStart),
    index('bookings_port_slot_idx').on(t.portId, t.slotStart),
    check('bookings_slot_order', sql`${t.slotEnd} > ${t.slotStart}`),
  ],
);

export const inspectionSessions = pgTable('inspection_sessions', {
  id: id(),
  bookingId: uuid('booking_id')
    .notNull()
    .unique()
    .references(() => bookings.id),
  status: sessionStatusEnum('status').notNull().default('live'),
  startedAt: at('started_at').notNull().defaultNow(),
  endedAt: at('ended_at'),
});

export const timelineEvents = pgTable(
  'timeline_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => inspectionSessions.id),
    kind: timelineKindEnum('kind').notNull(),
    at: at('at').notNull().defaultNow(),
    actorId: uuid('actor_id').references(() => users.id),
    payload: jsonb('payload').notNull().default({}),
  },
  (t) => [index('timeline_session_idx').on(t.sessionId, t.at)],
);

export const recordings = pgTable(
  'recordings',
  {
    id: id(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => inspectionSessions.id),
    /** Which stream: a participant's producer or a site camera. */
    source: text('source').notNull(),
    mediaKind: text('media_kind').notNull(),
    status: recordingStatusEnum('status').notNull().default('recording'),
    path: text('path'),
    posterPath: text('poster_path'),
    startedAt: at('started_at').notNull().defaultNow(),
    endedAt: at('ended_at'),
    durationMs: integer('duration_ms'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    sha256: text('sha256'),
    legalHold: boolean('legal_hold').notNull().default(false),
    /** The platform node that records it (null before nodes were recorded): a dead node's are closed by another. */
    nodeId: text('node_id'),
  },
  (t) => [index('recordings_session_idx').on(t.sessionId)],
);

/** Short segments written while recording; each is hashed as soon as it is closed. */
export const recordingSegments = pgTable(
  'recording_segments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    recordingId: uuid('recording_id')
      .notNull()
      .references(() => recordings.id),
    seq: integer('seq').notNull(),
    path: text('path').notNull(),
    startedAt: at('started_at').notNull(),
    durationMs: integer('duration_ms').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** Set on the first segment after the recorder restarted: the time nothing was recorded. */
    gapBeforeMs: integer('gap_before_ms').notNull().default(0),
  },
  (t) => [uniqueIndex('recording_segments_seq_idx').on(t.recordingId, t.seq)],
);

export const alarms = pgTable(
  'alarms',
  {
    id: id(),
    sessionId: uuid('session_id').references(() => inspectionSessions.id),
    siteId: uuid('site_id').references(() => sites.id),
    cameraId: uuid('camera_id').references(() => cameras.id),
    rule: text('rule').notNull(),
    /** The values the rule compared, e.g. {declared: 40, counted: 37}. */
    details: jsonb('details').notNull().default({}),
    frameAt: at('frame_at').notNull(),
    evidencePath: text('evidence_path'),
    /** A supervised camera's footage around the alarm (a few seconds before and after), and its hash. */
    clipPath: text('clip_path'),
    clipSha256: text('clip_sha256'),
    status: alarmStatusEnum('status').notNull().default('open'),
    acknowledgedBy: uuid('acknowledged_by').references(() => users.id),
    acknowledgedAt: at('acknowledged_at'),
    createdAt: createdAt(),
    /** What makes a repeat the same incident (rule, camera, value), e.g. `plate:粤ZA123港`. */
    dedupeKey: text('dedupe_key'),
    /** How many times the condition was seen while the incident was open (repeats update the row). */
    occurrences: integer('occurrences').notNull().default(1),
    lastSeenAt: at('last_seen_at'),
    clearedAt: at('cleared_at'),
  },
  (t) => [
    index('alarms_session_idx').on(t.sessionId),
    index('alarms_site_idx').on(t.siteId),
    // At most one open incident per scope (the session, else the site) and dedupe key: repeats find it.
    uniqueIndex('alarms_open_incident_idx').on(sql`coalesce(${t.sessionId}::text, ${t.siteId}::text, '')`, t.dedupeKey).where(sql`${t.status} = 'open' and ${t.dedupeKey} is not null`),
  ],
);

/** A camera's alarms of one rule silenced until a time, by an officer or supervisor (audited). */
export const alarmMutes = pgTable(
  'alarm_mutes',
  {
    id: id(),
    cameraId: uuid('camera_id')
      .notNull()
      .references(() => cameras.id),
    rule: text('rule').notNull(),
    until: at('until').notNull(),
    mutedBy: uuid('muted_by')
      .notNull()
      .references(() => users.id),
    reason: text('reason').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('alarm_mutes_camera_idx').on(t.cameraId, t.rule)],
);

export const verdicts = pgTable('verdicts', {
  id: id(),
  sessionId: uuid('session_id')
    .notNull()
    .unique()
    .references(() => inspectionSessions.id),
  officerId: uuid('officer_id')
    .notNull()
    .references(() => users.id),
  outcome: verdictOutcomeEnum('outcome').notNull(),
  findings: text('findings').notNull().default(''),
  followUp: text('follow_up').notNull().default(''),
  /** Ed25519 signature (base64) over the canonical JSON of the signed fields; see verdicts.service.ts. */
  signature: text('signature'),
  signingKeyId: text('signing_key_id'),
  createdAt: createdAt(),
});

/**
 * The sealed archive entry of a closed session: a manifest of every artefact with sha256 and size,
 * signed with the platform key. Written once.
 */
export const sessionSeals = pgTable('session_seals', {
  sessionId: uuid('session_id')
    .primaryKey()
    .references(() => inspectionSessions.id),
  manifest: jsonb('manifest').notNull(),
  signature: text('signature').notNull(),
  signingKeyId: text('signing_key_id').notNull(),
  sealedAt: at('sealed_at').notNull(),
});

/** How long recordings of each inspection type are kept after the session ends; no row: kept forever. */
export const retentionPolicies = pgTable(
  'retention_policies',
  {
    inspectionType: inspectionTypeEnum('inspection_type').primaryKey(),
    keepDays: integer('keep_days').notNull(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [check('retention_keep_days_positive', sql`${t.keepDays} > 0`)],
);

/** Messages to a user (booking reminders, status changes); pushed live and listed on their home page. */
export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull().default({}),
    createdAt: createdAt(),
    readAt: at('read_at'),
  },
  (t) => [index('notifications_user_idx').on(t.userId, t.createdAt)],
);

/**
 * Append-only audit trail: each row carries the sha256 of the previous row, so editing or deleting a
 * row breaks the chain. A trigger (see the custom migration) also rejects UPDATE and DELETE.
 */
export const auditLog = pgTable('audit_log', {
  seq: bigserial('seq', { mode: 'number' }).primaryKey(),
  at: at('at').notNull(),
  actorId: uuid('actor_id'),
  action: text('action').notNull(),
  entityType: text('entity_type').notNull(),
  entityId: text('entity_id').notNull(),
  details: jsonb('details').notNull().default({}),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

/**
 * A loading batch: animals counted crossing a line drawn on one camera's view, compared with the
 * expected number when the officer closes it.
 */
export const loadingBatches = pgTable(
  'loading_batches',
  {
    id: id(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => inspectionSessions.id),
    cameraId: uuid('camera_id')
      .notNull()
      .references(() => cameras.id),
    /** Line ends in fractions of the picture (0..1), and the counted direction. */
    line: jsonb('line').notNull(),
    expected: integer('expected').notNull(),
    openedBy: uuid('opened_by')
      .notNull()
      .references(() => users.id),
    openedAt: at('opened_at').notNull().defaultNow(),
    closedAt: at('closed_at'),
    countedForward: integer('counted_forward'),
    countedBackward: integer('counted_backward'),
    alarmId: uuid('alarm_id').references(() => alarms.id),
  },
  (t) => [index('loading_batches_session_idx').on(t.sessionId)],
);

/**
 * Footage of supervised cameras outside sessions: the hashed segments of each recorder run, for review
 * ("play the moment of this alarm") until the footage retention deletes them.
 */
export const cameraFootage = pgTable(
  'camera_footage',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cameraId: uuid('camera_id')
      .notNull()
      .references(() => cameras.id),
    /** One recorder run (a folder of segments): restarts and node restarts begin another. */
    run: text('run').notNull(),
    seq: integer('seq').notNull(),
    path: text('path').notNull(),
    startedAt: at('started_at').notNull(),
    durationMs: integer('duration_ms').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
  },
  (t) => [uniqueIndex('camera_footage_seq_idx').on(t.cameraId, t.run, t.seq), index('camera_footage_time_idx').on(t.cameraId, t.startedAt)],
);

/**
 * A hold on a supervised camera's footage (an investigation, a complaint): segments overlapping it are kept
 * by the footage retention and by disk-pressure deletion until the hold is released.
 */
export const footageHolds = pgTable(
  'footage_holds',
  {
    id: id(),
    cameraId: uuid('camera_id')
      .notNull()
      .references(() => cameras.id),
    from: at('from_at').notNull(),
    to: at('to_at').notNull(),
    reason: text('reason').notNull(),
    heldBy: uuid('held_by')
      .notNull()
      .references(() => users.id),
    heldAt: at('held_at').notNull().defaultNow(),
    releasedBy: uuid('released_by').references(() => users.id),
    releasedAt: at('released_at'),
  },
  (t) => [index('footage_holds_camera_idx').on(t.cameraId, t.from), check('footage_holds_span', sql`${t.to} > ${t.from}`)],
);

/**
 * What footage was deleted, and why (its age, or a full disk): one row per camera per pass, so that review
 * says "deleted" for a moment that was recorded, and the table stays as small as the passes.
 */
export const footageDeletions = pgTable(
  'footage_deletions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cameraId: uuid('camera_id')
      .notNull()
      .references(() => cameras.id),
    from: at('from_at').notNull(),
    to: at('to_at').notNull(),
    segments: integer('segments').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    reason: text('reason').notNull(),
    deletedAt: at('deleted_at').notNull().defaultNow(),
  },
  (t) => [index('footage_deletions_camera_idx').on(t.cameraId, t.to)],
);

/**
 * A loading record (全链条监管): one shipment under a declaration loaded at its farm and supervised on the
 * farm's cameras, booked or not. Its story is in loading_record_events; decided (released or held), it is
 * sealed like a session (loading_record_seals). One open record per farm: reads at its cameras go to it.
 */
export const loadingRecords = pgTable(
  'loading_records',
  {
    id: id(),
    declarationId: uuid('declaration_id')
      .notNull()
      .references(() => declarations.id),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id),
    /** Copied from the declaration so access checks need no join. */
    enterpriseId: uuid('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    portId: uuid('port_id')
      .notNull()
      .references(() => ports.id),
    /** The vehicle expected (normalised plate): given when opening, else the declaration's booked one. */
    expectedPlate: text('expected_plate'),
    matchedPlate: text('matched_plate'),
    status: loadingRecordStatusEnum('status').notNull().default('open'),
    openedBy: uuid('opened_by')
      .notNull()
      .references(() => users.id),
    openedAt: at('opened_at').notNull().defaultNow(),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedAt: at('decided_at'),
    reason: text('reason').notNull().default(''),
  },
  (t) => [
    uniqueIndex('loading_records_open_site_idx').on(t.siteId).where(sql`${t.status} = 'open'`),
    index('loading_records_port_idx').on(t.portId, t.openedAt),
    index('loading_records_declaration_idx').on(t.declarationId),
  ],
);

/** The loading record's timeline; written by LoadingRecordService only, validated by its contract. */
export const loadingRecordEvents = pgTable(
  'loading_record_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    recordId: uuid('record_id')
      .notNull()
      .references(() => loadingRecords.id),
    kind: text('kind').notNull(),
    at: at('at').notNull().defaultNow(),
    actorId: uuid('actor_id').references(() => users.id),
    payload: jsonb('payload').notNull().default({}),
  },
  (t) => [index('loading_record_events_record_idx').on(t.recordId, t.at)],
);

/** The sealed loading record: a signed manifest of its stills, alarm frames and clips and its exported timeline. */
export const loadingRecordSeals = pgTable('loading_record_seals', {
  recordId: uuid('record_id')
    .primaryKey()
    .references(() => loadingRecords.id),
  manifest: jsonb('manifest').notNull(),
  signature: text('signature').notNull(),
  signingKeyId: text('signing_key_id').notNull(),
  sealedAt: at('sealed_at').notNull(),
});

/**
 * Supervision e-form definitions (contract: server/contracts/forms.ts), one row per version. A stored
 * version never changes: forms filled in under it keep rendering and validating with it.
 */
export const formDefinitions = pgTable(
  'form_definitions',
  {
    key: text('key').notNull(),
    version: integer('version').notNull(),
    definition: jsonb('definition').$type<FormDefinition>().notNull(),
    /** sha256 of the definition's canonical JSON: a shipped definition edited in place is noticed at start. */
    sha256: text('sha256').notNull(),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.key, t.version] })],
);

export const farmFormStatusEnum = pgEnum('farm_form_status', farmFormStatuses);

/** A farm's form for one local day (at its port): the draft or the submitted values, and its revision. */
export const farmForms = pgTable(
  'farm_forms',
  {
    id: id(),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id),
    formKey: text('form_key').notNull(),
    formVersion: integer('form_version').notNull(),
    /** The farm's local calendar day, YYYY-MM-DD. */
    day: text('day').notNull(),
    status: farmFormStatusEnum('status').notNull(),
    /** How many times it was submitted (0: a draft never submitted). */
    revision: integer('revision').notNull().default(0),
    values: jsonb('values').$type<EntryValues>().notNull(),
    updatedBy: uuid('updated_by')
      .notNull()
      .references(() => users.id),
    updatedAt: at('updated_at').notNull(),
    submittedAt: at('submitted_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('farm_forms_site_form_day_idx').on(t.siteId, t.formKey, t.day),
    index('farm_forms_site_day_idx').on(t.siteId, t.day),
    foreignKey({ columns: [t.formKey, t.formVersion], foreignColumns: [formDefinitions.key, formDefinitions.version] }),
  ],
);

/** Every submitted version of a form, kept: a correction adds one with its reason, the earlier stay. */
export const farmFormRevisions = pgTable(
  'farm_form_revisions',
  {
    formId: uuid('form_id')
      .notNull()
      .references(() => farmForms.id),
    revision: integer('revision').notNull(),
    formVersion: integer('form_version').notNull(),
    values: jsonb('values').$type<EntryValues>().notNull(),
    /** Why it was corrected (null for the first submission). */
    reason: text('reason'),
    submittedBy: uuid('submitted_by')
      .notNull()
      .references(() => users.id),
    submittedAt: at('submitted_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.formId, t.revision] })],
);

/** Officers' comments on a form; a return asks the farm to correct it. */
export const farmFormNotes = pgTable(
  'farm_form_notes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    formId: uuid('form_id')
      .notNull()
      .references(() => farmForms.id),
    returned: boolean('returned').notNull().default(false),
    text: text('text').notNull(),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index('farm_form_notes_form_idx').on(t.formId)],
);

/** Reminders sent for a farm's forms of a day, once each: `due` to the farm, `escalated` to its port's officers. */
export const formReminders = pgTable(
  'form_reminders',
  {
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id),
    day: text('day').notNull(),
    stage: text('stage').notNull(),
    forms: jsonb('forms').$type<string[]>().notNull(),
    sentAt: at('sent_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.day, t.stage] })],
);

export const formImportStatuses = ['running', 'done', 'failed', 'interrupted'] as const;
export const formImportStatusEnum = pgEnum('form_import_status', formImportStatuses);

/**
 * An ERP file imported into a farm's forms (or tried, for a dry run): progress while it runs, then what came
 * of its lines; the row-level report is a CSV file beside the evidence (imports/<id>-report.csv).
 */
export const formImports = pgTable(
  'form_imports',
  {
    id: id(),
    enterpriseId: uuid('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    /** The farm lines go to when the file names none. */
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id),
    formKey: text('form_key').notNull(),
    fileName: text('file_name').notNull(),
    fileSha256: text('file_sha256').notNull(),
    format: text('format').notNull(),
    dryRun: boolean('dry_run').notNull(),
    status: formImportStatusEnum('status').notNull(),
    bytesTotal: bigint('bytes_total', { mode: 'number' }).notNull(),
    bytesRead: bigint('bytes_read', { mode: 'number' }).notNull().default(0),
    lines: integer('lines').notNull().default(0),
    imported: integer('imported').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    refused: integer('refused').notNull().default(0),
    /** Which column each field was read from. */
    columns: jsonb('columns').$type<Record<string, string | null>>().notNull().default({}),
    /** The first problems (the report file has them all). */
    problems: jsonb('problems').$type<ImportProblem[]>().notNull().default([]),
    failure: text('failure'),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    finishedAt: at('finished_at'),
  },
  (t) => [index('form_imports_enterprise_idx').on(t.enterpriseId, t.createdAt)],
);

/** How an enterprise's ERP files map onto a form: the column of each field, of the day and of the farm. */
export const importMappings = pgTable(
  'import_mappings',
  {
    enterpriseId: uuid('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    formKey: text('form_key').notNull(),
    mapping: jsonb('mapping').$type<{ day: string; site?: string; fields: Record<string, string> }>().notNull(),
    updatedBy: uuid('updated_by')
      .notNull()
      .references(() => users.id),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.enterpriseId, t.formKey] })],
);

export const ticketStatuses = ['open', 'answered', 'closed'] as const;
export const ticketStatusEnum = pgEnum('ticket_status', ticketStatuses);
export const ticketSubjects = ['declaration', 'booking', 'general'] as const;

/**
 * A problem an enterprise raises with customs about a declaration, a booking (and its inspection) or in
 * general, answered by an officer of the port: `open` waits for customs, `answered` for the enterprise.
 */
export const tickets = pgTable(
  'tickets',
  {
    id: id(),
    enterpriseId: uuid('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    portId: uuid('port_id')
      .notNull()
      .references(() => ports.id),
    subject: text('subject', { enum: ticketSubjects }).notNull(),
    subjectId: uuid('subject_id'),
    title: text('title').notNull(),
    status: ticketStatusEnum('status').notNull().default('open'),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    updatedAt: at('updated_at').notNull(),
    /** When customs first answered (time to answer = this - createdAt). */
    firstAnsweredAt: at('first_answered_at'),
    closedAt: at('closed_at'),
  },
  (t) => [index('tickets_port_status_idx').on(t.portId, t.status), index('tickets_enterprise_idx').on(t.enterpriseId, t.updatedAt)],
);

/** A ticket's thread: a message, or an attachment (kept under the data directory, its sha256 recorded). */
export const ticketMessages = pgTable(
  'ticket_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    text: text('text').notNull().default(''),
    attachment: jsonb('attachment').$type<{ name: string; contentType: string; size: number; sha256: string; path: string }>(),
    createdAt: createdAt(),
  },
  (t) => [index('ticket_messages_ticket_idx').on(t.ticketId, t.id)],
);

/**
 * A policy notice customs publishes to enterprises: at one port or all, to some risk classes and kinds of
 * site or all, in one or more languages; enterprises acknowledge having read it.
 */
export const notices = pgTable(
  'notices',
  {
    id: id(),
    /** Null: every port. */
    portId: uuid('port_id').references(() => ports.id),
    /** Empty: every class. */
    riskClasses: text('risk_classes').array().notNull().default(sql`'{}'::text[]`),
    /** Empty: every kind of enterprise (by the kinds of its sites: farm, warehouse, factory). */
    siteKinds: text('site_kinds').array().notNull().default(sql`'{}'::text[]`),
    /** Title and body in each language it was written in. */
    texts: jsonb('texts').$type<Partial<Record<'zh-CN' | 'en' | 'ru', { title: string; body: string }>>>().notNull(),
    publishedBy: uuid('published_by')
      .notNull()
      .references(() => users.id),
    publishedAt: at('published_at').notNull(),
  },
  (t) => [index('notices_published_idx').on(t.publishedAt)],
);

export const noticeAcknowledgements = pgTable(
  'notice_acknowledgements',
  {
    noticeId: uuid('notice_id')
      .notNull()
      .references(() => notices.id),
    enterpriseId: uuid('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    at: at('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.noticeId, t.enterpriseId] })],
);

/** How often a port supervises enterprises of each risk class (A lowest risk, D highest). */
export const supervisionFrequencies = pgTable(
  'supervision_frequencies',
  {
    portId: uuid('port_id')
      .notNull()
      .references(() => ports.id),
    riskClass: riskClassEnum('risk_class').notNull(),
    /** Remote routine supervision every this many days. */
    remoteEveryDays: integer('remote_every_days').notNull(),
    /** The farm's daily forms reviewed by an officer every day. */
    dailyFormReview: boolean('daily_form_review').notNull(),
    /** An on-site visit every this many months. */
    onSiteEveryMonths: integer('on_site_every_months').notNull(),
    /** The share of loadings supervised live, in percent. */
    liveLoadingPercent: integer('live_loading_percent').notNull(),
    updatedBy: uuid('updated_by').references(() => users.id),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.portId, t.riskClass] })],
);

/** A port's working calendar for planned supervision: working days and hours (its time zone), slots, holidays. */
export const portCalendars = pgTable('port_calendars', {
  portId: uuid('port_id')
    .primaryKey()
    .references(() => ports.id),
  /** ISO weekdays, 1 Monday … 7 Sunday. */
  workingDays: integer('working_days').array().notNull(),
  dayStart: text('day_start').notNull(),
  dayEnd: text('day_end').notNull(),
  slotMinutes: integer('slot_minutes').notNull(),
  /** Routine supervisions one officer takes a day at most. */
  perOfficerDay: integer('per_officer_day').notNull(),
  /** Days the port does not work (YYYY-MM-DD). */
  holidays: text('holidays').array().notNull().default(sql`'{}'::text[]`),
  updatedBy: uuid('updated_by').references(() => users.id),
  updatedAt: at('updated_at').notNull(),
});

export const rectificationStatuses = ['open', 'reported', 'accepted'] as const;
export const rectificationStatusEnum = pgEnum('rectification_status', rectificationStatuses);
export const rectificationStepKinds = ['opened', 'reported', 'returned', 'accepted', 'passed_inspection'] as const;

/**
 * What a `rectify` verdict asks of the enterprise, by a day (the port's): `open` until the enterprise reports
 * it done, `reported` until an officer of the port accepts it (or returns it: open again); a later inspection
 * of the same declaration that passes closes it too.
 */
export const rectifications = pgTable(
  'rectifications',
  {
    id: id(),
    sessionId: uuid('session_id')
      .notNull()
      .unique()
      .references(() => inspectionSessions.id),
    enterpriseId: uuid('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    portId: uuid('port_id')
      .notNull()
      .references(() => ports.id),
    declarationId: uuid('declaration_id')
      .notNull()
      .references(() => declarations.id),
    /** What is to be put right (the verdict's findings and follow-up). */
    required: text('required').notNull(),
    dueOn: text('due_on').notNull(),
    status: rectificationStatusEnum('status').notNull().default('open'),
    createdAt: createdAt(),
    updatedAt: at('updated_at').notNull(),
    closedAt: at('closed_at'),
  },
  (t) => [index('rectifications_port_status_idx').on(t.portId, t.status), index('rectifications_enterprise_idx').on(t.enterpriseId, t.status), index('rectifications_due_idx').on(t.status, t.dueOn)],
);

/** A rectification's follow-up, step by step: opened, reported done (text), returned or accepted (a note). */
export const rectificationSteps = pgTable(
  'rectification_steps',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    rectificationId: uuid('rectification_id')
      .notNull()
      .references(() => rectifications.id),
    kind: text('kind', { enum: rectificationStepKinds }).notNull(),
    actorId: uuid('actor_id').references(() => users.id),
    text: text('text').notNull().default(''),
    at: at('at').notNull(),
  },
  (t) => [index('rectification_steps_idx').on(t.rectificationId, t.id)],
);

/** An enterprise's annual report to customs for a year (its contact details and figures), due the next year. */
export const annualReports = pgTable(
  'annual_reports',
  {
    enterpriseId: uuid('enterprise_id')
      .notNull()
      .references(() => enterprises.id),
    year: integer('year').notNull(),
    contents: jsonb('contents').$type<Record<string, unknown>>().notNull(),
    submittedBy: uuid('submitted_by')
      .notNull()
      .references(() => users.id),
    submittedAt: at('submitted_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.enterpriseId, t.year] })],
);

/** Each deadline reminder sent, once: a rectification due or overdue, a declaration ending, an annual report due or overdue. */
export const deadlineReminders = pgTable(
  'deadline_reminders',
  {
    kind: text('kind').notNull(),
    subjectId: uuid('subject_id').notNull(),
    stage: text('stage').notNull(),
    sentAt: at('sent_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.subjectId, t.stage] })],
);

export const contactChannels = ['email', 'sms', 'im'] as const;

/**
 * Where a user is reached outside the platform: an email address, a phone (SMS), an instant-messaging handle
 * (passed to the IM gateway). Used only once verified: a code sent there, typed back (its hash kept here).
 */
export const userContacts = pgTable(
  'user_contacts',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    channel: text('channel', { enum: contactChannels }).notNull(),
    address: text('address').notNull(),
    verifiedAt: at('verified_at'),
    codeHash: text('code_hash'),
    codeExpiresAt: at('code_expires_at'),
    codeAttempts: integer('code_attempts').notNull().default(0),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.channel] })],
);

/** A user's choice of outside channels per notification group, and quiet hours. */
export const notificationSettings = pgTable('notification_settings', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  channels: jsonb('channels').$type<Partial<Record<string, string[]>>>().notNull().default({}),
  quietStart: text('quiet_start'),
  quietEnd: text('quiet_end'),
  updatedAt: at('updated_at').notNull(),
});

/**
 * Another system told of events: a URL, the event types it wants (empty: all), the secret its deliveries are
 * signed with (sealed with the platform's secret box). Paused after failing too many times in a row.
 */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: id(),
  url: text('url').notNull(),
  description: text('description').notNull().default(''),
  events: text('events').array().notNull().default(sql`'{}'::text[]`),
  secretSealed: text('secret_sealed').notNull(),
  active: boolean('active').notNull().default(true),
  pausedAt: at('paused_at'),
  consecutiveFailures: integer('consecutive_failures').notNull().default(0),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: createdAt(),
});

export const deliveryChannels = ['email', 'sms', 'im', 'webhook'] as const;
export const deliveryStatuses = ['pending', 'sent', 'failed'] as const;

/**
 * The outbox: each notification to go out on a channel (to a user's verified address) or to a webhook,
 * written in the same transaction as the notification itself, so none is lost whatever stops after it. The
 * delivery jobs (server/jobs/deliveries.ts) send it, retrying with back-off; its id is the idempotency key.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: id(),
    channel: text('channel', { enum: deliveryChannels }).notNull(),
    userId: uuid('user_id').references(() => users.id),
    endpointId: uuid('endpoint_id').references(() => webhookEndpoints.id),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: deliveryStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** Not before (quiet hours). */
    nextAt: at('next_at').notNull(),
    /** When it was last handed to its queue (again if that was long ago: Redis may have lost it). */
    queuedAt: at('queued_at'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: at('sent_at'),
  },
  (t) => [index('deliveries_due_idx').on(t.status, t.nextAt), index('deliveries_endpoint_idx').on(t.endpointId, t.createdAt), index('deliveries_created_idx').on(t.createdAt)],
);

/** Every attempt at a delivery: when, whether it went, the answer (HTTP status, SMTP response) or error. */
export const deliveryAttempts = pgTable(
  'delivery_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => deliveries.id),
    at: at('at').notNull(),
    ok: boolean('ok').notNull(),
    response: text('response').notNull().default(''),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('delivery_attempts_idx').on(t.deliveryId, t.id)],
);

export const serviceScopes = ['declarations:write', 'enterprises:write', 'vehicles:write', 'archive:read'] as const;

/**
 * Another system calling the API (a customs declaration system, an ERP): its scopes, the sha256 of its API key
 * (the key itself is shown once), its rate limit. Revoked, never deleted: the audit trail names it.
 */
export const serviceAccounts = pgTable('service_accounts', {
  id: id(),
  name: text('name').notNull().unique(),
  scopes: text('scopes').array().notNull(),
  /** The key's public part, to find it; the rest is only hashed. */
  keyPrefix: text('key_prefix').notNull().unique(),
  keyHash: text('key_hash').notNull(),
  ratePerMinute: integer('rate_per_minute').notNull(),
  active: boolean('active').notNull().default(true),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: createdAt(),
  rotatedAt: at('rotated_at'),
  lastUsedAt: at('last_used_at'),
});

/** What a request with an Idempotency-Key answered, to answer the same again (kept a day). */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => serviceAccounts.id),
    key: text('key').notNull(),
    /** The request it answered (method, path, body hash): the same key with another request is refused. */
    requestHash: text('request_hash').notNull(),
    status: integer('status').notNull(),
    response: jsonb('response').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);
