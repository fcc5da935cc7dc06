import { z } from 'zod';
import type { Api } from './api.ts';
import {
  calendarDay,
  formCadences,
  formCorrectionInput,
  formDayStates,
  formDefinition,
  formEntryInput,
  formNoteInput,
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
