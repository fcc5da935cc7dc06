import { z } from 'zod';
import type { Api } from './api.ts';
import { uuidParam } from './common.schemas.ts';
import { timelineKinds } from '../db/schema.ts';
import type { InspectionService } from '../services/inspections.service.ts';

const timelineEvent = z
  .object({ id: z.number(), sessionId: z.uuid(), kind: z.enum(timelineKinds), at: z.string(), actorId: z.uuid().nullable(), payload: z.record(z.string(), z.unknown()) })
  .meta({ id: 'TimelineEvent' });

const recording = z
  .object({
    id: z.uuid(), sessionId: z.uuid(), source: z.string(), mediaKind: z.string(), status: z.string(),
    startedAt: z.date(), endedAt: z.date().nullable(), durationMs: z.number().nullable(), sizeBytes: z.number().nullable(), sha256: z.string().nullable(),
  })
  .loose()
  .meta({ id: 'Recording' });

export function sessionRoutes(api: Api, inspections: InspectionService) {
  api.route(
    { method: 'get', path: '/sessions/:id/timeline', summary: 'The timeline of an inspection session', tag: 'sessions', access: 'any', params: uuidParam, response: z.array(timelineEvent) },
    ({ principal, params }) => inspections.timeline(principal, params.id),
  );
  api.route(
    { method: 'get', path: '/sessions/:id/recordings', summary: 'Recordings of an inspection session', tag: 'sessions', access: 'any', params: uuidParam, response: z.array(recording) },
    ({ principal, params }) => inspections.recordingsOf(principal, params.id),
  );
}
