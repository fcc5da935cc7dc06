/** The express application: REST API, health, metrics, OpenAPI and (when built) the web app. */
import fs from 'node:fs';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { pinoHttp } from 'pino-http';
import { ZodError } from 'zod';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Services } from '../services/index.ts';
import type { EvidenceExports } from '../jobs/evidence-export.ts';
import { Api } from './api.ts';
import { refuseCrossSiteWrites, securityHeaders } from './request-guards.ts';
import { MAX_PHOTO_BYTES } from '../services/inspections.service.ts';
import { adminRoutes } from './admin.routes.ts';
import { authRoutes, readSessionCookie } from './auth.routes.ts';
import { bookingRoutes } from './bookings.routes.ts';
import { declarationRoutes } from './declarations.routes.ts';
import { maintenanceRoutes } from './maintenance.routes.ts';
import type { MaintenanceContext } from '../maintenance/commands.ts';
import { sessionRoutes } from './sessions.routes.ts';
import { visionRoutes } from './vision.routes.ts';
import type { BatchCounting } from '../services/loading-batches.service.ts';

export interface AppDeps {
  services: Services;
  logger: Logger;
  metrics: Metrics;
  /** Each returns normally when its dependency answers, throws otherwise. */
  readiness: Record<string, () => Promise<void>>;
  cookieSecure: boolean;
  /** The built web app (web/dist), served when present. */
  webDist?: string;
  exports: EvidenceExports;
  /** Live counting of loading batches (the media side). */
  counting: BatchCounting;
  /** Origins besides the platform's own allowed to send state-changing requests (ALLOWED_ORIGINS). */
  allowedOrigins?: readonly string[];
  /** Accept maintenance commands from local CLI tools holding this token. */
  maintenance?: { token: string; context: MaintenanceContext };
}

const BODY_LIMIT = '256kb';

export function createApp(deps: AppDeps): express.Express {
  const { services, logger, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(securityHeaders({ https: deps.cookieSecure }));
  app.use(pinoHttp({ logger, autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' } }));
  app.use((req, res, next) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => end({ route: routeLabel(req, res), status: String(res.statusCode) }));
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    let ready = true;
    for (const [name, check] of Object.entries(deps.readiness)) {
      try {
        await withTimeout(check(), 2000);
        checks[name] = 'ok';
      } catch (err) {
        ready = false;
        checks[name] = (err as Error).message;
      }
    }
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const api = new Api(async (req: Request) => {
    const token = readSessionCookie(req.headers.cookie);
    return token ? services.auth.authenticate(token) : null;
  });
  authRoutes(api, services.auth, { secure: deps.cookieSecure });
  bookingRoutes(api, services.bookings);
  declarationRoutes(api, services.declarations);
  adminRoutes(api, services.admin, services.db);
  sessionRoutes(api, { ...services, exports: deps.exports, key: services.signingKey });
  visionRoutes(api, { loadingBatches: services.loadingBatches, counting: deps.counting });
  const openApi = api.openApiDocument({ title: 'Watchpost', version: '0.1.0' });

  app.use('/api', refuseCrossSiteWrites(deps.allowedOrigins ?? []));
  app.use('/api', express.json({ limit: BODY_LIMIT }));
  // Photos from the enterprise's phone are sent as the image itself.
  app.use('/api/sessions/:id/photos', express.raw({ type: ['image/jpeg', 'image/png'], limit: MAX_PHOTO_BYTES }));
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  if (deps.maintenance) maintenanceRoutes(app, deps.maintenance.context, deps.maintenance.token);
  app.use('/api', api.router);
  app.use('/api', (req, _res, next) => next(new AppError('not_found', `No API route ${req.method} ${req.path}`)));

  if (deps.webDist && fs.existsSync(path.join(deps.webDist, 'index.html'))) {
    const webDist = deps.webDist;
    app.use(express.static(webDist, { index: false, maxAge: '1h' }));
    app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => res.sendFile(path.join(webDist, 'index.html')));
  }

  app.use(errorHandler(logger));
  return app;
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let body: { code: string; message: string; details?: unknown };
    if (err instanceof AppError) {
      status = err.status;
      body = { code: err.code, message: err.message, details: err.details };
    } else if (err instanceof ZodError) {
      status = 400;
      body = {
        code: 'validation_failed',
        message: err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        details: err.issues.map((i) => ({ path: i.path, message: i.message, code: i.code })),
      };
    } else if (err?.type === 'entity.parse.failed') {
      status = 400;
      body = { code: 'bad_request', message: 'The request body is not valid JSON' };
    } else if (err?.type === 'entity.too.large') {
      status = 413;
      body = { code: 'payload_too_large', message: `The request body is larger than ${typeof err.limit === 'number' ? `${err.limit} bytes` : BODY_LIMIT}` };
    } else if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') {
      status = 415;
      body = { code: 'unsupported_media_type', message: String(err.message) };
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500 && err.expose) {
      // Any other refusal of the body parser (a body that does not decompress, a bad charset): the client's.
      status = 400;
      body = { code: 'bad_request', message: String(err.message) };
    } else {
      logger.error({ err, url: req.url }, 'unhandled error');
      body = { code: 'internal_error', message: 'Something went wrong on the server' };
    }
    res.status(status).json({ error: body });
  };
}

function routeLabel(req: Request, res: Response): string {
  if (typeof res.locals.route === 'string') return res.locals.route;
  const route = (req as Request & { route?: { path?: unknown } }).route?.path;
  return typeof route === 'string' ? route : 'unmatched';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
