/** Loading batches: counting animals across a line on a site camera during a live inspection. */
import { z } from 'zod';
import type { Api } from './api.ts';
import { countingLineInput, picturePoint, uuidParam } from './common.schemas.ts';
import type { LoadingBatchService } from '../services/loading-batches.service.ts';

const loadingBatch = z
  .object({
    id: z.uuid(),
    sessionId: z.uuid(),
    cameraId: z.uuid(),
    line: z.object({ a: picturePoint, b: picturePoint }),
    expected: z.number().int(),
    openedAt: z.string(),
    closedAt: z.string().nullable(),
    counted: z.object({ forward: z.number().int(), backward: z.number().int(), net: z.number().int() }).nullable(),
    alarmId: z.uuid().nullable(),
  })
  .meta({ id: 'LoadingBatch' });

export function visionRoutes(api: Api, deps: { loadingBatches: LoadingBatchService }) {
  const { loadingBatches } = deps;
  api.route(
    {
      method: 'post',
      path: '/sessions/:id/loading-batches',
      summary: 'Officer: start counting animals crossing a line on a site camera',
      tag: 'sessions',
      access: ['officer'],
      status: 201,
      params: uuidParam,
      body: z.object({ cameraId: z.uuid(), line: countingLineInput, expected: z.number().int().min(0).max(100_000).optional().meta({ description: 'Default: the declared quantity' }) }),
      response: loadingBatch,
    },
    ({ principal, params, body }) => loadingBatches.open(principal, params.id, body),
  );
  api.route(
    {
      method: 'post',
      path: '/sessions/:id/loading-batches/:batchId/close',
      summary: 'Officer: close a loading batch; a count that differs from the expected raises count_mismatch',
      tag: 'sessions',
      access: ['officer'],
      params: z.object({ id: z.uuid(), batchId: z.uuid() }),
      response: loadingBatch,
    },
    ({ principal, params }) => loadingBatches.close(principal, params.id, params.batchId),
  );
  api.route(
    { method: 'get', path: '/sessions/:id/loading-batches', summary: 'Loading batches of a session', tag: 'sessions', access: 'any', params: uuidParam, response: z.array(loadingBatch) },
    ({ principal, params }) => loadingBatches.list(principal, params.id),
  );
}
