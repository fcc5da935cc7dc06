/** The daily retention pass (03:00 server time), as a BullMQ job scheduler: one run a day across all nodes. */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { CameraFootageService } from '../services/camera-footage.service.ts';
import type { RetentionService } from '../services/retention.service.ts';
import type { VisionSampleService } from '../services/vision-samples.service.ts';

export const RETENTION_QUEUE = 'retention';

export async function startRetentionSchedule(deps: {
  connection: ConnectionOptions;
  prefix: string;
  retention: RetentionService;
  /** Supervised cameras' footage, kept `keepDays`. */
  footage: { service: CameraFootageService; keepDays: number };
  /** Farms' labelled samples, kept `keepDays` (a session's go with its recording). */
  samples: { service: VisionSampleService; keepDays: number };
  logger: Logger;
  metrics: Metrics;
}) {
  const queue = new Queue(RETENTION_QUEUE, { connection: deps.connection, prefix: deps.prefix });
  await queue.upsertJobScheduler('retention-daily', { pattern: '0 3 * * *' }, { name: 'retention', opts: { removeOnComplete: 100, removeOnFail: 100 } });
  const worker = new Worker(
    RETENTION_QUEUE,
    async () => {
      const run = await deps.retention.run();
      const footage = await deps.footage.service.expire(deps.footage.keepDays);
      const samples = await deps.samples.service.expireFarmSamples(deps.samples.keepDays);
      deps.logger.info({ deleted: run.deleted.length, keptOnHold: run.keptOnHold, footageSegments: footage.segments, footageBytes: footage.bytes, farmSamples: samples }, 'retention pass');
      return { ...run, footage, farmSamples: samples };
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1 },
  );
  worker.on('completed', () => deps.metrics.jobsProcessed.inc({ queue: RETENTION_QUEUE, outcome: 'completed' }));
  worker.on('failed', (_job, err) => {
    deps.metrics.jobsProcessed.inc({ queue: RETENTION_QUEUE, outcome: 'failed' });
    deps.logger.error({ err }, 'retention pass failed');
  });
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
