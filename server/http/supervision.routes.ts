import { z } from 'zod';
import type { Api } from './api.ts';
import type { AdminService } from '../services/admin.service.ts';
import type { SupervisedCameraState } from '../live/supervision.ts';

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

export function supervisionRoutes(api: Api, deps: { admin: AdminService; states: () => SupervisedCameraState[] }) {
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
