/**
 * Starts the whole control plane on one machine: database (PGlite or PostgreSQL), Redis (ours or
 * REDIS_URL), services, background jobs, express + socket.io. `stop()` undoes it in reverse order.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { createApp } from './http/app.ts';
import { loadSecretBox } from './infra/secret-box.ts';
import { loadSigningKey } from './infra/signing-key.ts';
import { evidenceStoreFor, removeStaleCopies } from './infra/evidence-store.ts';
import { removeControlFile, writeControlFile } from './maintenance/control-file.ts';
import { startLocalRedis, type LocalRedis } from './infra/local-redis.ts';
import { redisConnectionOptions, pingRedis } from './infra/redis.ts';
import { startBookingReminders } from './jobs/booking-reminders.ts';
import { startFormReminders } from './jobs/form-reminders.ts';
import { startDeadlineReminders } from './jobs/deadline-reminders.ts';
import { startDeliveries } from './jobs/deliveries.ts';
import { outsideChannels } from './notify/index.ts';
import { startRecordingFinaliser } from './jobs/recording-finalise.ts';
import { startEvidenceExports } from './jobs/evidence-export.ts';
import { diskUsageOf, StorageGuard } from './jobs/storage-guard.ts';
import { startRetentionSchedule } from './jobs/retention.ts';
import { ABANDONED_AFTER_MS, closeRecordingsOfEndedSession, recoverUnfinishedWork, sweepAbandonedRecordings } from './jobs/recovery.ts';
import { LiveSessions } from './live/live-sessions.ts';
import { CameraFeeds } from './live/camera-feeds.ts';
import { Supervision } from './live/supervision.ts';
import { LoadingBatchService } from './services/loading-batches.service.ts';
import { LoadingRecordService } from './services/loading-records.service.ts';
import { FrameCorrectionService, HELD_FRAME_LIMITS, type HeldFrame } from './services/vision-samples.service.ts';
import { HeldFrameStore } from './infra/held-frames.ts';
import { InferencePool, readImageFile } from '../inference/index.ts';
import { InferenceNodes } from './cluster/inference-nodes.ts';
import { registerInspectionSignalling } from './realtime/inspection-signalling.ts';
import { MediaWorkerPool } from '../media/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { createSocketServer } from './realtime/socket-server.ts';
import { createServices, type Services } from './services/index.ts';
import { HEARTBEAT_MS, NODE_TTL_MS, NodeRegistry } from './cluster/node-registry.ts';
import { ClusterClient, INTERNAL_PREFIX, internalApi } from './cluster/internal-api.ts';
import { pipeAddress } from '../media/network.ts';
import { WALL } from './contracts/live-events.ts';

export interface Platform {
  url: string;
  dataDir: string;
  media: { pool: MediaWorkerPool; live: LiveSessions; feeds: CameraFeeds; supervision: Supervision };
  /** This node in the platform's registry (several nodes share the database, Redis and storage). */
  node: NodeRegistry;
  services: Services;
  database: Database;
  redisUrl: string;
  logger: Logger;
  /** For tests and operations: the inference worker processes (none until the first analysed camera). */
  inferencePids(): Promise<number[]>;
  /** Jobs this node's inference workers have run (frames and images; an inference node's are the other nodes' frames). */
  inferenceJobs(): Promise<number>;
  /** Start-up recovery of the last run's unfinished work; settles when it is done (null if it failed). */
  recovered: Promise<Awaited<ReturnType<typeof recoverUnfinishedWork>> | null>;
  /** Sends the outbox now instead of at the next sweep (tests, operations). */
  sweepDeliveries(): Promise<unknown>;
  /** Closes the recordings of nodes that died now instead of at the next sweep (tests, operations); `now` to look ahead. */
  sweepRecordings(now?: number): Promise<number>;
  stop(): Promise<void>;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A step of stop() taking longer than this is logged. */
const SLOW_STOP_STEP_MS = 3000;

export async function startPlatform(config: Config, options: { database?: Database; clock?: () => Date } = {}): Promise<Platform> {
  // By the clock the services stamp their rows with (recordings begun before it are the last run's).
  const runStartedAt = options.clock?.() ?? new Date();
  const logger = createLogger(config.LOG_LEVEL);
  const cleanups: Array<() => Promise<void>> = [];
  /** Told at once when the stop begins, before any cleanup: what dies of the same signal meanwhile is not mended. */
  const stopBegins: Array<() => void> = [];
  // Stopping twice (a signal during a stop, a test's cleanup) waits for the one stop.
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      for (const begin of stopBegins) begin();
      for (const cleanup of cleanups.reverse()) {
        const started = Date.now();
        try {
          await cleanup();
        } catch (err) {
          logger.warn({ err }, 'error while stopping');
        }
        // A stop that overruns its deadline should say where it spent the time.
        if (Date.now() - started > SLOW_STOP_STEP_MS) logger.warn({ ms: Date.now() - started, step: cleanup.toString().slice(0, 160) }, 'a stopping step was slow');
      }
    })());
  try {
    const database = options.database ?? (await openDatabase(config, (err) => logger.warn({ err }, 'a database connection was lost; new ones are opened as needed')));
    if (!options.database) cleanups.push(() => database.close());
    logger.info({ kind: database.kind }, 'database ready');

    let redisUrl = config.REDIS_URL;
    if (!redisUrl) {
      const local: LocalRedis = await startLocalRedis({
        dir: path.join(config.dataDir, 'redis'),
        bin: config.REDIS_SERVER_BIN,
        persist: true,
        onRestart: (info) => logger.error(info, 'local redis-server died and was started again'),
      });
      cleanups.push(() => local.stop());
      redisUrl = local.url;
      logger.info({ url: redisUrl }, 'started local redis-server');
    }
    const connection = redisConnectionOptions(redisUrl);

    const metrics = createMetrics();
    const signingKey = loadSigningKey(config.signingKeyFile);
    const secrets = loadSecretBox(config.secretsKeyFile);
    const store = evidenceStoreFor(config);
    const outside = outsideChannels(config);
    cleanups.push(async () => outside.close());
    const services = createServices({
      outside,
      db: database.db,
      store,
      signingKey,
      secrets,
      dataDir: config.dataDir,
      sessionTtlMs: config.SESSION_TTL_HOURS * 3_600_000,
      alarmCooldownMs: config.ALARM_COOLDOWN_SECONDS * 1000,
      cameraMediaDir: config.CAMERA_MEDIA_DIR,
      clock: options.clock,
      forms: { dueTime: config.FORMS_DUE_TIME, graceHours: config.FORMS_GRACE_HOURS },
      deadlines: { rectifyDays: config.RECTIFY_DAYS, declarationEndingDays: config.DECLARATION_ENDING_DAYS, annualReportDue: config.ANNUAL_REPORT_DUE },
    });
    const movedPasswords = await services.admin.sealCameraPasswords();
    if (movedPasswords > 0) logger.warn({ cameras: movedPasswords }, 'camera passwords moved out of their source URLs and encrypted');
    services.events.onListenerError((err, event) => logger.error({ err, event }, 'domain event listener failed'));
    const handbook = await services.forms.installHandbook();
    if (handbook.installed.length > 0) logger.info({ forms: handbook.installed }, 'supervision form definitions installed');
    const interrupted = await services.formImports.markInterrupted();
    if (interrupted > 0) logger.warn({ imports: interrupted }, 'imports cut short by the last stop marked interrupted (running the file again is safe)');
    if (handbook.differing.length > 0) logger.warn({ forms: handbook.differing }, 'shipped form definitions differ from the stored versions, which are kept: ship a change as a new version');

    // The HTTP server first (its request handler comes last): socket.io attaches to it, and everything
    // that pushes to users is built with the socket server in hand.
    const server = http.createServer();
    const sockets = createSocketServer(server, { services, redisUrl, prefix: config.REDIS_PREFIX, logger, allowedOrigins: config.ALLOWED_ORIGINS });
    cleanups.push(() => sockets.close());

    // Only the embedded database needs the control file: with a server database the CLI opens it itself.
    const maintenanceToken = database.kind === 'pglite' ? crypto.randomBytes(32).toString('base64url') : undefined;
    const exports = startEvidenceExports({
      connection,
      prefix: config.REDIS_PREFIX,
      dataDir: config.dataDir,
      store: services.store,
      archive: services.archive,
      packages: services.packages,
      notify: sockets.toUsers,
      logger,
      metrics,
    });
    cleanups.push(() => exports.close());
    // The inference workers start with the first analysed camera: sessions without one cost nothing.
    let inferencePool: Promise<InferencePool> | null = null;
    // The workers count with the version an administrator made active (the default until one does).
    const startInference = () =>
      (inferencePool ??= InferencePool.start({ workers: config.INFERENCE_WORKERS || undefined }).then(async (started) => {
        const version = await services.models.activeCountModel();
        if (version !== started.countModelVersion) started.setCountModel(version);
        return started;
      }));
    const switchCountModel = async (version: string) => {
      const running = inferencePool ? await inferencePool.catch(() => null) : null;
      try {
        running?.setCountModel(version);
      } catch (err) {
        logger.error({ err, version }, 'cannot switch the counting model');
      }
    };
    // Every node's workers switch, inference nodes' included.
    services.events.on('model.changed', async ({ version }) => {
      await switchCountModel(version);
      sockets.toOtherNodes('model:changed', version);
    });
    sockets.onOtherNodes('model:changed', (version) => void switchCountModel(version));
    cleanups.push(async () => {
      if (inferencePool) await (await inferencePool.catch(() => null))?.close();
    });

    const pool = await MediaWorkerPool.start({
      workers: config.MEDIA_WORKERS || os.cpus().length,
      rtcMinPort: config.MEDIA_RTC_MIN_PORT,
      rtcMaxPort: config.MEDIA_RTC_MAX_PORT,
    });
    cleanups.push(async () => pool.close());
    const finaliser = startRecordingFinaliser({
      connection,
      prefix: config.REDIS_PREFIX,
      dataDir: config.dataDir,
      store: services.store,
      inspections: services.inspections,
      archive: services.archive,
      logger,
      metrics,
    });
    cleanups.push(() => finaliser.close());
    const network = { listenIp: config.MEDIA_LISTEN_IP, announcedIp: config.MEDIA_ANNOUNCED_IP, pipeIp: config.MEDIA_PIPE_IP };
    // This node among the platform's: registered once it listens, left last when it stops.
    // Named by host and port unless told, so a restarted node is the same node and finds its own claims;
    // on a port chosen at start (PORT=0) it has no lasting name.
    const host = os
      .hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 40);
    const nodeId = config.NODE_ID ?? (config.PORT ? `${host}-${config.PORT}` : `${host}-${process.pid}-${crypto.randomBytes(2).toString('hex')}`);
    const registry: NodeRegistry = new NodeRegistry(
      { id: nodeId, url: '', pipeIp: pipeAddress(network), workers: pool.size, role: config.NODE_ROLE },
      redisUrl,
      config.REDIS_PREFIX,
      () => ({
        routers: pool.load().reduce((a, b) => a + b, 0),
        sessionIds: live.homeIds(),
        cameraIds: supervision.heldIds(),
      }),
      // Another node took what this one held while it went unheard: one home per session, one holder per camera.
      (kind, id) => void (kind === 'session' ? live.lostHome(id) : supervision.refresh(id)),
    );
    cleanups.push(() => registry.leave());
    // Every node signs with the platform's key and opens the secrets its database holds: a node with keys of its own would not.
    await registry.checkSharedKeys({ signingKeyId: signingKey.keyId, secretsFingerprint: secrets.fingerprint });
    const clusterSecret = await registry.sharedSecret(config.CLUSTER_SECRET);
    const cluster = new ClusterClient(nodeId, clusterSecret);
    // Analysis on the platform's inference nodes when it has any, else here (an inference node: always here).
    const inferenceNodes = new InferenceNodes({ registry, cluster, local: startInference, logger });
    cleanups.push(async () => inferenceNodes.close());
    const visionDeps = {
      pool: config.NODE_ROLE === 'inference' ? startInference : () => inferenceNodes.pool(),
      alarms: services.alarms,
      inspections: services.inspections,
      timeline: services.timeline,
      store: services.store,
      frozenAfterMs: config.CAMERA_FROZEN_SECONDS * 1000,
      plateMatchDistance: config.PLATE_MATCH_DISTANCE,
      plateFormats: services.plateFormats,
      logger,
    };
    // Camera ingests outlive sessions (supervision) and are shared by them: stopped after the sessions.
    const feeds = new CameraFeeds({ pool, network, cameraOfflineMs: config.CAMERA_OFFLINE_SECONDS * 1000, logger });
    cleanups.push(() => feeds.closeAll());
    const live = new LiveSessions({
      pool,
      network,
      feeds,
      zones: services.zones,
      inspections: services.inspections,
      timeline: services.timeline,
      alarms: services.alarms,
      cameras: services.admin,
      vision: visionDeps,
      dataDir: config.dataDir,
      store: services.store,
      segmentSeconds: config.RECORDING_SEGMENT_SECONDS,
      cameraOfflineMs: config.CAMERA_OFFLINE_SECONDS * 1000,
      finalise: finaliser.enqueue,
      push: { toSession: sockets.toSession, toOfficers: sockets.toOfficers, toSessionHere: sockets.toSessionHere },
      cluster,
      registry,
      nodeId,
      logger,
    });
    // Recordings must be closed before the finaliser and Redis go away.
    cleanups.push(() => live.closeAll());
    services.events.on('booking.changed', async ({ booking, action }) => {
      if (action !== 'complete' || !booking.sessionId) return;
      // Its media may live on another node, and other nodes may hold edges of it.
      sockets.toOtherNodes('session:ended', booking.sessionId);
      await live.close(booking.sessionId);
      // Without recordings to finalise, nothing else would seal it.
      await services.archive.sealIfComplete(booking.sessionId);
    });
    // Supervised farm cameras are live from now on, session or not (in the background: a camera's probe
    // may take seconds, and the platform answers meanwhile).
    const supervision = new Supervision({
      feeds,
      pool,
      network,
      wallChanged: () => sockets.toWall('wall:changed'),
      vision: visionDeps,
      toPort:
        (portId) =>
        (event, ...payload) =>
          sockets.toPort(portId, event, ...payload),
      footage: services.footage,
      dataDir: config.dataDir,
      segmentSeconds: config.RECORDING_SEGMENT_SECONDS,
      cameras: services.admin,
      zones: services.zones,
      alarms: services.alarms,
      events: services.events,
      cameraOfflineMs: config.CAMERA_OFFLINE_SECONDS * 1000,
      registry,
      cluster,
      tellOtherNodes: { contextChanged: (siteId) => sockets.toOtherNodes('farm:context', siteId) },
      logger,
    });
    sockets.onOtherNodes('farm:context', (siteId) => supervision.forgetContext(siteId));
    // A camera changed on whichever node administration reached: the node holding it applies the change.
    services.events.on('camera.changed', ({ cameraId }) => sockets.toOtherNodes('camera:changed', cameraId));
    sockets.onOtherNodes('camera:changed', (cameraId) => void supervision.changed(cameraId));
    const supervisionStarted = supervision.start().catch((err) => logger.error({ err }, 'cannot start farm supervision'));
    // Ctrl-C reaches mediasoup's workers too: the wall they leave is not rebuilt while the platform stops.
    stopBegins.push(() => supervision.stopping());
    cleanups.push(async () => {
      await supervisionStarted;
      await supervision.stop();
    });
    const iceServers = config.TURN_URLS.length ? [{ urls: config.TURN_URLS, username: config.TURN_USERNAME, credential: config.TURN_CREDENTIAL }] : [];
    registerInspectionSignalling(sockets, { inspections: services.inspections, live, supervision, visibleSites: (p) => services.admin.listVisibleSites(p), iceServers, logger });
    // Loading records count and take stills on the supervised cameras; reads and alarms at their farms go on them.
    const loadingRecords = new LoadingRecordService({
      db: database.db,
      store: services.store,
      archive: services.loadingArchive,
      events: services.events,
      live: supervision,
      clock: options.clock,
      plateMatchDistance: config.PLATE_MATCH_DISTANCE,
    });
    cleanups.push(async () => loadingRecords.stop());
    const settleRecord = (what: string) => (err: unknown) => logger.warn({ err }, `loading record: cannot ${what}`);
    services.events.on('farm.read', (read) => loadingRecords.recordRead(read).catch(settleRecord('record a read')));
    services.events.on('alarm.changed', ({ change, alarm }) => {
      if (change === 'raised') return loadingRecords.linkAlarm(alarm).catch(settleRecord('link an alarm'));
    });
    void services.loadingArchive.sealPending().catch(settleRecord('seal the records left unsealed'));
    // This node's disk: past the mark, the oldest footage goes (sealed evidence never), and the admins are told.
    const storage = new StorageGuard({
      db: database.db,
      // With a bucket, footage leaves this disk as each segment closes: nothing of it here to delete.
      footage: services.store.kind === 'local' ? services.footage : null,
      disk: diskUsageOf(config.dataDir),
      maxUsedPercent: config.STORAGE_MAX_USED_PERCENT,
      notify: (userIds, notification) => sockets.toUsers(userIds, 'notification', notification),
      logger,
      clock: options.clock,
    });
    storage.start();
    cleanups.push(async () => storage.stop());
    const loadingBatches = new LoadingBatchService({ db: database.db, inspections: services.inspections, alarms: services.alarms, timeline: services.timeline, counting: live, clock: options.clock });
    // The officers correct what the analysis saw last on a camera (a session's, or supervision's).
    const heldFrames = new HeldFrameStore<HeldFrame>(redisUrl, config.REDIS_PREFIX, HELD_FRAME_LIMITS);
    cleanups.push(() => heldFrames.close());
    const corrections = new FrameCorrectionService({
      db: database.db,
      inspections: services.inspections,
      samples: services.samples,
      held: heldFrames,
      frames: { latestFrame: (sessionId, cameraId, task) => (sessionId ? live.latestFrame(sessionId, cameraId, task) : supervision.latestFrame(cameraId, task)) },
    });

    const app = createApp({
      loadingBatches,
      corrections,
      loadingRecords,
      supervision,
      storage,
      nodes: registry,
      exports,
      services,
      logger,
      metrics,
      cookieSecure: config.COOKIE_SECURE,
      allowedOrigins: config.ALLOWED_ORIGINS,
      readiness: { database: () => database.ping(), redis: () => pingRedis(redisUrl), storage: async () => void (await store.list('readyz')) },
      webDist: config.WEB_DIST ? path.resolve(config.WEB_DIST) : path.join(repoRoot, 'web', 'dist'),
      maintenance: maintenanceToken ? { token: maintenanceToken, context: { services, database, dataDir: config.dataDir, databaseUrl: config.DATABASE_URL } } : undefined,
    });
    // The other nodes' calls go to their own small app (no cookie, no browser); everything else to the platform's.
    const internal = internalApi({
      registry,
      secret: clusterSecret,
      handlers: (roomId) => (roomId === WALL ? supervision.wallHandlers : live.handlers),
      // Frames other nodes send for analysis (to an inference node, though any node answers).
      infer: async (task, jpeg) => {
        const image = await readImageFile(jpeg);
        const workers = await startInference();
        const started = Date.now();
        const result = await workers.run(task, image);
        return { result, inferMs: Date.now() - started };
      },
      logger,
    });
    server.on('request', (req, res) => (req.url?.startsWith(INTERNAL_PREFIX) ? internal(req, res) : app(req, res)));
    sockets.onOtherNodes('session:ended', (sessionId) => void live.close(sessionId).catch((err: unknown) => logger.warn({ err, sessionId }, 'cannot close an ended session')));

    const retention = await startRetentionSchedule({
      connection,
      prefix: config.REDIS_PREFIX,
      retention: services.retention,
      footage: { service: services.footage, keepDays: config.CAMERA_FOOTAGE_DAYS },
      samples: { service: services.samples, keepDays: config.VISION_SAMPLE_DAYS },
      logger,
      metrics,
    });
    cleanups.push(() => retention.close());

    const reminders = startBookingReminders({
      connection,
      prefix: config.REDIS_PREFIX,
      events: services.events,
      minutesBefore: config.REMINDER_MINUTES_BEFORE,
      bookings: services.bookings,
      notify: sockets.toUsers,
      logger,
      metrics,
      clock: options.clock,
    });
    cleanups.push(() => reminders.close());
    const planned = { connection, prefix: config.REDIS_PREFIX, events: services.events, logger, metrics, clock: options.clock };
    const formReminders = await startFormReminders({ ...planned, forms: services.forms });
    cleanups.push(() => formReminders.close());
    const deadlineReminders = await startDeadlineReminders({ ...planned, deadlines: services.deadlines });
    cleanups.push(() => deadlineReminders.close());
    const deliveries = startDeliveries({
      ...planned,
      db: database.db,
      secrets: services.secrets,
      email: outside.email,
      gateways: outside.gateways,
      baseUrl: config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`,
      ratePerMinute: config.DELIVERY_RATE_PER_MINUTE,
      pauseAfterFailures: config.WEBHOOK_PAUSE_AFTER,
      retryBaseMs: config.DELIVERY_RETRY_SECONDS * 1000,
    });
    cleanups.push(() => deliveries.close());
    if (outside.available().length === 0) logger.info('notifications: in-app only (set SMTP_URL for email, SMS_GATEWAY_URL / IM_GATEWAY_URL for SMS and IM)');
    else logger.info({ channels: outside.available() }, 'notifications: in-app and outside channels');

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          // No new connections first; then the open ones go (WebSockets included, which the HTTP server
          // would otherwise wait for): their clients reconnect to another node.
          server.close(() => resolve());
          server.closeAllConnections();
          sockets.dropConnections();
        }),
    );
    // Stopping, running imports end first (at their next line, marked interrupted), before what they write to.
    cleanups.push(() => services.formImports.stop());
    // What the last run left unfinished (killed mid-session): recordings closed and finalised, sessions sealed.
    const recovery = {
      dataDir: config.dataDir,
      store: services.store,
      inspections: services.inspections,
      archive: services.archive,
      finalise: finaliser.enqueue,
      nodeId,
      runStartedAt,
      timeline: services.timeline,
      liveNodes: async () => new Set((await registry.liveNodes()).map((n) => n.id)),
      abandonedAfterMs: Math.max(ABANDONED_AFTER_MS, 2 * config.RECORDING_SEGMENT_SECONDS * 1000),
      logger,
    };
    // A session that ended with recordings open on a node that is gone: nothing more comes to them, they close
    // now (or once a node that died a moment ago is known dead).
    const stopping = new AbortController();
    cleanups.push(async () => stopping.abort());
    services.events.on('booking.changed', async ({ booking, action }) => {
      if (action !== 'complete' || !booking.sessionId) return;
      await closeRecordingsOfEndedSession(recovery, booking.sessionId, NODE_TTL_MS + 2 * HEARTBEAT_MS, stopping.signal).catch((err: unknown) => {
        if (!stopping.signal.aborted) logger.warn({ err, sessionId: booking.sessionId }, 'cannot close the recordings of an ended session');
      });
    });
    // Another node's recordings left open when it died (and did not come back) are closed by whichever node sweeps first.
    const sweep = setInterval(() => void sweepAbandonedRecordings(recovery).catch((err: unknown) => logger.warn({ err }, 'cannot sweep abandoned recordings')), ABANDONED_AFTER_MS / 2);
    sweep.unref();
    cleanups.push(async () => clearInterval(sweep));
    // Copies fetched from the store that a killed run was still using (in use now they are not: they are hours old).
    const staleCopies = removeStaleCopies(config.dataDir);
    if (staleCopies > 0) logger.warn({ folders: staleCopies }, 'removed copies of stored files a stopped run left behind');
    const recovered = recoverUnfinishedWork(recovery).catch((err: unknown) => {
      logger.error({ err }, 'start-up recovery failed');
      return null;
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    const url = `http://${config.HOST}:${port}`;
    // Registered once it listens: placement may send sessions here from now on.
    await registry.start(config.NODE_URL ?? url);
    // An inference node's workers are ready before the first frame comes.
    if (config.NODE_ROLE === 'inference') void startInference().catch((err: unknown) => logger.error({ err }, 'cannot start the inference workers'));
    // Stopping starts here: no new session comes to this node, and those it holds move to another (or get DRAIN_SECONDS).
    cleanups.push(() => live.drain(config.DRAIN_SECONDS * 1000));
    if (maintenanceToken) {
      writeControlFile(config.dataDir, url, maintenanceToken);
      cleanups.push(async () => removeControlFile(config.dataDir));
    }
    const inferencePids = async () => {
      const running = inferencePool ? await inferencePool.catch(() => null) : null;
      return (running?.pids() ?? []).filter((pid): pid is number => pid !== undefined);
    };
    return {
      url,
      dataDir: config.dataDir,
      media: { pool, live, feeds, supervision },
      node: registry,
      services,
      database,
      redisUrl,
      logger,
      recovered,
      inferencePids,
      inferenceJobs: async () => (inferencePool ? ((await inferencePool.catch(() => null))?.stats.jobs ?? 0) : 0),
      sweepDeliveries: deliveries.sweep,
      sweepRecordings: (now) => sweepAbandonedRecordings(recovery, now),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
