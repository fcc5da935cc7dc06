/** Loading records (全链条监管): a shipment loaded at a supervised farm, from the vehicle's arrival to the officer's decision. */
import { z } from 'zod';
import type { Api } from './api.ts';
import { countingLineInput, isoDateTime, pageQuery, uuidParam } from './common.schemas.ts';
import { loadingChecks, loadingDecisions, loadingEventSchema, loadingRecordStatuses, loadingRecordView } from '../contracts/loading-record.ts';
import type { LoadingRecordService } from '../services/loading-records.service.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import { sendStored } from './send-stored.ts';

const loadingVerification = z
  .object({
    recordId: z.uuid(),
    ok: z.boolean(),
    checkedArtefacts: z.number().int(),
    problems: z.array(z.object({ item: z.string(), problem: z.string(), detail: z.string().optional() })),
    deletedByRetention: z.array(z.string()),
  })
  .meta({ id: 'LoadingVerification' });

export function loadingRecordRoutes(api: Api, deps: { loadingRecords: LoadingRecordService; store: EvidenceStore }) {
  const { loadingRecords } = deps;
  const officer = ['officer'] as const;
  api.route(
    {
      method: 'post',
      path: '/loading-records',
      summary: "Officer: open the loading record of a declaration at its farm (one open record per farm); the expected vehicle defaults to the declaration's booked one",
      tag: 'loading',
      access: [...officer],
      status: 201,
      body: z.object({ declarationId: z.uuid(), vehiclePlate: z.string().trim().min(2).max(20).optional() }),
      response: loadingRecordView,
    },
    ({ principal, body }) => loadingRecords.open(principal, body),
  );
  api.route(
    {
      method: 'get',
      path: '/loading-records',
      summary: 'Loading records the caller may read, newest first: by declaration number, plate or farm, state and day',
      tag: 'loading',
      access: 'any',
      query: pageQuery.extend({
        q: z.string().trim().max(100).optional(),
        status: z.enum(loadingRecordStatuses).optional(),
        siteId: z.uuid().optional(),
        from: isoDateTime.optional(),
        to: isoDateTime.optional(),
      }),
      response: z.object({ total: z.number().int(), items: z.array(loadingRecordView) }),
    },
    ({ principal, query }) => loadingRecords.list(principal, query),
  );
  api.route(
    {
      method: 'get',
      path: '/loading-records/:id',
      summary: 'A loading record with its timeline (without alarms for the enterprise)',
      tag: 'loading',
      access: 'any',
      params: uuidParam,
      response: z.object({ record: loadingRecordView, events: z.array(loadingEventSchema) }),
    },
    ({ principal, params }) => loadingRecords.get(principal, params.id),
  );
  api.route(
    {
      method: 'post',
      path: '/loading-records/:id/checks',
      summary: 'Officer: tick a checklist item, keeping a still of the camera watched',
      tag: 'loading',
      access: [...officer],
      status: 201,
      params: uuidParam,
      body: z.object({ item: z.enum(loadingChecks), cameraId: z.uuid().optional() }),
      response: loadingEventSchema,
    },
    ({ principal, params, body }) => loadingRecords.check(principal, params.id, body),
  );
  api.route(
    {
      method: 'post',
      path: '/loading-records/:id/notes',
      summary: 'Officer: a note on the record (clinical inspection findings, anything seen)',
      tag: 'loading',
      access: [...officer],
      status: 201,
      params: uuidParam,
      body: z.object({ text: z.string().trim().min(1).max(2000) }),
      response: loadingEventSchema,
    },
    ({ principal, params, body }) => loadingRecords.note(principal, params.id, body.text),
  );
  api.route(
    {
      method: 'post',
      path: '/loading-records/:id/decks',
      summary: "Officer: start counting the next deck across a line on one of the farm's counting cameras",
      tag: 'loading',
      access: [...officer],
      status: 201,
      params: uuidParam,
      body: z.object({ cameraId: z.uuid(), line: countingLineInput }),
      response: loadingEventSchema,
    },
    ({ principal, params, body }) => loadingRecords.openDeck(principal, params.id, body),
  );
  api.route(
    {
      method: 'post',
      path: '/loading-records/:id/decks/close',
      summary: 'Officer: close the deck being counted, keeping its count',
      tag: 'loading',
      access: [...officer],
      params: uuidParam,
      response: loadingEventSchema,
    },
    ({ principal, params }) => loadingRecords.closeDeck(principal, params.id),
  );
  api.route(
    {
      method: 'post',
      path: '/loading-records/:id/decision',
      summary: 'Officer: release or hold the shipment (a hold, or a release against differing counts or seals, needs a reason); the record is then sealed',
      tag: 'loading',
      access: [...officer],
      params: uuidParam,
      body: z.object({ decision: z.enum(loadingDecisions), reason: z.string().trim().max(2000).optional() }),
      response: loadingRecordView,
    },
    ({ principal, params, body }) => loadingRecords.decide(principal, params.id, body),
  );
  api.route(
    {
      method: 'get',
      path: '/loading-records/:id/verification',
      summary: 'Re-hashes every sealed file of the record, checks the signature, the record against the database and the audit chain',
      tag: 'loading',
      access: 'any',
      params: uuidParam,
      response: loadingVerification,
    },
    ({ principal, params }) => loadingRecords.verify(principal, params.id),
  );
  api.route(
    {
      method: 'get',
      path: '/loading-records/:id/stills/:eventId',
      summary: 'The still kept with a checklist tick (JPEG)',
      tag: 'loading',
      access: 'any',
      params: z.object({ id: z.uuid(), eventId: z.coerce.number().int().positive() }),
      response: z.any().meta({ type: 'string', format: 'binary' }),
    },
    async ({ principal, params, req, res }) => sendStored(req, res, deps.store, await loadingRecords.stillFile(principal, params.id, params.eventId)),
  );
}
