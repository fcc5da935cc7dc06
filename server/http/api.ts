/**
 * One place that declares a REST route: its zod schemas validate the request and also describe the route
 * in the OpenAPI document, so the docs cannot drift from what the server accepts.
 */
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import express, { type Request, type Response, type Router } from 'express';
import { z, type ZodType } from 'zod';
import type { Role } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { containsNul } from './request-guards.ts';
import type { Principal } from '../services/access.ts';

extendZodWithOpenApi(z);

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'validation_failed' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteContext<B, Q, P> {
  principal: Principal;
  body: B;
  query: Q;
  params: P;
  req: Request;
  res: Response;
}

export interface RouteSpec<B, Q, P, R> {
  method: Method;
  /** Express-style path relative to /api, e.g. /bookings/:id */
  path: string;
  summary: string;
  tag: string;
  /**
   * Roles allowed to call it (checked before the service runs its finer checks); 'public' needs no login;
   * `{ apiKey: scope }`: another system with an API key holding that scope (the handler authenticates it).
   */
  access: 'public' | 'any' | readonly Role[] | { apiKey: string };
  body?: ZodType<B>;
  query?: ZodType<Q>;
  params?: ZodType<P>;
  response: ZodType<R>;
  status?: number;
}

const isApiKeyAccess = (access: RouteSpec<unknown, unknown, unknown, unknown>['access']): access is { apiKey: string } => typeof access === 'object' && 'apiKey' in access;

export type PrincipalResolver = (req: Request) => Promise<Principal | null>;

export class Api {
  readonly router: Router = express.Router();
  private readonly registry = new OpenAPIRegistry();

  constructor(private readonly resolvePrincipal: PrincipalResolver) {
    this.registry.register('Error', errorBody);
    this.registry.registerComponent('securitySchemes', 'sessionCookie', {
      type: 'apiKey',
      in: 'cookie',
      name: 'wp_session',
    });
    this.registry.registerComponent('securitySchemes', 'apiKey', {
      type: 'http',
      scheme: 'bearer',
      description: "A service account's API key (wp_…), made by an administrator with its scopes",
    });
  }

  route<B = undefined, Q = undefined, P = undefined, R = unknown>(spec: RouteSpec<B, Q, P, R>, handler: (ctx: RouteContext<B, Q, P>) => Promise<R>): void {
    this.describe(spec);
    this.router[spec.method](spec.path, async (req, res, next) => {
      // The route pattern (not the URL) labels metrics, so label cardinality stays bounded.
      res.locals.route = `${req.baseUrl}${spec.path}`;
      try {
        const byKey = isApiKeyAccess(spec.access);
        const principal = byKey ? null : await this.resolvePrincipal(req);
        if (spec.access !== 'public' && !isApiKeyAccess(spec.access)) {
          if (!principal) throw new AppError('unauthenticated', 'Log in first');
          if (spec.access !== 'any' && !spec.access.includes(principal.role)) {
            throw new AppError('forbidden', `This needs one of the roles: ${spec.access.join(', ')}`);
          }
        }
        if (containsNul(req.body) || containsNul(req.query) || containsNul(req.params)) {
          throw new AppError('validation_failed', 'Text may not contain the NUL character', { reason: 'text_contains_nul' });
        }
        const ctx: RouteContext<B, Q, P> = {
          principal: principal as Principal,
          body: (spec.body ? spec.body.parse(req.body ?? {}) : undefined) as B,
          query: (spec.query ? spec.query.parse(req.query) : undefined) as Q,
          params: (spec.params ? spec.params.parse(req.params) : undefined) as P,
          req,
          res,
        };
        const result = await handler(ctx);
        if (!res.headersSent) res.status(spec.status ?? 200).json(result);
      } catch (err) {
        next(err);
      }
    });
  }

  private readonly webhooks: Record<string, { post: { summary: string; description: string; requestBody: unknown; responses: unknown } }> = {};

  /**
   * Describes what the platform POSTs to other systems (OpenAPI 3.0 has no webhooks section: `x-webhooks`,
   * as Redoc reads it), with the body's schema.
   */
  webhook(name: string, spec: { summary: string; description: string; schema: z.ZodType }) {
    this.webhooks[name] = {
      post: {
        summary: spec.summary,
        description: spec.description,
        requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(spec.schema, { target: 'openapi-3.0' }) } } },
        responses: { '2XX': { description: 'Received: any 2xx stops the retries' } },
      },
    };
  }

  openApiDocument(info: { title: string; version: string }) {
    const document = new OpenApiGeneratorV3(this.registry.definitions).generateDocument({
      openapi: '3.0.3',
      info: { ...info, description: 'Watchpost REST API. Errors carry a stable `error.code`.' },
      servers: [{ url: '/api' }],
    });
    return Object.keys(this.webhooks).length > 0 ? { ...document, 'x-webhooks': this.webhooks } : document;
  }

  private describe<B, Q, P, R>(spec: RouteSpec<B, Q, P, R>) {
    const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorBody } } });
    this.registry.registerPath({
      method: spec.method,
      path: spec.path.replace(/:(\w+)/g, '{$1}'),
      summary: spec.summary,
      tags: [spec.tag],
      security: spec.access === 'public' ? [] : isApiKeyAccess(spec.access) ? [{ apiKey: [] }] : [{ sessionCookie: [] }],
      description:
        spec.access === 'public' || spec.access === 'any'
          ? undefined
          : isApiKeyAccess(spec.access)
            ? `API key with the scope ${spec.access.apiKey}. An Idempotency-Key header makes a retry answer the same.`
            : `Roles: ${spec.access.join(', ')}`,
      request: {
        ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body } } } } : {}),
        ...(spec.query ? { query: spec.query as never } : {}),
        ...(spec.params ? { params: spec.params as never } : {}),
      },
      responses: {
        [spec.status ?? 200]: { description: 'OK', content: { 'application/json': { schema: spec.response } } },
        400: errorResponse('Invalid request (code validation_failed or bad_request)'),
        ...(spec.access === 'public' ? {} : { 401: errorResponse('Not logged in'), 403: errorResponse('Role not allowed') }),
      },
    });
  }
}
