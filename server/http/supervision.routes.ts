import { z } from 'zod';
import type { Api } from './api.ts';
import type { AdminService } from '../services/admin.service.ts';
import type { SupervisedCameraState } from '../live/supervision.ts';
import type { CameraFootageService } from '../services/camera-footage.service.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import { isoDateTime, uuidParam } from './common.schemas.ts';
import { sendStored } from './send-stored.ts';

const supervisedCamera = z
  .object({
    cameraId: z.uuid(),
    name: z.string(),
    enabled: z.boolean(),
    analysis: z.array(z.string()),
    siteId: z.uuid(),
    siteName: z.string(),
    enterpriseName: z.string(),
    portId: z.uuid().nullable(),
    openAlarms: z.number().int(),
    /** live: on this node's wall now; online: sending pictures; offlineSince: when it went silent. */
    live: z.boolean(),
    online: z.boolean(),
    offlineSince: z.string().nullable(),
  })
  .meta({ id: 'SupervisedCamera' });

export function supervisionRoutes(api: Api, deps: { admin: AdminService; footage: CameraFootageService; store: EvidenceStore; states: () => SupervisedCameraState[] }) {
  api.route(
    {
      method: 'get',
      path: '/cameras/:id/footage',
      summary: "Where a supervised camera's continuous footage shows a moment: the segment covering `at` (or starting within a minute after it), null when none",
      tag: 'supervision',
      access: ['officer', 'supervisor', 'admin'],
      params: uuidParam,
      query: z.object({ at: isoDateTime }),
      response: z.object({ footageId: z.number().int(), startedAt: z.string(), durationMs: z.number().int(), offsetMs: z.number().int() }).nullable().meta({ id: 'FootageAt' }),
    },
    ({ principal, params, query }) => deps.footage.at(principal, params.id, query.at),
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
      const states = new Map(deps.states().map((s) => [s.cameraId, s]));
      return (await deps.admin.listSupervisedCameras(principal)).map((c) => {
        const state = states.get(c.cameraId);
        return {
          ...c,
          live: state !== undefined,
          online: state?.online ?? false,
          offlineSince: state?.silentSinceMs ? new Date(state.silentSinceMs).toISOString() : null,
        };
      });
    },
  );
}
