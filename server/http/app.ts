/** The express application: REST API, health, metrics, OpenAPI and (when built) the web app. */
import { plateFormatRoutes } from './plate-formats.routes.ts';
import { formImportRoutes, formRoutes } from './forms.routes.ts';
import { deskRoutes } from './desk.routes.ts';
import { complianceRoutes } from './compliance.routes.ts';
import { notificationRoutes } from './notifications.routes.ts';
import { integrationRoutes } from './integration.routes.ts';
import { planRoutes } from './plan.routes.ts';
import { modelRoutes } from './models.routes.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { pinoHttp } from 'pino-http';
import { AppError, errorReply, internalErrorReply } from '../errors.ts';
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
import { supervisionRoutes } from './supervision.routes.ts';
import { loadingRecordRoutes } from './loading-records.routes.ts';
import type { LoadingRecordService } from '../services/loading-records.service.ts';
import type { StorageGuard } from '../jobs/storage-guard.ts';
import type { NodeRegistry } from '../cluster/node-registry.ts';
import { clusterRoutes } from './cluster.routes.ts';
import type { Supervision } from '../live/supervision.ts';
import type { FrameCorrectionService } from '../services/vision-samples.service.ts';
import type { LoadingBatchService } from '../services/loading-batches.service.ts';

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
  /** Loading batches, built with the live layer they count on. */
  loadingBatches: LoadingBatchService;
  /** The officers' corrections of what a live camera's analysis saw (frames held on this node). */
  corrections: FrameCorrectionService;
  /** Loading records, built with the supervised cameras they count and take stills on. */
  loadingRecords: LoadingRecordService;
  /** The supervised cameras live on this node and whether each is sending. */
  supervision: Pick<Supervision, 'clusterStates' | 'still'>;
  /** This node's disk and what its guard did (the storage view). */
  storage: Pick<StorageGuard, 'state'>;
  /** The platform's nodes (the registry). */
  nodes: Pick<NodeRegistry, 'liveNodes' | 'self'>;
  /** Origins besides the platform's own allowed to send state-changing requests (ALLOWED_ORIGINS). */
  allowedOrigins?: readonly string[];
  /** Accept maintenance commands from local CLI tools holding this token. */
  maintenance?: { token: string; context: MaintenanceContext };
}

const BODY_LIMIT = '256kb';
const INTEGRATION_BODY_LIMIT = '2mb';
const API_INFO = { title: 'Watchpost', version: '0.1.0' };

/** Every REST route, declared once: served by createApp, described by describeApi. */
function registerRoutes(api: Api, deps: Pick<AppDeps, 'services' | 'exports' | 'loadingBatches' | 'corrections' | 'loadingRecords' | 'supervision' | 'storage' | 'nodes' | 'cookieSecure'>): void {
  const { services } = deps;
  authRoutes(api, services.auth, { secure: deps.cookieSecure });
  bookingRoutes(api, services.bookings);
  declarationRoutes(api, services.declarations);
  adminRoutes(api, services.admin, services.db, deps.supervision);
  plateFormatRoutes(api, services.plateFormats);
  formRoutes(api, services.forms);
  formImportRoutes(api, services.formImports, services.dataDir);
  deskRoutes(api, { tickets: services.tickets, notices: services.notices, records: services.enterpriseRecords });
  complianceRoutes(api, { rectifications: services.rectifications, annualReports: services.annualReports });
  notificationRoutes(api, { notifications: services.notifications, webhooks: services.webhooks });
  integrationRoutes(api, services.integration);
  planRoutes(api, services.plans);
  modelRoutes(api, services.models);
  clusterRoutes(api, deps.nodes);
  sessionRoutes(api, { ...services, exports: deps.exports, key: services.signingKey });
  visionRoutes(api, { loadingBatches: deps.loadingBatches, corrections: deps.corrections, samples: services.samples, store: services.store });
  loadingRecordRoutes(api, { loadingRecords: deps.loadingRecords, store: services.store });
  supervisionRoutes(api, {
    admin: services.admin,
    footage: services.footage,
    zones: services.zones,
    store: services.store,
    supervision: deps.supervision,
    storage: deps.storage,
  });
}

/**
 * The OpenAPI description without a platform (the web app's REST types are generated from it): the routes
 * are declared with dependencies that refuse to be used, since describing a route never calls it.
 */
export function describeApi() {
  const unusable: never = new Proxy(() => {}, {
    get: (_target, key) => (key === 'dataDir' ? os.tmpdir() : unusable),
    apply: () => {
      throw new Error('describeApi: a route dependency was used while only describing the routes');
    },
  }) as never;
  const api = new Api(async () => null);
  registerRoutes(api, {
    services: unusable,
    exports: unusable,
    loadingBatches: unusable,
    corrections: unusable,
    loadingRecords: unusable,
    supervision: unusable,
    storage: unusable,
    nodes: unusable,
    cookieSecure: false,
  });
  return api.openApiDocument(API_INFO);
}

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
  registerRoutes(api, deps);
  const openApi = api.openApiDocument(API_INFO);

  app.use('/api', refuseCrossSiteWrites(deps.allowedOrigins ?? []));
  // Other systems push batches (up to 500 declarations): a larger body there only.
  app.use('/api/integration', express.json({ limit: INTEGRATION_BODY_LIMIT }));
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
    const reply = errorReply(err);
    if (!reply) logger.error({ err, url: req.url }, 'unhandled error');
    const { status, ...body } = reply ?? internalErrorReply;
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
