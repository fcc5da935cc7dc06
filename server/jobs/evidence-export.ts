/**
 * Builds evidence packages in the background (BullMQ). The requester sees progress live over socket.io
 * (`export:progress`) and downloads the zip when it is done; nobody else can.
 */
import type { EvidenceStore } from '../infra/evidence-store.ts';
import path from 'node:path';
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { buildEvidencePackage, EvidenceChangedError } from '../archive/evidence-package.ts';
import type { SummaryLocale } from '../archive/summary-i18n.ts';
import { AppError, notFound } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { SocketServer } from '../realtime/socket-server.ts';
import type { ExportStatus } from '../contracts/records.ts';
import type { Metrics } from '../metrics.ts';
import type { Principal } from '../services/access.ts';
import type { ArchiveService } from '../services/archive.service.ts';
import type { EvidencePackageService } from '../services/evidence-packages.service.ts';

export const EVIDENCE_EXPORT_QUEUE = 'evidence-export';

interface ExportData {
  sessionId: string;
  principal: Principal;
  locale: SummaryLocale;
}

interface ExportResult {
  file: string;
  sizeBytes: number;
  sha256: string;
}

export type { ExportStatus };

export interface EvidenceExports {
  request(p: Principal, sessionId: string, locale: SummaryLocale): Promise<ExportStatus>;
  status(p: Principal, exportId: string): Promise<ExportStatus>;
  /** The finished package's path, for the requester only. */
  file(p: Principal, exportId: string): Promise<string>;
  close(): Promise<void>;
}

export function startEvidenceExports(deps: {
  connection: ConnectionOptions;
  prefix: string;
  dataDir: string;
  store: EvidenceStore;
  archive: Pick<ArchiveService, 'assertMayRead'>;
  packages: EvidencePackageService;
  notify: SocketServer['toUsers'];
  logger: Logger;
  metrics: Metrics;
}): EvidenceExports {
  const queue = new Queue<ExportData, ExportResult>(EVIDENCE_EXPORT_QUEUE, {
    connection: deps.connection,
    prefix: deps.prefix,
    defaultJobOptions: { attempts: 2, removeOnComplete: { age: 7 * 86_400 }, removeOnFail: { age: 7 * 86_400 } },
  });
  const worker = new Worker<ExportData, ExportResult>(
    EVIDENCE_EXPORT_QUEUE,
    async (job) => {
      const { sessionId, principal, locale } = job.data;
      const contents = await deps.packages.packageContents(principal, sessionId, locale);
      const relative = path.join('exports', `${sessionId}-${job.id}.zip`);
      const result = await buildEvidencePackage({
        ...contents,
        open: (relative) => deps.store.open(relative),
        sizeOf: (relative) => deps.store.size(relative),
        outFile: path.join(deps.dataDir, relative),
        onProgress: (fraction) => {
          void job.updateProgress(Math.round(fraction * 100));
          deps.notify([principal.userId], 'export:progress', { exportId: job.id!, sessionId, progress: Math.round(fraction * 100) });
        },
      }).catch((err: unknown) => {
        // Changed evidence will not change back by retrying: the package fails once, visibly.
        throw err instanceof EvidenceChangedError ? new UnrecoverableError(err.message) : err;
      });
      // Into the evidence store: the download may reach any node (S3: uploaded; local: where it lies).
      await deps.store.keep(relative);
      await deps.packages.tellReady(principal.userId, sessionId);
      return { file: relative, ...result };
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1 },
  );
  worker.on('completed', (job) => {
    deps.metrics.jobsProcessed.inc({ queue: EVIDENCE_EXPORT_QUEUE, outcome: 'completed' });
    deps.notify([job.data.principal.userId], 'export:done', { exportId: job.id!, sessionId: job.data.sessionId });
  });
  worker.on('failed', (job, err) => {
    deps.metrics.jobsProcessed.inc({ queue: EVIDENCE_EXPORT_QUEUE, outcome: 'failed' });
    deps.logger.warn({ err, exportId: job?.id }, 'evidence export failed');
    if (job) deps.notify([job.data.principal.userId], 'export:failed', { exportId: job.id!, sessionId: job.data.sessionId, error: err.message });
  });

  const owned = async (p: Principal, exportId: string): Promise<Job<ExportData, ExportResult>> => {
    const job = await queue.getJob(exportId);
    // Another user's export is reported as missing; so is one of a session the user may no longer read
    // (a broker whose delegation was revoked keeps no package of that enterprise).
    if (!job || job.data.principal.userId !== p.userId) throw notFound('Export');
    await deps.archive.assertMayRead(p, job.data.sessionId).catch(() => {
      throw notFound('Export');
    });
    return job;
  };
  const statusOf = async (job: Job<ExportData, ExportResult>): Promise<ExportStatus> => ({
    exportId: job.id!,
    sessionId: job.data.sessionId,
    state: await job.getState(),
    progress: typeof job.progress === 'number' ? job.progress : 0,
    sizeBytes: job.returnvalue?.sizeBytes ?? null,
    sha256: job.returnvalue?.sha256 ?? null,
    error: job.failedReason ?? null,
  });

  return {
    async request(p, sessionId, locale) {
      // Checks access and that the session is sealed before anything is queued.
      await deps.packages.packageContents(p, sessionId, locale);
      const job = await queue.add('export', { sessionId, principal: p, locale });
      return statusOf(job);
    },
    async status(p, exportId) {
      return statusOf(await owned(p, exportId));
    },
    async file(p, exportId) {
      const job = await owned(p, exportId);
      if ((await job.getState()) !== 'completed' || !job.returnvalue) throw new AppError('conflict', 'The package is not ready yet', { reason: 'package_not_ready' });
      return job.returnvalue.file;
    },
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
