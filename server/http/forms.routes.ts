import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { uuidParam } from './common.schemas.ts';
import { formImportStatuses } from '../db/schema.ts';
import { MAX_IMPORT_BYTES, type FormImportService } from '../services/form-imports.service.ts';
import type { Api } from './api.ts';
import {
  calendarDay,
  formCadences,
  formCorrectionInput,
  formDayStates,
  formDefinition,
  formEntryInput,
  formNoteInput,
  importMapping,
  importProblemCodes,
  pushedRecords,
  farmFormStatuses,
  localised,
  type FormDefinitionInput,
} from '../contracts/forms.ts';
import type { FarmFormService } from '../services/farm-forms.service.ts';

const definition = formDefinition.meta({ id: 'FormDefinition' });
const formKey = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/);
const dayParams = z.object({ siteId: z.uuid(), key: formKey, day: calendarDay });
const entryValues = z.record(z.string(), z.unknown());

const entryView = z
  .object({
    id: z.uuid(),
    siteId: z.uuid(),
    formKey: z.string(),
    formVersion: z.int(),
    day: z.string(),
    status: z.enum(farmFormStatuses),
    state: z.enum(formDayStates),
    revision: z.int(),
    values: entryValues,
    dueAt: z.string().nullable(),
    updatedAt: z.string(),
    submittedAt: z.string().nullable(),
    revisions: z.array(z.object({ revision: z.int(), formVersion: z.int(), reason: z.string().nullable(), submittedBy: z.string(), submittedAt: z.string() })),
    notes: z.array(z.object({ id: z.number(), text: z.string(), returned: z.boolean(), author: z.string(), createdAt: z.string() })),
  })
  .meta({ id: 'FormEntry' });

const farm = z.object({ id: z.uuid(), name: z.string(), enterpriseName: z.string(), timeZone: z.string() });
const overview = z
  .object({
    site: farm,
    today: z.string(),
    forms: z.array(z.object({ key: z.string(), version: z.int(), title: localised, cadence: z.enum(formCadences) })),
    days: z.array(z.object({ day: z.string(), dueAt: z.string(), forms: z.array(z.object({ key: z.string(), state: z.enum(formDayStates), revision: z.int() })) })),
  })
  .meta({ id: 'FormOverview' });

const importProblem = z.object({
  line: z.int(),
  field: z.string(),
  code: z.enum(importProblemCodes),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  message: localised.optional(),
});

const overdueFarm = z.object({ siteId: z.uuid(), siteName: z.string(), enterpriseName: z.string(), day: z.string(), dueAt: z.string(), forms: z.array(z.string()) }).meta({ id: 'OverdueForms' });

export function formRoutes(api: Api, forms: FarmFormService) {
  api.route(
    { method: 'get', path: '/forms/definitions', summary: 'The newest version of every supervision form', tag: 'forms', access: 'any', response: z.object({ forms: z.array(definition) }) },
    async () => ({ forms: await forms.currentDefinitions() }),
  );
  api.route(
    {
      method: 'get',
      path: '/forms/definitions/:key/:version',
      summary: 'One version of a form (forms filled in under an earlier version render with it)',
      tag: 'forms',
      access: 'any',
      params: z.object({ key: formKey, version: z.coerce.number().int().min(1).max(10_000) }),
      response: definition,
    },
    ({ params }) => forms.definition(params.key, params.version),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/form-definitions',
      summary: 'Add a form, or its next version (forms filled in earlier keep theirs); refused unless it is the next number',
      tag: 'forms',
      access: ['admin'],
      status: 201,
      body: formDefinition,
      response: definition,
    },
    ({ principal, body }) => forms.addVersion(principal, body as FormDefinitionInput),
  );
  api.route(
    {
      method: 'get',
      path: '/forms/overdue',
      summary: "Farms' daily forms past due and past the grace period (the officers' dashboard; an officer sees the port's farms)",
      tag: 'forms',
      access: ['officer', 'supervisor', 'admin'],
      response: z.object({ overdue: z.array(overdueFarm) }),
    },
    async ({ principal }) => ({ overdue: await forms.overdue(principal) }),
  );
  api.route(
    {
      method: 'get',
      path: '/farms/:siteId/forms',
      summary: "What each of a farm's forms is in, day by day (at most 31 days, in the farm's local days)",
      tag: 'forms',
      access: 'any',
      params: z.object({ siteId: z.uuid() }),
      query: z.object({ from: calendarDay, to: calendarDay }),
      response: overview,
    },
    ({ principal, params, query }) => forms.overview(principal, params.siteId, query.from, query.to),
  );
  api.route(
    {
      method: 'get',
      path: '/farms/:siteId/forms/:key/:day',
      summary: "A farm's form for a day, with its submitted versions and the officers' notes (entry null: not started)",
      tag: 'forms',
      access: 'any',
      params: dayParams,
      response: z.object({ site: farm, definition, entry: entryView.nullable() }),
    },
    ({ principal, params }) => forms.entry(principal, params.siteId, params.key, params.day),
  );
  api.route(
    {
      method: 'put',
      path: '/farms/:siteId/forms/:key/:day',
      summary: 'Save a draft (checked for types and ranges; what is missing may stay missing)',
      tag: 'forms',
      access: ['enterprise_user', 'broker'],
      params: dayParams,
      body: formEntryInput,
      response: entryView,
    },
    ({ principal, params, body }) => forms.write(principal, params.siteId, params.key, params.day, 'draft', body.values),
  );
  api.route(
    {
      method: 'post',
      path: '/farms/:siteId/forms/:key/:day/submit',
      summary: 'Submit a form: checked whole; refused with every field-level problem in error.details, keeping nothing',
      tag: 'forms',
      access: ['enterprise_user', 'broker'],
      params: dayParams,
      body: formEntryInput,
      response: entryView,
    },
    ({ principal, params, body }) => forms.write(principal, params.siteId, params.key, params.day, 'submit', body.values),
  );
  api.route(
    {
      method: 'post',
      path: '/farms/:siteId/forms/:key/:day/correct',
      summary: 'Correct a submitted or returned form with a reason: a new version, the earlier kept',
      tag: 'forms',
      access: ['enterprise_user', 'broker'],
      params: dayParams,
      body: formCorrectionInput,
      response: entryView,
    },
    ({ principal, params, body }) => forms.write(principal, params.siteId, params.key, params.day, 'correct', body.values, body.reason),
  );
  api.route(
    {
      method: 'get',
      path: '/farms/:siteId/forms/:key/:day/revisions/:revision',
      summary: 'An earlier submitted version of a form',
      tag: 'forms',
      access: 'any',
      params: dayParams.extend({ revision: z.coerce.number().int().min(1).max(100_000) }),
      response: z.object({ definition, revision: z.int(), reason: z.string().nullable(), values: entryValues }),
    },
    ({ principal, params }) => forms.revision(principal, params.siteId, params.key, params.day, params.revision),
  );
  api.route(
    {
      method: 'post',
      path: '/farms/:siteId/forms/:key/:day/notes',
      summary: "An officer's comment on a form; returnForCorrection sends a submitted form back to the farm",
      tag: 'forms',
      access: ['officer', 'supervisor'],
      status: 201,
      params: dayParams,
      body: formNoteInput,
      response: entryView,
    },
    ({ principal, params, body }) => forms.note(principal, params.siteId, params.key, params.day, body.text, body.returnForCorrection),
  );
}

const importView = z
  .object({
    id: z.uuid(),
    enterpriseId: z.uuid(),
    siteId: z.uuid(),
    formKey: z.string(),
    fileName: z.string(),
    fileSha256: z.string(),
    format: z.string(),
    dryRun: z.boolean(),
    status: z.enum(formImportStatuses),
    bytesTotal: z.number(),
    bytesRead: z.number(),
    progress: z.number().meta({ description: 'percent of the file read' }),
    lines: z.int(),
    imported: z.int(),
    unchanged: z.int(),
    refused: z.int(),
    columns: z.record(z.string(), z.string().nullable()),
    problems: z.array(importProblem),
    failure: z.string().nullable(),
    createdBy: z.uuid(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'FormImport' });

/** Streams the request body to a file in `dir`, refusing more than `limit` bytes. */
function receiveFile(req: Request, dir: string, limit: number): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `upload-${crypto.randomUUID()}`);
  return new Promise((resolve, reject) => {
    let size = 0;
    const out = fs.createWriteStream(file);
    const fail = (err: Error) => {
      req.unpipe(out);
      out.destroy();
      fs.rmSync(file, { force: true });
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(new AppError('payload_too_large', `At most ${limit / 1024 / 1024} MB`));
    });
    req.on('error', fail);
    out.on('error', fail);
    out.on('finish', () => (size === 0 ? fail(new AppError('validation_failed', 'The file is empty', { reason: 'import_format' })) : resolve(file)));
    req.pipe(out);
  });
}

export function formImportRoutes(api: Api, imports: FormImportService, dataDir: string) {
  const siteAndForm = z.object({ siteId: z.uuid(), key: formKey });
  api.route(
    {
      method: 'post',
      path: '/farms/:siteId/imports',
      summary:
        'Import an ERP file into a form (body: the file itself, as application/octet-stream; CSV, XLSX, JSON or JSON Lines by its name). Answers at once; follow GET /imports/{id}. dryRun checks every line and writes nothing.',
      tag: 'forms',
      access: ['enterprise_user', 'broker'],
      status: 202,
      params: z.object({ siteId: z.uuid() }),
      query: z.object({ form: formKey, name: z.string().min(1).max(200), dryRun: z.enum(['true', 'false']).default('false') }),
      response: importView,
    },
    async ({ principal, params, query, req }) => {
      if (req.body !== undefined && !Buffer.isBuffer(req.body)) throw new AppError('unsupported_media_type', 'Send the file itself as application/octet-stream', { reason: 'import_format' });
      const file = await receiveFile(req, path.join(dataDir, 'imports'), MAX_IMPORT_BYTES);
      try {
        return await imports.start(principal, { siteId: params.siteId, formKey: query.form, dryRun: query.dryRun === 'true', file, fileName: query.name });
      } finally {
        fs.rmSync(file, { force: true });
      }
    },
  );
  api.route(
    {
      method: 'get',
      path: '/farms/:siteId/imports',
      summary: "The enterprise's latest imports",
      tag: 'forms',
      access: ['enterprise_user', 'broker'],
      params: z.object({ siteId: z.uuid() }),
      response: z.array(importView),
    },
    ({ principal, params }) => imports.list(principal, params.siteId),
  );
  api.route(
    { method: 'get', path: '/imports/:id', summary: 'An import: its progress while it runs, then what came of its lines', tag: 'forms', access: 'any', params: uuidParam, response: importView },
    ({ principal, params }) => imports.get(principal, params.id),
  );
  api.route(
    {
      method: 'get',
      path: '/imports/:id/report',
      summary: 'Every refused line of an import: line, field, problem, detail (CSV, UTF-8 with a byte-order mark)',
      tag: 'forms',
      access: 'any',
      params: uuidParam,
      response: z.any().meta({ type: 'string', description: 'text/csv' }),
    },
    async ({ principal, params, res }) => {
      const view = await imports.get(principal, params.id);
      if (view.status === 'running') throw new AppError('conflict', 'The import is still running', { reason: 'import_running' });
      const file = imports.reportPath(view.id);
      if (!fs.existsSync(file)) throw new AppError('not_found', 'No report for this import');
      res.type('text/csv; charset=utf-8').attachment(`import-${view.id.slice(0, 8)}-report.csv`);
      await pipeline(fs.createReadStream(file), res);
    },
  );
  api.route(
    {
      method: 'get',
      path: '/farms/:siteId/import-mappings/:key',
      summary: "The enterprise's column mapping for a form (null: columns named as the fields or their labels)",
      tag: 'forms',
      access: ['enterprise_user', 'broker'],
      params: siteAndForm,
      response: z.object({ mapping: importMapping.nullable() }),
    },
    async ({ principal, params }) => ({ mapping: await imports.mapping(principal, params.siteId, params.key) }),
  );
  api.route(
    {
      method: 'put',
      path: '/farms/:siteId/import-mappings/:key',
      summary: "Save the enterprise's column mapping for a form (every import of it reads its columns so)",
      tag: 'forms',
      access: ['enterprise_user', 'broker'],
      params: siteAndForm,
      body: importMapping,
      response: z.object({ mapping: importMapping }),
    },
    async ({ principal, params, body }) => ({ mapping: await imports.saveMapping(principal, params.siteId, params.key, body) }),
  );
  api.route(
    {
      method: 'post',
      path: '/farms/:siteId/forms/:key/records',
      summary: "The ERP pushes records (up to 1000): each a day and its values, merged as an import's lines are (submitted; the same again changes nothing)",
      tag: 'forms',
      access: ['enterprise_user', 'broker'],
      params: siteAndForm,
      body: pushedRecords,
      response: z.object({ imported: z.int(), unchanged: z.int(), refused: z.array(importProblem) }),
    },
    ({ principal, params, body }) => imports.push(principal, params.siteId, params.key, body.records),
  );
}
