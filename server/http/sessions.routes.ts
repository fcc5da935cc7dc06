import { z } from 'zod';
import type { Api } from './api.ts';
import { uuidParam } from './common.schemas.ts';
import { timelineKinds, verdictOutcomes } from '../db/schema.ts';
import type { SigningKey } from '../infra/signing-key.ts';
import type { VerdictService } from '../services/verdicts.service.ts';
import type { ArchiveService } from '../services/archive.service.ts';
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

const verdict = z
  .object({
    verdictId: z.uuid(), sessionId: z.uuid(), bookingId: z.uuid(), declarationNumber: z.string(), officerId: z.uuid(),
    outcome: z.enum(verdictOutcomes), findings: z.string(), followUp: z.string(), recordedAt: z.string(), keyId: z.string(),
    signature: z.string().meta({ description: 'Ed25519 over the canonical JSON (sorted keys) of the other fields but signatureValid' }),
    signatureValid: z.boolean(),
  })
  .meta({ id: 'Verdict' });

const verification = z
  .object({
    sessionId: z.uuid(),
    ok: z.boolean(),
    checkedArtefacts: z.number().int(),
    problems: z.array(z.object({ item: z.string(), problem: z.string(), detail: z.string().optional() })),
  })
  .meta({ id: 'Verification' });

export function sessionRoutes(api: Api, inspections: InspectionService, verdicts: VerdictService, archive: ArchiveService, key: SigningKey) {
  api.route(
    { method: 'get', path: '/sessions/:id/verify', summary: 'Re-check the sealed evidence of a session and name what differs', tag: 'sessions', access: 'any', params: uuidParam, response: verification },
    ({ principal, params }) => archive.verify(principal, params.id),
  );
  api.route(
    {
      method: 'post', path: '/sessions/:id/verdict', summary: 'Officer: record the signed verdict; completes the inspection', tag: 'sessions', access: ['officer'], status: 201,
      params: uuidParam,
      body: z.object({ outcome: z.enum(verdictOutcomes), findings: z.string().max(5000).default(''), followUp: z.string().max(2000).optional() }),
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
      method: 'get', path: '/keys/platform', summary: 'The public key that verifies verdicts and evidence', tag: 'sessions', access: 'public',
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
