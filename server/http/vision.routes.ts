/**
 * Loading batches (counting animals across a line on a site camera during a live inspection), and the
 * officers' corrections of the vision kept as labelled samples (server/contracts/vision-sample.ts).
 */
import { z } from 'zod';
import type { Api } from './api.ts';
import { countingLineInput, picturePoint, uuidParam } from './common.schemas.ts';
import type { LoadingBatchService } from '../services/loading-batches.service.ts';
import type { FrameCorrectionService, VisionSampleService } from '../services/vision-samples.service.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import { frameLabel, frameTasks, sampleLabel, samplePrediction, sampleTasks } from '../contracts/vision-sample.ts';
import { sendStored } from './send-stored.ts';

const heldFrame = z
  .object({
    frameId: z.uuid(),
    task: z.enum(frameTasks),
    cameraId: z.uuid(),
    sessionId: z.uuid().nullable(),
    model: z.string(),
    capturedAt: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    predicted: samplePrediction,
  })
  .meta({ id: 'HeldFrame' });

const visionSample = z
  .object({
    id: z.uuid(),
    task: z.enum(sampleTasks),
    siteId: z.uuid(),
    cameraId: z.uuid(),
    sessionId: z.uuid().nullable(),
    batchId: z.uuid().nullable(),
    model: z.string(),
    capturedAt: z.string(),
    hasImage: z.boolean(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    predicted: samplePrediction,
    label: sampleLabel,
    createdBy: z.uuid(),
    createdAt: z.string(),
  })
  .meta({ id: 'VisionSample' });

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
    confirmedTotal: z.number().int().nullable().meta({ description: 'The true total the officer confirmed after closing it, if any' }),
  })
  .meta({ id: 'LoadingBatch' });

export function visionRoutes(api: Api, deps: { loadingBatches: LoadingBatchService; corrections: FrameCorrectionService; samples: VisionSampleService; store: EvidenceStore }) {
  const { loadingBatches, corrections, samples } = deps;
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
  api.route(
    {
      method: 'post',
      path: '/sessions/:id/loading-batches/:batchId/total',
      summary: 'Officer: confirm how many animals truly crossed in a closed batch (kept as a labelled sample of the line counter)',
      tag: 'vision',
      access: ['officer'],
      status: 201,
      params: z.object({ id: z.uuid(), batchId: z.uuid() }),
      body: z.object({ total: z.number().int().min(0).max(100_000) }),
      response: visionSample,
    },
    ({ principal, params, body }) => samples.confirmBatchTotal(principal, params.id, params.batchId, body.total),
  );
  api.route(
    {
      method: 'post',
      path: '/vision/frames',
      summary: "Officer: hold the frame a camera's analysis saw last for a task (a session's camera, or a supervised farm's), to correct it",
      tag: 'vision',
      access: ['officer', 'supervisor'],
      status: 201,
      body: z.object({ cameraId: z.uuid(), task: z.enum(frameTasks), sessionId: z.uuid().nullable().optional() }),
      response: heldFrame,
    },
    ({ principal, body }) => corrections.hold(principal, body),
  );
  api.route(
    {
      method: 'get',
      path: '/vision/frames/:id/image',
      summary: 'The picture of a held frame (JPEG), for the officer holding it',
      tag: 'vision',
      access: ['officer', 'supervisor'],
      params: uuidParam,
      response: z.any().meta({ type: 'string', format: 'binary' }),
    },
    async ({ principal, params, res }) => {
      res
        .type('image/jpeg')
        .set('Cache-Control', 'no-store')
        .send(await corrections.heldImage(principal, params.id));
    },
  );
  api.route(
    {
      method: 'post',
      path: '/vision/frames/:id/label',
      summary: 'Officer: the truth about a held frame (every animal as a point, or what each plate or seal reads): kept as a labelled sample',
      tag: 'vision',
      access: ['officer', 'supervisor'],
      status: 201,
      params: uuidParam,
      body: z.object({ label: frameLabel }),
      response: visionSample,
    },
    ({ principal, params, body }) => corrections.label(principal, params.id, body.label),
  );
  api.route(
    {
      method: 'get',
      path: '/vision/samples',
      summary: 'Labelled samples: how many of each task, and the latest (export them with npm run models:dataset -- export DIR)',
      tag: 'vision',
      access: ['admin', 'supervisor'],
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
      response: z.object({ counts: z.object(Object.fromEntries(sampleTasks.map((t) => [t, z.number().int()])) as Record<(typeof sampleTasks)[number], z.ZodNumber>), latest: z.array(visionSample) }),
    },
    ({ principal, query }) => samples.summary(principal, query),
  );
  api.route(
    {
      method: 'get',
      path: '/vision/samples/:id/image',
      summary: "A labelled sample's picture (JPEG)",
      tag: 'vision',
      access: ['admin', 'supervisor'],
      params: uuidParam,
      response: z.any().meta({ type: 'string', format: 'binary' }),
    },
    async ({ principal, params, req, res }) => sendStored(req, res, deps.store, await samples.imageFile(principal, params.id)),
  );
}
