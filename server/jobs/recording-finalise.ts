/**
 * Finalises a stopped recording: its segments become one playable file with a poster, hashed, and the
 * recording row is marked ready. Runs on any node with access to the data dir.
 */
import path from 'node:path';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { finaliseSegments } from '../../media/index.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { InspectionService } from '../services/inspections.service.ts';
import type { ArchiveService } from '../services/archive.service.ts';

export const RECORDING_FINALISE_QUEUE = 'recording-finalise';

export function startRecordingFinaliser(deps: {
  connection: ConnectionOptions;
  prefix: string;
  dataDir: string;
  inspections: InspectionService;
  archive: ArchiveService;
  logger: Logger;
  metrics: Metrics;
}) {
  // The last recording of a closed session to be finalised seals the session.
  const sealIfLast = async (recordingId: string) => {
    const sessionId = await deps.inspections.sessionOfRecording(recordingId);
    if (sessionId) await deps.archive.sealIfComplete(sessionId);
  };
  const queue = new Queue<{ recordingId: string }>(RECORDING_FINALISE_QUEUE, {
    connection: deps.connection,
    prefix: deps.prefix,
    defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 1000 },
  });
  const worker = new Worker<{ recordingId: string }>(
    RECORDING_FINALISE_QUEUE,
    async (job) => {
      const { recordingId } = job.data;
      const segments = await deps.inspections.segmentsOf(recordingId);
      if (segments.length === 0) {
        await deps.inspections.recordingFailed(recordingId);
        await sealIfLast(recordingId);
        return { recordingId, status: 'failed', reason: 'no segments were recorded' };
      }
      await job.updateProgress(10);
      const dir = path.dirname(path.join(deps.dataDir, segments[0]!.path));
      const result = await finaliseSegments(segments.map((s) => path.join(deps.dataDir, s.path)), path.join(dir, 'recording'));
      await job.updateProgress(90);
      await deps.inspections.recordingFinalised(recordingId, {
        path: path.relative(deps.dataDir, result.path),
        posterPath: result.posterPath ? path.relative(deps.dataDir, result.posterPath) : null,
        durationMs: result.durationMs,
        sizeBytes: result.sizeBytes,
        sha256: result.sha256,
      });
      await sealIfLast(recordingId);
      return { recordingId, status: 'ready', durationMs: result.durationMs };
    },
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
        .then(() => sealIfLast(job.data.recordingId))
        .catch((e) => deps.logger.error({ err: e }, 'cannot mark recording failed'));
    }
  });
  return {
    queue,
    enqueue: async (recordingId: string) => {
      await queue.add('finalise', { recordingId }, { jobId: `finalise-${recordingId}` });
    },
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
