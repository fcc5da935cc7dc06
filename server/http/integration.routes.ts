/**
 * The API for other systems (`/api/integration/…`, an API key with the scope each route names) and, for
 * administrators, their service accounts. Pushes are batches answered item by item; an `Idempotency-Key`
 * header makes a retry answer what the first request answered.
 */
import { z } from 'zod';
import type { Api } from './api.ts';
import { pageQuery, uuidParam } from './common.schemas.ts';
import { archiveEntryRecord } from '../contracts/records.ts';
import { serviceScopes } from '../db/schema.ts';
import { declarationItem, enterpriseItem, MAX_BATCH, vehicleItem, type IntegrationService, type ServiceScope } from '../services/integration.service.ts';

const accountFields = {
  id: z.uuid(),
  name: z.string(),
  scopes: z.array(z.string()),
  keyPrefix: z.string(),
  ratePerMinute: z.number(),
  active: z.boolean(),
  createdAt: z.string(),
  rotatedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
};
const account = z.object(accountFields).meta({ id: 'ServiceAccount' });
const accountWithKey = z.object({ ...accountFields, key: z.string().meta({ description: 'the API key, shown this once' }) }).meta({ id: 'ServiceAccountWithKey' });

const batchResult = z
  .object({
    created: z.number(),
    updated: z.number(),
    unchanged: z.number(),
    errors: z.number(),
    items: z.array(
      z.object({
        index: z.number(),
        key: z.string().meta({ description: 'the item’s natural key as sent (declaration number, customs code, plate)' }),
        status: z.enum(['created', 'updated', 'unchanged', 'error']),
        id: z.uuid().optional(),
        error: z.object({ reason: z.string(), message: z.string(), path: z.string().optional() }).optional(),
      }),
    ),
  })
  .meta({ id: 'BatchResult' });

export function integrationRoutes(api: Api, integration: IntegrationService) {
  api.route({ method: 'get', path: '/admin/service-accounts', summary: 'Service accounts of other systems', tag: 'integration', access: ['admin'], response: z.array(account) }, ({ principal }) =>
    integration.listAccounts(principal),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/service-accounts',
      summary: 'Makes a service account with scopes and a rate limit; the answer shows its API key once',
      tag: 'integration',
      access: ['admin'],
      status: 201,
      body: z
        .object({
          name: z.string().trim().min(2).max(100),
          scopes: z.array(z.enum(serviceScopes)).min(1).max(serviceScopes.length),
          ratePerMinute: z.number().int().min(1).max(10_000).default(120),
        })
        .strict(),
      response: accountWithKey,
    },
    ({ principal, body }) => integration.createAccount(principal, body),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/service-accounts/:id/rotate',
      summary: 'A new API key (shown once); the old one stops at once',
      tag: 'integration',
      access: ['admin'],
      params: uuidParam,
      response: accountWithKey,
    },
    ({ principal, params }) => integration.rotateKey(principal, params.id),
  );
  api.route(
    {
      method: 'post',
      path: '/admin/service-accounts/:id/revoke',
      summary: 'Revokes a service account: its key stops at once',
      tag: 'integration',
      access: ['admin'],
      params: uuidParam,
      response: account,
    },
    ({ principal, params }) => integration.revoke(principal, params.id),
  );

  const push = (path: string, scope: ServiceScope, summary: string, item: z.ZodType, run: (acct: { id: string; name: string }, items: unknown[]) => Promise<unknown>) =>
    api.route(
      {
        method: 'post',
        path,
        summary,
        tag: 'integration',
        access: { apiKey: scope },
        // Items are checked one by one (the answer says which failed and why), so the batch is only an array here.
        body: z
          .object({
            items: z
              .array(z.unknown())
              .min(1)
              .max(MAX_BATCH)
              .meta({ description: `at most ${MAX_BATCH}; each: ${item.description ?? ''}` }),
          })
          .strict(),
        response: batchResult,
      },
      async ({ req, body }) => {
        const acct = await integration.authenticate(req.headers.authorization, scope);
        const key = req.headers['idempotency-key'];
        return integration.idempotent(acct.id, typeof key === 'string' ? key : undefined, { path, body }, () => run(acct, body.items)) as never;
      },
    );
  push(
    '/integration/declarations',
    'declarations:write',
    'Upserts declarations by number (enterprise by customs code, port by code); an inspected declaration is not changed',
    declarationItem.describe('DeclarationPush'),
    (a, items) => integration.pushDeclarations(a, items),
  );
  push(
    '/integration/enterprises',
    'enterprises:write',
    'Upserts enterprises by customs code, with their risk class (a change is on their record)',
    enterpriseItem.describe('EnterprisePush'),
    (a, items) => integration.pushEnterprises(a, items),
  );
  push('/integration/vehicles', 'vehicles:write', "Upserts an enterprise's registered vehicles by plate", vehicleItem.describe('VehiclePush'), (a, items) => integration.pushVehicles(a, items));

  api.route(
    {
      method: 'get',
      path: '/integration/sessions',
      summary: 'Archived inspection sessions with their verdicts, newest first',
      tag: 'integration',
      access: { apiKey: 'archive:read' },
      query: pageQuery.extend({ declarationNumber: z.string().max(18).optional(), from: z.coerce.date().optional(), to: z.coerce.date().optional() }),
      response: z.object({ items: z.array(archiveEntryRecord), total: z.number() }),
    },
    async ({ req, query }) => integration.sessions(await integration.authenticate(req.headers.authorization, 'archive:read'), query),
  );
  api.route(
    {
      method: 'get',
      path: '/integration/sessions/:id',
      summary: "A session's signed verdict and the check of its seal (files re-hashed, signatures, the audit chain)",
      tag: 'integration',
      access: { apiKey: 'archive:read' },
      params: uuidParam,
      response: z.object({ entry: archiveEntryRecord, verdict: z.record(z.string(), z.unknown()).nullable(), verification: z.record(z.string(), z.unknown()) }),
    },
    async ({ req, params }) => integration.session(await integration.authenticate(req.headers.authorization, 'archive:read'), params.id) as never,
  );
}
