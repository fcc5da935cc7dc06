import { z } from 'zod';
import type { Api } from './api.ts';
import type { AdminService } from '../services/admin.service.ts';
import type { Supervision } from '../live/supervision.ts';
import { AppError } from '../errors.ts';
import type { CameraFootageService } from '../services/camera-footage.service.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import type { StorageGuard } from '../jobs/storage-guard.ts';
import type { CameraZoneService } from '../services/camera-zones.service.ts';
import { zoneInput, zoneKinds, type ZoneInput } from '../contracts/zones.ts';
import { scheduleState } from '../contracts/schedule.ts';
import { isoDateTime, okResponse, uuidParam } from './common.schemas.ts';

const date = z.date();
import { sendStored } from './send-stored.ts';

const supervisedCamera = z
  .object({
    cameraId: z.uuid(),
    name: z.string(),
    enabled: z.boolean(),
    /** Off: the camera is analysed and recorded but not shown live. */
    liveView: z.boolean(),
    analysis: z.array(z.string()),
    siteId: z.uuid(),
    siteName: z.string(),
    enterpriseName: z.string(),
    portId: z.uuid().nullable(),
    openAlarms: z.number().int(),
    /** Within its schedule now (always, without one); when that next changes (null: never). */
    onSchedule: z.boolean(),
    scheduleChangeAt: z.string().nullable(),
    /** live: on this node's wall now; online: sending pictures; offlineSince: when it went silent. */
    live: z.boolean(),
    online: z.boolean(),
    offlineSince: z.string().nullable(),
  })
  .meta({ id: 'SupervisedCamera' });

const footageAt = z.object({ footageId: z.number().int(), startedAt: z.string(), durationMs: z.number().int(), offsetMs: z.number().int() }).meta({ id: 'FootageSegment' });
const footageDeleted = z.object({ deleted: z.object({ reason: z.enum(['retention', 'disk_pressure', 'events_only']), deletedAt: z.string() }) }).meta({ id: 'FootageDeleted' });
const footageHold = z
  .object({
    id: z.uuid(),
    cameraId: z.uuid(),
    from: date,
    to: date,
    reason: z.string(),
    heldBy: z.uuid(),
    heldAt: date,
    releasedBy: z.uuid().nullable(),
    releasedAt: date.nullable(),
  })
  .meta({ id: 'FootageHold' });

export function supervisionRoutes(
  api: Api,
  deps: {
    admin: AdminService;
    footage: CameraFootageService;
    zones: CameraZoneService;
    store: EvidenceStore;
    supervision: Pick<Supervision, 'clusterStates' | 'still'>;
    storage: Pick<StorageGuard, 'state'>;
  },
) {
  const zone = z.object({ id: z.uuid(), cameraId: z.uuid(), name: z.string(), kind: z.enum(zoneKinds), polygon: z.array(z.tuple([z.number(), z.number()])) }).meta({ id: 'CameraZone' });
  api.route(
    {
      method: 'get',
      path: '/cameras/:id/zones',
      summary: "A camera's zones (polygons in fractions of its picture): for drawing them and over its picture",
      tag: 'supervision',
      access: ['officer', 'supervisor', 'admin'],
      params: uuidParam,
      response: z.array(zone),
    },
    ({ principal, params }) => deps.zones.list(principal, params.id),
  );
  api.route(
    {
      method: 'get',
      path: '/admin/cameras/:id/live-still',
      summary: "A still of a supervised camera's live main stream as a JPEG (for drawing zones; a camera pushing to the platform cannot be opened a second time)",
      tag: 'admin',
      access: ['admin'],
      params: uuidParam,
      response: z.any().meta({ type: 'string', format: 'binary' }),
    },
    async ({ params, res }) => {
      const still = await deps.supervision.still(params.id).catch((err: Error) => {
        throw new AppError('conflict', `No live picture: ${err.message}`, { reason: 'camera_not_live' });
      });
      res.type('image/jpeg').set('Cache-Control', 'no-store').send(still.jpeg);
    },
  );
  api.route(
    {
      method: 'post',
      path: '/admin/cameras/:id/zones',
      summary: 'Draw a zone over a camera: an isolation pen, a loading bay, a counting zone or a motion mask (3-32 corners)',
      tag: 'admin',
      access: ['admin'],
      status: 201,
      params: uuidParam,
      body: zoneInput,
      response: zone,
    },
    ({ principal, params, body }) => deps.zones.create(principal, params.id, body as ZoneInput),
  );
  api.route(
    {
      method: 'delete',
      path: '/admin/cameras/:id/zones/:zoneId',
      summary: "Delete one of a camera's zones",
      tag: 'admin',
      access: ['admin'],
      params: z.object({ id: z.uuid(), zoneId: z.uuid() }),
      response: okResponse,
    },
    async ({ principal, params }) => {
      await deps.zones.remove(principal, params.id, params.zoneId);
      return { ok: true as const };
    },
  );
  api.route(
    {
      method: 'get',
      path: '/cameras/:id/footage',
      summary:
        "Where a supervised camera's continuous footage shows a moment: the segment covering `at` (or starting within a minute after it); the deletion that took it (its age, or a full disk); null when nothing was recorded",
      tag: 'supervision',
      access: ['officer', 'supervisor', 'admin'],
      params: uuidParam,
      query: z.object({ at: isoDateTime }),
      response: z.union([footageAt, footageDeleted]).nullable(),
    },
    ({ principal, params, query }) => deps.footage.at(principal, params.id, query.at),
  );
  api.route(
    {
      method: 'post',
      path: '/cameras/:id/footage-holds',
      summary: "Hold a supervised camera's footage from `from` to `to` (at most 31 days): kept by retention and a full disk until released",
      tag: 'supervision',
      access: ['officer', 'supervisor', 'admin'],
      status: 201,
      params: uuidParam,
      body: z.object({ from: isoDateTime, to: isoDateTime, reason: z.string().trim().min(1).max(500) }),
      response: footageHold,
    },
    ({ principal, params, body }) => deps.footage.hold(principal, params.id, { from: body.from, to: body.to }, body.reason),
  );
  api.route(
    {
      method: 'get',
      path: '/footage-holds',
      summary: 'Holds on footage in force, on the cameras the caller may review',
      tag: 'supervision',
      access: ['officer', 'supervisor', 'admin'],
      response: z.array(footageHold.extend({ camera: z.string(), site: z.string() })),
    },
    ({ principal }) => deps.footage.holds(principal),
  );
  api.route(
    {
      method: 'post',
      path: '/footage-holds/:id/release',
      summary: 'Release a hold on footage (retention applies to it again)',
      tag: 'supervision',
      access: ['officer', 'supervisor', 'admin'],
      params: uuidParam,
      response: footageHold,
    },
    ({ principal, params }) => deps.footage.releaseHold(principal, params.id),
  );
  api.route(
    {
      method: 'get',
      path: '/admin/storage',
      summary: "This node's disk (used, the mark past which footage is deleted, the last deletion) and the footage kept per camera",
      tag: 'admin',
      access: ['admin'],
      response: z
        .object({
          disk: z.object({
            totalBytes: z.number(),
            freeBytes: z.number(),
            usedPercent: z.number(),
            maxUsedPercent: z.number(),
            pressureSince: z.string().nullable(),
            lastFreed: z.object({ at: z.string(), segments: z.number().int(), bytes: z.number() }).nullable(),
          }),
          cameras: z.array(
            z.object({
              cameraId: z.uuid(),
              camera: z.string(),
              siteId: z.uuid(),
              site: z.string(),
              enterprise: z.string(),
              segments: z.number().int(),
              bytes: z.number(),
              oldest: date.nullable(),
              newest: date.nullable(),
            }),
          ),
        })
        .meta({ id: 'Storage' }),
    },
    async () => ({ disk: deps.storage.state(), cameras: await deps.footage.usage() }),
  );
  api.route(
    {
      method: 'get',
      path: '/footage/:footageId/video',
      summary: 'A footage segment as MP4 (Range requests answered with 206)',
      tag: 'supervision',
      access: ['officer', 'supervisor', 'admin'],
      params: z.object({ footageId: z.coerce.number().int().positive() }),
      response: z.any().meta({ type: 'string', format: 'binary' }),
    },
    async ({ principal, params, req, res }) => sendStored(req, res, deps.store, await deps.footage.playable(principal, params.footageId)),
  );
  api.route(
    {
      method: 'get',
      path: '/supervision/cameras',
      summary: 'Supervised farm cameras the caller may see, by farm, with whether each is live and sending, and its open alarms',
      tag: 'supervision',
      access: 'any',
      response: z.array(supervisedCamera),
    },
    async ({ principal }) => {
      const states = new Map((await deps.supervision.clusterStates()).map((s) => [s.cameraId, s]));
      const now = new Date();
      return (await deps.admin.listSupervisedCameras(principal)).map(({ schedule, timeZone, ...c }) => {
        const state = states.get(c.cameraId);
        const scheduled = scheduleState(schedule, timeZone, now);
        return {
          ...c,
          onSchedule: scheduled.active,
          scheduleChangeAt: scheduled.nextChangeAt?.toISOString() ?? null,
          live: state !== undefined,
          online: state?.online ?? false,
          offlineSince: state?.silentSinceMs ? new Date(state.silentSinceMs).toISOString() : null,
        };
      });
    },
  );
}
