/** The platform's nodes as the registry sees them now, for administrators and supervisors. */
import { z } from 'zod';
import type { Api } from './api.ts';
import { loadOf, type NodeRegistry } from '../cluster/node-registry.ts';

const nodeView = z
  .object({
    id: z.string(),
    url: z.string(),
    /** The node that answered this request. */
    self: z.boolean(),
    /** `inference`: it only analyses the other nodes' frames. */
    role: z.enum(['all', 'inference']),
    workers: z.number().int(),
    routers: z.number().int(),
    /** Routers per mediasoup worker: what sessions are placed by. */
    load: z.number(),
    sessions: z.number().int(),
    cameras: z.number().int(),
    draining: z.boolean(),
    startedAt: z.string(),
    /** Its last heartbeat, by its own clock. */
    beatAt: z.string(),
  })
  .meta({ id: 'ClusterNode' });

export function clusterRoutes(api: Api, registry: Pick<NodeRegistry, 'liveNodes' | 'self'>): void {
  api.route(
    {
      method: 'get',
      path: '/admin/nodes',
      summary: 'The nodes of the platform beating now: their media workers and load, the sessions and supervised cameras each holds, and whether one is stopping',
      tag: 'admin',
      access: ['admin', 'supervisor'],
      response: z.array(nodeView),
    },
    async () =>
      (await registry.liveNodes())
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((n) => ({
          id: n.id,
          url: n.url,
          self: n.id === registry.self.id,
          role: n.role,
          workers: n.workers,
          routers: n.routers,
          load: Math.round(loadOf(n) * 100) / 100,
          sessions: n.sessions,
          cameras: n.cameras,
          draining: n.draining,
          startedAt: n.startedAt,
          beatAt: new Date(n.beatAt).toISOString(),
        })),
  );
}
