/**
 * A session recording's segments as they close: each one's file goes into the evidence store, then its row
 * (hash, times) into the database (with S3, uploaded at once: a node that dies leaves what it recorded
 * where any node can finalise it). One after the other, in order; a segment whose upload failed is tried
 * again when the recording stops.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RecordedSegment } from '../../media/index.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import type { InspectionService } from '../services/inspections.service.ts';
import type { Logger } from '../logger.ts';

export interface SegmentStoreDeps {
  inspections: Pick<InspectionService, 'addSegment'>;
  store: EvidenceStore;
  dataDir: string;
  logger: Logger;
}

/**
 * Stores one segment: its file, then its row, so that no row names a file the store lacks (a node killed
 * between the two leaves a file no row names, which finalisation and verification pass by). Idempotent: a
 * file uploaded by an earlier try is not uploaded again, and the row is not added twice.
 */
export async function storeSegment(deps: Omit<SegmentStoreDeps, 'logger'>, recordingId: string, segment: RecordedSegment): Promise<void> {
  const relative = path.relative(deps.dataDir, segment.path);
  if (deps.store.kind === 'local' || fs.existsSync(segment.path)) await deps.store.keep(relative);
  await deps.inspections.addSegment(recordingId, { ...segment, path: relative });
}

export class RecordingSegments {
  private chain: Promise<void> = Promise.resolve();
  private readonly stored = new Set<number>();

  constructor(
    private readonly recordingId: string,
    private readonly deps: SegmentStoreDeps,
  ) {}

  /** Queues the segment behind those before it; resolves once it is stored (or failed, logged). */
  add(segment: RecordedSegment): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.stored.has(segment.seq)) return;
      try {
        await storeSegment(this.deps, this.recordingId, segment);
        this.stored.add(segment.seq);
      } catch (err) {
        this.deps.logger.error({ err, recordingId: this.recordingId, seq: segment.seq }, 'cannot store a recording segment');
      }
    });
    return this.chain;
  }

  /** After the recorder stopped: every segment it made is stored, those that failed before tried again. */
  async finish(segments: readonly RecordedSegment[]): Promise<void> {
    for (const segment of segments) await this.add(segment);
  }
}
