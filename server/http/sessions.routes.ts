import { z } from 'zod';
import path from 'node:path';
import type { EvidenceExports } from '../jobs/evidence-export.ts';
import type { Api } from './api.ts';
import { isoDateTime, pageQuery, uuidParam } from './common.schemas.ts';
import { cameraRecordingModes, inspectionTypes, verdictOutcomes } from '../db/schema.ts';
import { timelineEventSchema } from '../contracts/timeline.ts';
import { alarmMuteRecord, alarmRecord, archiveEntryRecord, evidenceExportRecord } from '../contracts/records.ts';
import { MAX_ACKNOWLEDGED_AT_ONCE, type REVIEW_STATES } from '../services/alarms.service.ts';
import { ARCHIVE_CSV_ROWS, archiveCsv } from '../archive/archive-csv.ts';
import { archiveXlsx } from '../archive/archive-xlsx.ts';
import type { SigningKey } from '../infra/signing-key.ts';
import type { VerdictService } from '../services/verdicts.service.ts';
import type { ArchiveService } from '../services/archive.service.ts';
import type { ArchiveSearchService } from '../services/archive-search.service.ts';
import type { RetentionService } from '../services/retention.service.ts';
import type { AlarmService } from '../services/alarms.service.ts';
import type { InspectionService } from '../services/inspections.service.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import { sendStored } from './send-stored.ts';
import { AppError, notFound } from '../errors.ts';

const timelineEvent = timelineEventSchema;

const recording = z
  .object({
    id: z.uuid(),
    sessionId: z.uuid(),
    source: z.string(),
    mediaKind: z.string(),
    status: z.string(),
    startedAt: z.date(),
    endedAt: z.date().nullable(),
    durationMs: z.number().nullable(),
    sizeBytes: z.number().nullable(),
    sha256: z.string().nullable(),
  })
  .loose()
  .meta({ id: 'Recording' });

const verdict = z
  .object({
    verdictId: z.uuid(),
    sessionId: z.uuid(),
    bookingId: z.uuid(),
    declarationNumber: z.string(),
    officerId: z.uuid(),
    outcome: z.enum(verdictOutcomes),
    findings: z.string(),
    followUp: z.string(),
    recordedAt: z.string(),
    keyId: z.string(),
    signature: z.string().meta({ description: 'Ed25519 over the canonical JSON (sorted keys) of the other fields but signatureValid' }),
    signatureValid: z.boolean(),
  })
  .meta({ id: 'Verdict' });

const verification = z
  .object({
    sessionId: z.uuid(),
    ok: z.boolean(),
    checkedArtefacts: z.number().int(),
    checkedSegments: z.number().int(),
    problems: z.array(z.object({ item: z.string(), problem: z.string(), detail: z.string().optional() })),
    deletedByRetention: z.array(z.string()),
  })
  .meta({ id: 'Verification' });

const binary = z.any().meta({ type: 'string', format: 'binary', description: 'The file; Range requests are answered with 206' });

export function sessionRoutes(
  api: Api,
  deps: {
    inspections: InspectionService;
    verdicts: VerdictService;
    archive: ArchiveService;
    archiveSearch: ArchiveSearchService;
    retention: RetentionService;
    alarms: AlarmService;
    exports: EvidenceExports;
    key: SigningKey;
    store: EvidenceStore;
  },
) {
  const { inspections, verdicts, archive, archiveSearch, retention, alarms, exports, key, store } = deps;
  api.route(
    {
      method: 'post',
      path: '/alarms/:id/acknowledge',
      summary: 'Acknowledge an open alarm (officer of the session or supervisor)',
      tag: 'sessions',
      access: ['officer', 'supervisor'],
      params: uuidParam,
      response: alarmRecord,
    },
    ({ principal, params }) => alarms.acknowledge(principal, params.id),
  );
  api.route(
    {
      method: 'post',
      path: '/alarms/acknowledge',
      summary: 'Acknowledge several open alarms at once; those closed meanwhile are listed as skipped',
      tag: 'sessions',
      access: ['officer', 'supervisor'],
      body: z.object({ alarmIds: z.array(z.uuid()).min(1).max(MAX_ACKNOWLEDGED_AT_ONCE) }),
      response: z.object({ acknowledged: z.array(z.uuid()), skipped: z.array(z.uuid()) }),
    },
    ({ principal, body }) => alarms.acknowledgeMany(principal, body.alarmIds),
  );
  api.route(
    {
      method: 'post',
      path: '/sessions/:id/alarm-mutes',
      summary: "Mute one rule of one of the session's cameras for a while (audited)",
      tag: 'sessions',
      access: ['officer', 'supervisor'],
      status: 201,
      params: uuidParam,
      body: z.object({
        cameraId: z.uuid(),
        rule: z.string().min(1).max(60),
        minutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60),
        reason: z.string().trim().min(1).max(500),
      }),
      response: alarmMuteRecord,
    },
    ({ principal, params, body }) => alarms.mute(principal, params.id, body),
  );
  api.route(
    {
      method: 'get',
      path: '/sessions/:id/alarm-mutes',
      summary: "Mutes in force on the session's cameras",
      tag: 'sessions',
      access: ['officer', 'supervisor', 'admin'],
      params: uuidParam,
      response: z.array(alarmMuteRecord),
    },
    ({ principal, params }) => alarms.mutesForSession(principal, params.id),
  );
  const alarm = alarmRecord;
  api.route(
    {
      method: 'get',
      path: '/sessions/:id/alarms',
      summary: 'Alarms of a session (officers and supervisors)',
      tag: 'sessions',
      access: ['officer', 'supervisor', 'admin'],
      params: uuidParam,
      response: z.array(alarm),
    },
    ({ principal, params }) => alarms.listForSession(principal, params.id),
  );
  api.route(
    {
      method: 'get',
      path: '/review/alarms',
      summary: "The review queue of supervised farms: incidents outside sessions the caller may see (an officer's port's farms), newest first",
      tag: 'sessions',
      access: ['officer', 'supervisor', 'admin'],
      query: pageQuery.extend({
        siteId: z.uuid().optional(),
        cameraId: z.uuid().optional(),
        rule: z.string().max(40).optional(),
        state: z.enum(['unreviewed', 'reviewed', 'cleared'] as const satisfies ReadonlyArray<keyof typeof REVIEW_STATES>).optional(),
        from: isoDateTime.optional(),
        to: isoDateTime.optional(),
      }),
      response: z.object({
        total: z.number().int(),
        items: z.array(
          alarm
            .extend({
              siteName: z.string(),
              cameraName: z.string().nullable(),
              cameraRecording: z.enum(cameraRecordingModes).nullable(),
              enterpriseName: z.string(),
              reviewedByName: z.string().nullable(),
            })
            .meta({ id: 'FarmAlarm' }),
        ),
      }),
    },
    ({ principal, query }) => alarms.farmReviewQueue(principal, query),
  );
  api.route(
    {
      method: 'get',
      path: '/alarms/open',
      summary: "Open alarms of the sessions the caller may read (an officer's own and their port's), newest first",
      tag: 'sessions',
      access: ['officer', 'supervisor', 'admin'],
      response: z.array(alarm),
    },
    ({ principal }) => alarms.openForOfficer(principal),
  );
  api.route(
    { method: 'get', path: '/alarms/:id/clip', summary: 'The footage around an alarm (MP4 or WebM)', tag: 'sessions', access: ['officer', 'supervisor', 'admin'], params: uuidParam, response: binary },
    async ({ principal, params, req, res }) => {
      const clip = await alarms.clipFile(principal, params.id);
      if (!clip) throw notFound('Clip');
      await sendStored(req, res, store, clip);
    },
  );
  api.route(
    { method: 'get', path: '/alarms/:id/evidence', summary: 'The frame (JPEG) an alarm is about', tag: 'sessions', access: ['officer', 'supervisor', 'admin'], params: uuidParam, response: binary },
    async ({ principal, params, req, res }) => sendStored(req, res, store, await alarms.evidenceFile(principal, params.id)),
  );
  api.route(
    {
      method: 'post',
      path: '/sessions/:id/photos',
      summary: 'Enterprise: upload a photo the officer asked for (body: the JPEG or PNG itself)',
      tag: 'sessions',
      access: ['enterprise_user', 'broker'],
      params: uuidParam,
      status: 201,
      response: timelineEvent,
    },
    async ({ principal, params, req }) => {
      if (!Buffer.isBuffer(req.body)) throw new AppError('invalid_image', 'Send the photo itself with Content-Type image/jpeg or image/png', { reason: 'photo_missing' });
      return inspections.addPhoto(principal, params.id, req.body);
    },
  );
  api.route(
    {
      method: 'put',
      path: '/sessions/:id/legal-hold',
      summary: "Supervisor: keep (or release) a session's recordings beyond retention",
      tag: 'archive',
      access: ['supervisor', 'admin'],
      params: uuidParam,
      body: z.object({ hold: z.boolean(), reason: z.string().min(1).max(500) }),
      response: z.object({ sessionId: z.uuid(), legalHold: z.boolean(), recordings: z.number().int() }),
    },
    ({ principal, params, body }) => retention.setLegalHold(principal, params.id, body.hold, body.reason),
  );
  api.route(
    {
      method: 'get',
      path: '/admin/retention',
      summary: 'Retention policies per inspection type',
      tag: 'admin',
      access: ['admin', 'supervisor'],
      response: z.array(z.object({ inspectionType: z.enum(inspectionTypes), keepDays: z.number().int(), updatedAt: z.date() })),
    },
    ({ principal }) => retention.policies(principal),
  );
  api.route(
    {
      method: 'put',
      path: '/admin/retention/:type',
      summary: 'Set how long recordings of an inspection type are kept',
      tag: 'admin',
      access: ['admin'],
      params: z.object({ type: z.enum(inspectionTypes) }),
      body: z.object({ keepDays: z.number().int().min(1).max(36500) }),
      response: z.object({ inspectionType: z.enum(inspectionTypes), keepDays: z.number().int() }),
    },
    ({ principal, params, body }) => retention.setPolicy(principal, params.type, body.keepDays),
  );
  const exportStatus = evidenceExportRecord;
  api.route(
    {
      method: 'post',
      path: '/sessions/:id/exports',
      summary: 'Build the evidence package (zip) of a sealed session; progress is pushed as export:progress',
      tag: 'archive',
      access: 'any',
      status: 202,
      params: uuidParam,
      body: z.object({ locale: z.enum(['zh-CN', 'en', 'ru']).optional() }),
      response: exportStatus,
    },
    ({ principal, params, body }) => exports.request(principal, params.id, body.locale ?? (principal.locale as 'zh-CN' | 'en' | 'ru')),
  );
  const exportParams = z.object({ exportId: z.string().regex(/^\d{1,12}$/) });
  api.route(
    { method: 'get', path: '/exports/:exportId', summary: 'State and progress of an evidence package you requested', tag: 'archive', access: 'any', params: exportParams, response: exportStatus },
    ({ principal, params }) => exports.status(principal, params.exportId),
  );
  api.route(
    { method: 'get', path: '/exports/:exportId/file', summary: 'Download your finished evidence package', tag: 'archive', access: 'any', params: exportParams, response: binary },
    async ({ principal, params, req, res }) => {
      // Packages are built on the disk of the node that ran the job, then kept in the evidence store for their requester.
      const file = await exports.file(principal, params.exportId);
      await sendStored(req, res, store, file, { downloadName: path.basename(file) });
    },
  );

  const archiveFilter = z.object({
    declarationNumber: z.string().trim().max(40).optional().meta({ description: 'Part of the declaration number' }),
    text: z.string().trim().max(100).optional().meta({ description: "Part of the declaration number, the enterprise's name or the site's name" }),
    enterpriseId: z.uuid().optional(),
    siteId: z.uuid().optional(),
    officerId: z.uuid().optional(),
    from: isoDateTime.optional(),
    to: isoDateTime.optional(),
    type: z.enum(inspectionTypes).optional(),
    verdict: z.enum(verdictOutcomes).optional(),
    hasAlarms: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
  });
  api.route(
    {
      method: 'get',
      path: '/archive/sessions',
      summary: 'Search the archive of inspection sessions the caller may see, newest first',
      tag: 'archive',
      access: 'any',
      query: pageQuery.extend(archiveFilter.shape),
      response: z.object({
        total: z.number().int(),
        items: z.array(archiveEntryRecord),
      }),
    },
    ({ principal, query }) => archiveSearch.search(principal, query),
  );
  api.route(
    {
      method: 'get',
      path: '/archive/sessions.csv',
      summary: `The same search as a CSV file (UTF-8, for spreadsheets), newest first, at most ${ARCHIVE_CSV_ROWS} rows`,
      tag: 'archive',
      access: 'any',
      query: archiveFilter,
      response: z.any().meta({ type: 'string', description: 'text/csv, UTF-8 with a byte-order mark' }),
    },
    async ({ principal, query, res }) => {
      const { items } = await archiveSearch.search(principal, { ...query, limit: ARCHIVE_CSV_ROWS, offset: 0 });
      res.type('text/csv; charset=utf-8').attachment('watchpost-archive.csv').send(archiveCsv(items));
    },
  );
  api.route(
    {
      method: 'get',
      path: '/archive/sessions.xlsx',
      summary: `The same search as an Excel workbook, newest first, at most ${ARCHIVE_CSV_ROWS} rows`,
      tag: 'archive',
      access: 'any',
      query: archiveFilter,
      response: z.any().meta({ type: 'string', format: 'binary', description: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }),
    },
    async ({ principal, query, res }) => {
      const { items } = await archiveSearch.search(principal, { ...query, limit: ARCHIVE_CSV_ROWS, offset: 0 });
      res
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .attachment('watchpost-archive.xlsx')
        .send(await archiveXlsx(items));
    },
  );

  // Evidence files: streamed with Range support (seekable in a browser), behind the session's access check.
  const recordingParams = uuidParam.extend({ recordingId: z.uuid() });
  api.route(
    {
      method: 'get',
      path: '/sessions/:id/recordings/:recordingId/file',
      summary: 'Play a recording (Range requests supported)',
      tag: 'sessions',
      access: 'any',
      params: recordingParams,
      response: binary,
    },
    async ({ principal, params, req, res }) => sendStored(req, res, store, await inspections.mediaFile(principal, params.id, { recordingId: params.recordingId })),
  );
  api.route(
    { method: 'get', path: '/sessions/:id/recordings/:recordingId/poster', summary: 'The poster image of a recording', tag: 'sessions', access: 'any', params: recordingParams, response: binary },
    async ({ principal, params, req, res }) => sendStored(req, res, store, await inspections.mediaFile(principal, params.id, { recordingId: params.recordingId, poster: true })),
  );
  api.route(
    {
      method: 'get',
      path: '/sessions/:id/snapshots/:eventId',
      summary: 'A snapshot (JPEG) by its timeline event',
      tag: 'sessions',
      access: 'any',
      params: uuidParam.extend({ eventId: z.coerce.number().int().positive() }),
      response: binary,
    },
    async ({ principal, params, req, res }) => sendStored(req, res, store, await inspections.mediaFile(principal, params.id, { snapshotEventId: params.eventId })),
  );
  api.route(
    {
      method: 'get',
      path: '/sessions/:id/verify',
      summary: 'Re-check the sealed evidence of a session and name what differs',
      tag: 'sessions',
      access: 'any',
      params: uuidParam,
      response: verification,
    },
    ({ principal, params }) => archive.verify(principal, params.id),
  );
  api.route(
    {
      method: 'post',
      path: '/sessions/:id/verdict',
      summary: 'Officer: record the signed verdict; completes the inspection',
      tag: 'sessions',
      access: ['officer'],
      status: 201,
      params: uuidParam,
      body: z.object({
        outcome: z.enum(verdictOutcomes),
        findings: z.string().max(5000).default(''),
        followUp: z.string().max(2000).optional(),
        rectifyBy: z.string().max(10).optional().meta({ description: 'for rectify: the last day (the port’s) to put it right; the platform’s default number of days when absent' }),
      }),
      response: verdict,
    },
    ({ principal, params, body }) => verdicts.record(principal, params.id, body),
  );
  api.route(
    { method: 'get', path: '/sessions/:id/verdict', summary: 'The verdict of an inspection, with its signature checked', tag: 'sessions', access: 'any', params: uuidParam, response: verdict },
    ({ principal, params }) => verdicts.get(principal, params.id),
  );
  api.route(
    {
      method: 'get',
      path: '/keys/platform',
      summary: 'The public key that verifies verdicts and evidence',
      tag: 'sessions',
      access: 'public',
      response: z.object({ algorithm: z.literal('Ed25519'), keyId: z.string(), publicKeyPem: z.string() }),
    },
    async () => ({ algorithm: 'Ed25519' as const, keyId: key.keyId, publicKeyPem: key.publicKeyPem }),
  );
  api.route(
    { method: 'get', path: '/sessions/:id/timeline', summary: 'The timeline of an inspection session', tag: 'sessions', access: 'any', params: uuidParam, response: z.array(timelineEvent) },
    ({ principal, params }) => inspections.timeline(principal, params.id),
  );
  api.route(
    { method: 'get', path: '/sessions/:id/recordings', summary: 'Recordings of an inspection session', tag: 'sessions', access: 'any', params: uuidParam, response: z.array(recording) },
    ({ principal, params }) => inspections.recordingsOf(principal, params.id),
  );
}
