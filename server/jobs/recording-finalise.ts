/**
 * Finalises a stopped recording: its segments become one playable file with a poster, hashed, and the
 * recording row is marked ready. Runs on any node: segments another node recorded come from the evidence
 * store (S3), where they were put as they closed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { finaliseSegments } from '../../media/index.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { InspectionService } from '../services/inspections.service.ts';
import type { ArchiveService } from '../services/archive.service.ts';
import { filesHere, type EvidenceStore } from '../infra/evidence-store.ts';

export const RECORDING_FINALISE_QUEUE = 'recording-finalise';

interface FinaliseDeps {
  dataDir: string;
  store: EvidenceStore;
  inspections: InspectionService;
  archive: ArchiveService;
}

/** The last recording of a closed session to be finalised seals the session. */
async function sealIfLast(deps: FinaliseDeps, recordingId: string) {
  const sessionId = await deps.inspections.sessionOfRecording(recordingId);
  if (sessionId) await deps.archive.sealIfComplete(sessionId);
}

/**
 * Joins a stopped recording's segments into one file with a poster, puts both in the evidence store
 * and marks the recording ready (or failed without segments); seals the session if it was the last.
 */
export async function finaliseRecording(deps: FinaliseDeps, recordingId: string, progress: (percent: number) => Promise<void> = async () => {}) {
  // Queued again by a sweep just as an earlier job finished it: what is final (and maybe sealed) stays as it is.
  const status = await deps.inspections.recordingStatus(recordingId);
  if (status === 'ready' || status === 'failed') return { recordingId, status, reason: 'already final' };
  const segments = await deps.inspections.segmentsOf(recordingId);
  if (segments.length === 0) {
    await deps.inspections.recordingFailed(recordingId);
    await sealIfLast(deps, recordingId);
    return { recordingId, status: 'failed' as const, reason: 'no segments were recorded' };
  }
  const dir = path.dirname(path.join(deps.dataDir, segments[0]!.path));
  // Segments another node recorded come from the store; one in neither place was lost with its node, and the rest are joined without it.
  const here = await filesHere(
    deps.store,
    deps.dataDir,
    segments.map((s) => s.path),
  );
  await progress(10);
  let result: Awaited<ReturnType<typeof finaliseSegments>>;
  try {
    fs.mkdirSync(dir, { recursive: true });
    result = await finaliseSegments(here.files, path.join(dir, 'recording'));
  } finally {
    here.release();
  }
  await progress(80);
  const stored = { path: path.relative(deps.dataDir, result.path), posterPath: result.posterPath ? path.relative(deps.dataDir, result.posterPath) : null };
  await deps.store.keep(stored.path);
  if (stored.posterPath) await deps.store.keep(stored.posterPath);
  await deps.inspections.recordingFinalised(recordingId, { ...stored, durationMs: result.durationMs, sizeBytes: result.sizeBytes, sha256: result.sha256 });
  await sealIfLast(deps, recordingId);
  return { recordingId, status: 'ready' as const, durationMs: result.durationMs };
}

export function startRecordingFinaliser(
  deps: FinaliseDeps & {
    connection: ConnectionOptions;
    prefix: string;
    logger: Logger;
    metrics: Metrics;
  },
) {
  const queue = new Queue<{ recordingId: string }>(RECORDING_FINALISE_QUEUE, {
    connection: deps.connection,
    prefix: deps.prefix,
    defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 1000 },
  });
  const worker = new Worker<{ recordingId: string }>(
    RECORDING_FINALISE_QUEUE,
    (job) => finaliseRecording(deps, job.data.recordingId, (percent) => job.updateProgress(percent)),
    // ffmpeg does the work; two at a time keeps a 2-core machine responsive.
    { connection: deps.connection, prefix: deps.prefix, concurrency: 2 },
  );
  worker.on('completed', () => deps.metrics.jobsProcessed.inc({ queue: RECORDING_FINALISE_QUEUE, outcome: 'completed' }));
  worker.on('failed', (job, err) => {
    deps.metrics.jobsProcessed.inc({ queue: RECORDING_FINALISE_QUEUE, outcome: 'failed' });
    deps.logger.error({ err, recordingId: job?.data.recordingId }, 'recording finalisation failed');
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      void deps.inspections
        .recordingFailed(job.data.recordingId)
        .then(() => sealIfLast(deps, job.data.recordingId))
        .catch((e) => deps.logger.error({ err: e }, 'cannot mark recording failed'));
    }
  });
  return {
    queue,
    enqueue: async (recordingId: string) => {
      const jobId = `finalise-${recordingId}`;
      // Queued again after a restart: a finished job of the same id would make add() a no-op.
      const previous = await queue.getJob(jobId);
      if (previous && ((await previous.isCompleted()) || (await previous.isFailed()))) await previous.remove();
      await queue.add('finalise', { recordingId }, { jobId });
    },
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
