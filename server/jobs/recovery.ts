/**
 * Start-up recovery after the platform stopped without closing its work (killed, crashed, power lost).
 * Recordings it left `recording` keep every segment on disk: the one ffmpeg was writing is repaired and
 * hashed like any other, then the recording is finalised. Recordings left `finalising` are queued again
 * (their job may have been lost with Redis). Closed sessions whose recordings are all final are sealed.
 * One node owns every live session today; with several nodes this must only take the dead node's work.
 */
import path from 'node:path';
import { unannouncedSegments } from '../../media/index.ts';
import type { Logger } from '../logger.ts';
import type { ArchiveService } from '../services/archive.service.ts';
import type { InspectionService } from '../services/inspections.service.ts';
import { recordingFolder } from '../archive/evidence-paths.ts';

export async function recoverUnfinishedWork(deps: {
  dataDir: string;
  inspections: InspectionService;
  archive: ArchiveService;
  finalise: (recordingId: string) => Promise<void>;
  logger: Logger;
}): Promise<{ recordings: number; salvagedSegments: number; sealed: number }> {
  const { inspections, logger } = deps;
  let salvagedSegments = 0;
  const unfinished = await inspections.unfinishedRecordings();
  for (const recording of unfinished) {
    if (recording.status === 'recording') {
      salvagedSegments += await salvageUnhashedSegments(deps, recording);
      await inspections.recordingStopped(recording.id);
    }
    await deps.finalise(recording.id);
  }
  let sealed = 0;
  for (const sessionId of await deps.archive.closedUnsealedSessions()) {
    if (await deps.archive.sealIfComplete(sessionId)) sealed += 1;
  }
  if (unfinished.length > 0 || sealed > 0) {
    logger.warn({ recordings: unfinished.length, salvagedSegments, sealed }, 'recovered work left unfinished by the last run');
  }
  return { recordings: unfinished.length, salvagedSegments, sealed };
}

/** Segment files on disk after the last hashed one: ffmpeg wrote them but the process died before hashing. */
async function salvageUnhashedSegments(deps: { dataDir: string; inspections: InspectionService }, recording: { id: string; sessionId: string; startedAt: Date }): Promise<number> {
  const dir = path.join(deps.dataDir, recordingFolder(recording.sessionId, recording.id));
  const known = await deps.inspections.segmentsOf(recording.id);
  const last = known.at(-1);
  let salvaged = 0;
  for await (const segment of unannouncedSegments(dir, last ? last.seq + 1 : 0, last ? last.startedAt.getTime() + last.durationMs : recording.startedAt.getTime())) {
    await deps.inspections.addSegment(recording.id, { ...segment, path: path.relative(deps.dataDir, segment.path) });
    salvaged += 1;
  }
  return salvaged;
}
