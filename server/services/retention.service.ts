/**
 * Retention: per inspection type, how long recordings are kept after their session ended. A daily job
 * deletes the files of expired recordings (final file, poster, segments) unless they are under legal
 * hold, marks them deleted (their hashes stay as proof of what existed) and audits every deletion.
 */
import type { EvidenceStore } from '../infra/evidence-store.ts';
import fs from 'node:fs';
import path from 'node:path';
import { and, eq, inArray, isNotNull, lt } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { bookings, inspectionSessions, recordings, recordingSegments, retentionPolicies, type InspectionType } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import type { VisionSampleService } from './vision-samples.service.ts';

export interface RetentionRun {
  deleted: Array<{ recordingId: string; sessionId: string; files: number }>;
  keptOnHold: number;
}

export class RetentionService {
  constructor(private readonly deps: { db: Db; dataDir: string; store: EvidenceStore; samples: VisionSampleService; clock?: () => Date }) {}

  private now() {
    return this.deps.clock?.() ?? new Date();
  }

  async policies(p: Principal) {
    requireRole(p, 'admin', 'supervisor');
    return this.deps.db.select().from(retentionPolicies);
  }

  async setPolicy(p: Principal, inspectionType: InspectionType, keepDays: number) {
    requireRole(p, 'admin');
    const now = this.now();
    await this.deps.db.transaction(async (tx) => {
      await tx
        .insert(retentionPolicies)
        .values({ inspectionType, keepDays, updatedAt: now })
        .onConflictDoUpdate({ target: retentionPolicies.inspectionType, set: { keepDays, updatedAt: now } });
      await appendAudit(tx, { actorId: p.userId, action: 'retention.policy', entityType: 'inspection_type', entityId: inspectionType, details: { keepDays } }, now);
    });
    return { inspectionType, keepDays };
  }

  /** Puts a session's recordings under legal hold (never deleted by retention) or releases them. */
  async setLegalHold(p: Principal, sessionId: string, hold: boolean, reason: string) {
    requireRole(p, 'supervisor', 'admin');
    const now = this.now();
    return this.deps.db.transaction(async (tx) => {
      const [session] = await tx.select({ id: inspectionSessions.id }).from(inspectionSessions).where(eq(inspectionSessions.id, sessionId));
      if (!session) throw notFound('Session');
      const updated = await tx.update(recordings).set({ legalHold: hold }).where(eq(recordings.sessionId, sessionId)).returning({ id: recordings.id });
      await appendAudit(
        tx,
        { actorId: p.userId, action: hold ? 'legal_hold.set' : 'legal_hold.release', entityType: 'session', entityId: sessionId, details: { reason, recordings: updated.length } },
        now,
      );
      return { sessionId, legalHold: hold, recordings: updated.length };
    });
  }

  /** One retention pass (the daily job). */
  async run(): Promise<RetentionRun> {
    const { db, dataDir, store } = this.deps;
    const now = this.now();
    const result: RetentionRun = { deleted: [], keptOnHold: 0 };
    for (const policy of await db.select().from(retentionPolicies)) {
      const expiredBefore = new Date(now.getTime() - policy.keepDays * 86_400_000);
      const expired = await db
        .select({ recording: recordings })
        .from(recordings)
        .innerJoin(inspectionSessions, eq(inspectionSessions.id, recordings.sessionId))
        .innerJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
        .where(and(eq(bookings.type, policy.inspectionType), isNotNull(inspectionSessions.endedAt), lt(inspectionSessions.endedAt, expiredBefore), inArray(recordings.status, ['ready', 'failed'])));
      for (const { recording } of expired) {
        if (recording.legalHold) {
          result.keptOnHold += 1;
          continue;
        }
        const segments = await db.select({ path: recordingSegments.path }).from(recordingSegments).where(eq(recordingSegments.recordingId, recording.id));
        const files = [recording.path, recording.posterPath, ...segments.map((s) => s.path)].filter((f): f is string => Boolean(f));
        // The officers' corrections of its vision are pictures of the session too: they go with it (first, so
        // a failure leaves the recording to the next pass rather than the samples behind for ever).
        await this.deps.samples.removeForSession(recording.sessionId);
        // The playable file, poster and segments are in the evidence store; a segment whose upload failed lies on local disk.
        for (const stored of [recording.path, recording.posterPath, ...segments.map((s) => s.path)]) if (stored) await store.remove(stored);
        for (const s of segments) fs.rmSync(path.join(dataDir, s.path), { force: true });
        await db.transaction(async (tx) => {
          await tx.update(recordings).set({ status: 'deleted' }).where(eq(recordings.id, recording.id));
          await appendAudit(
            tx,
            {
              actorId: null,
              action: 'retention.delete',
              entityType: 'recording',
              entityId: recording.id,
              details: { sessionId: recording.sessionId, keepDays: policy.keepDays, sha256: recording.sha256, files },
            },
            now,
          );
        });
        result.deleted.push({ recordingId: recording.id, sessionId: recording.sessionId, files: files.length });
      }
    }
    return result;
  }
}
