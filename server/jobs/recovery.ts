/**
 * Start-up recovery after the platform stopped without closing its work (killed, crashed, power lost).
 * Recordings it left `recording` keep every segment on disk: the one ffmpeg was writing is repaired and
 * hashed like any other, then the recording is finalised. Recordings left `finalising` are queued again
 * (their job may have been lost with Redis). Closed sessions whose recordings are all final are sealed.
 * With several nodes it leaves the recordings of live nodes alone (each recording names its node); those
 * of a node that died while others run on are closed by `sweepAbandonedRecordings`, which every node runs
 * from time to time.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { unannouncedSegments } from '../../media/index.ts';
import type { Logger } from '../logger.ts';
import type { ArchiveService } from '../services/archive.service.ts';
import type { InspectionService } from '../services/inspections.service.ts';
import type { TimelineService } from '../services/timeline.service.ts';
import { recordingFolder } from '../archive/evidence-paths.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import { storeSegment, type SegmentStoreDeps } from '../live/recording-segments.ts';

interface RecoveryDeps {
  dataDir: string;
  /** Where salvaged segments go, as the recorder would have put them. */
  store: EvidenceStore;
  inspections: InspectionService;
  archive: ArchiveService;
  finalise: (recordingId: string) => Promise<void>;
  /** This node's name, and the platform's live nodes now (a recording of a live node is its own to close). */
  nodeId: string;
  /** When this run started: a recording under this node's name begun before it is the last run's. */
  runStartedAt: Date;
  /** Where the gap the last run left in a session under way is noted. */
  timeline: Pick<TimelineService, 'append'>;
  /** How long a dead node's recording must have been silent before it is closed (well over a segment). */
  abandonedAfterMs: number;
  liveNodes: () => Promise<Set<string>>;
  logger: Logger;
}

/** A recording of a node that is gone, silent this long (and two segments' length), was left by the node when it died. */
export const ABANDONED_AFTER_MS = 60_000;

export async function recoverUnfinishedWork(deps: RecoveryDeps): Promise<{ recordings: number; salvagedSegments: number; sealed: number }> {
  const { inspections, logger } = deps;
  let salvagedSegments = 0;
  // This node's own (under its lasting name, or from before nodes were named) are the last run's, and so
  // are those of a node no longer registered (the last run under a name chosen at start, PORT=0); a live
  // node's are its own work.
  // (A recording under this node's name begun since this run started is this run's: a participant rejoined fast.)
  const live = await deps.liveNodes();
  const lastRuns = (r: { nodeId: string | null; startedAt: Date }) => !r.nodeId || (r.nodeId === deps.nodeId && r.startedAt < deps.runStartedAt);
  const unfinished = (await inspections.unfinishedRecordings()).filter((r) => lastRuns(r) || (r.nodeId !== deps.nodeId && !live.has(r.nodeId!)));
  // Sessions under way whose media stopped with the last run: when it was last recorded, and where.
  const interrupted = new Map<string, { fromNode: string; restarted: boolean; lastActive: number }>();
  for (const recording of unfinished) {
    if (recording.status === 'recording') {
      // Another node sweeping at the same moment closes it instead (once).
      if (!(await inspections.recordingStopped(recording.id, { onlyIfRecording: true }))) continue;
      salvagedSegments += await salvageUnhashedSegments(deps, recording);
      // Up to the end of what was salvaged (the segment being written at the kill).
      const lastActive = await lastRecorded(deps, recording);
      const known = interrupted.get(recording.sessionId);
      if (!known || lastActive > known.lastActive) interrupted.set(recording.sessionId, { fromNode: recording.nodeId ?? deps.nodeId, restarted: lastRuns(recording), lastActive });
    }
    await deps.finalise(recording.id);
  }
  await noteInterruptions(deps, interrupted);
  let sealed = 0;
  for (const sessionId of await deps.archive.closedUnsealedSessions()) {
    if (await deps.archive.sealIfComplete(sessionId)) sealed += 1;
  }
  if (unfinished.length > 0 || sealed > 0) {
    logger.warn({ recordings: unfinished.length, salvagedSegments, sealed }, 'recovered work left unfinished by the last run');
  }
  return { recordings: unfinished.length, salvagedSegments, sealed };
}

/**
 * Recordings still `recording` whose node is gone and that have had no segment for `abandonedAfterMs` (the
 * node died and did not come back): closed with every segment kept, and finalised, so the session can be
 * sealed. Run by every node from time to time; a recording is closed once. `endedSessionId`: that
 * session has ended, so its recordings on gone nodes are closed now, without waiting for them to fall silent.
 * A gone node's recordings it was finalising are queued for finalising again.
 */
export async function sweepAbandonedRecordings(deps: RecoveryDeps, now = Date.now(), endedSessionId?: string): Promise<number> {
  const live = await deps.liveNodes();
  live.add(deps.nodeId);
  const ofGoneNodes = (await deps.inspections.unfinishedRecordings()).filter((r) => r.nodeId && !live.has(r.nodeId) && (!endedSessionId || r.sessionId === endedSessionId));
  // Those a gone node had begun finalising: killed before it queued the job, or with it running, its job may
  // be gone. Queued again (a job waiting or running under that id is left as it is; one the dead node was
  // running is taken over once BullMQ finds it stalled).
  for (const recording of ofGoneNodes.filter((r) => r.status === 'finalising').slice(0, 100)) await deps.finalise(recording.id);
  const open = ofGoneNodes.filter((r) => r.status === 'recording').slice(0, 100);
  let closed = 0;
  for (const recording of open) {
    const lastActive = await lastRecorded(deps, recording);
    if (!endedSessionId && now - lastActive < deps.abandonedAfterMs) continue;
    // Only the node that moves it out of `recording` goes on: two nodes sweeping at once close it once.
    if (!(await deps.inspections.recordingStopped(recording.id, { onlyIfRecording: true }))) continue;
    await salvageUnhashedSegments(deps, recording);
    await deps.finalise(recording.id);
    closed += 1;
  }
  if (closed > 0) deps.logger.warn({ recordings: closed, sessionId: endedSessionId }, 'closed recordings left open by a node that stopped without closing them');
  return closed;
}

/**
 * A session ended: its recordings on nodes that are gone are closed now, not once they fall silent. A node
 * killed a moment before still looks alive (registered until its beat is a node's TTL old) and a live node
 * closes its own when it hears of the end, so what is still open (or being finalised by another node) is
 * looked at once more `recheckAfterMs` later, when a dead node is known dead. How many were closed.
 */
export async function closeRecordingsOfEndedSession(deps: RecoveryDeps, sessionId: string, recheckAfterMs: number, signal?: AbortSignal): Promise<number> {
  const closed = await sweepAbandonedRecordings(deps, Date.now(), sessionId);
  const stillOpen = async () => (await deps.inspections.unfinishedRecordings()).some((r) => r.sessionId === sessionId && (r.status === 'recording' || r.nodeId !== deps.nodeId));
  if (!(await stillOpen())) return closed;
  await sleep(recheckAfterMs, undefined, { signal, ref: false });
  return closed + (await sweepAbandonedRecordings(deps, Date.now(), sessionId));
}

/** When a recording last recorded something: the end of its last stored segment, or its start. */
async function lastRecorded(deps: Pick<RecoveryDeps, 'inspections'>, recording: { id: string; startedAt: Date }): Promise<number> {
  const last = (await deps.inspections.segmentsOf(recording.id)).at(-1);
  return last ? last.startedAt.getTime() + last.durationMs : recording.startedAt.getTime();
}

/**
 * On the timeline of each session still under way whose media stopped with the last run: the gap in what
 * was seen and recorded, from the last thing recorded until now (the session's participants join again).
 */
async function noteInterruptions(deps: RecoveryDeps, interrupted: Map<string, { fromNode: string; restarted: boolean; lastActive: number }>): Promise<void> {
  const ended = new Set(await deps.inspections.closedAmong([...interrupted.keys()]));
  for (const [sessionId, { fromNode, restarted, lastActive }] of interrupted) {
    if (ended.has(sessionId)) continue;
    const payload = { kind: 'media_moved' as const, fromNode, reason: restarted ? ('node_restarted' as const) : ('node_lost' as const), silentMs: Math.max(0, Date.now() - lastActive) };
    await deps.timeline.append({ sessionId, kind: 'note', actorId: null, payload }).catch((err: unknown) => deps.logger.warn({ err, sessionId }, 'cannot note the gap the last run left'));
  }
}

/** Segment files on disk after the last hashed one: ffmpeg wrote them but the process died before hashing. */
async function salvageUnhashedSegments(deps: SegmentStoreDeps & { inspections: InspectionService }, recording: { id: string; sessionId: string; startedAt: Date }): Promise<number> {
  const dir = path.join(deps.dataDir, recordingFolder(recording.sessionId, recording.id));
  const known = await deps.inspections.segmentsOf(recording.id);
  const last = known.at(-1);
  let salvaged = 0;
  for await (const segment of unannouncedSegments(dir, last ? last.seq + 1 : 0, last ? last.startedAt.getTime() + last.durationMs : recording.startedAt.getTime())) {
    await storeSegment(deps, recording.id, segment);
    salvaged += 1;
  }
  return salvaged;
}
