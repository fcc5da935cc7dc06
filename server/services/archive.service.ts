/**
 * Sealing and verifying a closed session's evidence. The seal is a manifest of every artefact (final
 * recordings and posters, snapshots, the timeline and the verdict exported as JSON) with sha256 and
 * size, plus the audit chain head at that moment, signed with the platform key. Verifying re-hashes
 * everything, re-exports the timeline and verdict from the database, checks both signatures and the audit
 * chain, and names each item that was changed, removed or added.
 */
import path from 'node:path';
import fs from 'node:fs';
import { aliasedTable, and, asc, count, desc, eq, gte, inArray, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/database.ts';
import {
  alarms,
  auditLog,
  bookings,
  declarations,
  enterprises,
  inspectionSessions,
  recordings,
  recordingSegments,
  sessionSeals,
  timelineEvents,
  users,
  verdicts,
  type InspectionType,
} from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { sealedExportsFolder, sessionFolder } from '../archive/evidence-paths.ts';
import { renderSummary, type SummaryLocale } from '../archive/summary-i18n.ts';
import type { SigningKey } from '../infra/signing-key.ts';
import { hashStored, type EvidenceStore } from '../infra/evidence-store.ts';
import { hashFile, sha256Hex } from '../../media/files.ts';
import { appendAudit } from './audit.service.ts';
import { checkArtefacts, checkAudit, unlistedFiles, type VerificationProblem } from '../archive/seal-check.ts';
import { canonicalJson } from './canonical-json.ts';
import type { VerdictOutcome, VerdictService, VerdictView } from './verdicts.service.ts';
import { assertMayReadSession, type Principal } from './access.ts';
import type { TimelineService } from './timeline.service.ts';

export interface ManifestArtefact {
  /** Path relative to the data dir. */
  path: string;
  kind: 'recording' | 'poster' | 'snapshot' | 'alarm_frame' | 'timeline' | 'verdict';
  sha256: string;
  sizeBytes: number;
}

export interface SessionManifest {
  version: 1;
  sessionId: string;
  bookingId: string;
  sealedAt: string;
  keyId: string;
  artefacts: ManifestArtefact[];
  /** The newest audit entry when sealed: entries up to it must still be there, unchanged. */
  auditHead: { seq: number; hash: string } | null;
}

export type { VerificationProblem };

export interface VerificationReport {
  sessionId: string;
  ok: boolean;
  checkedArtefacts: number;
  /** Recording segments re-hashed against the hashes taken as each was written (kept on local disk). */
  checkedSegments: number;
  problems: VerificationProblem[];
  /** Sealed files that retention deleted as its policy says (audited): not a problem. */
  deletedByRetention: string[];
}

/** Working files that are not evidence themselves (segments are hashed into the database as recorded). */
const WORKING_FILE = /(^|\/)(segment-\d+\.\w+|segments-run\d+\.csv)$/;

export class ArchiveService {
  constructor(private readonly deps: { db: Db; key: SigningKey; store: EvidenceStore; verdicts: VerdictService; timeline: TimelineService; dataDir: string; clock?: () => Date }) {}

  /** Seals the session once it is closed and every recording is finalised (or failed). Returns false if not yet. */
  async sealIfComplete(sessionId: string): Promise<boolean> {
    // Recordings are hashed first, outside the transaction: a long hash must not hold the database
    // (PGlite has one connection, so a transaction stops every other query until it ends).
    const ready = await this.deps.db
      .select()
      .from(recordings)
      .where(and(eq(recordings.sessionId, sessionId), eq(recordings.status, 'ready')));
    const hashed = new Map<string, { sha256: string; sizeBytes: number }>();
    for (const relative of ready.flatMap((r) => [r.path, r.posterPath])) {
      if (relative) hashed.set(relative, await hashStored(this.deps.store, relative));
    }
    // The session row is locked for the whole seal: two finalisers finishing together seal it once.
    return this.deps.db.transaction((tx) => this.sealLocked(tx, sessionId, hashed));
  }

  private async sealLocked(db: DbOrTx, sessionId: string, hashed: Map<string, { sha256: string; sizeBytes: number }>): Promise<boolean> {
    const [session] = await db.select().from(inspectionSessions).where(eq(inspectionSessions.id, sessionId)).for('update');
    if (!session || session.status !== 'closed') return false;
    const [existing] = await db.select({ id: sessionSeals.sessionId }).from(sessionSeals).where(eq(sessionSeals.sessionId, sessionId));
    if (existing) return true;
    const recs = await db.select().from(recordings).where(eq(recordings.sessionId, sessionId));
    if (recs.some((r) => r.status === 'recording' || r.status === 'finalising')) return false;

    const now = this.deps.clock?.() ?? new Date();
    const artefacts: ManifestArtefact[] = [];
    const { store } = this.deps;
    // Hashed as stored: what the seal vouches for is what the store holds.
    const add = async (relative: string, kind: ManifestArtefact['kind']) => {
      const { sha256, sizeBytes } = hashed.get(relative) ?? (await hashStored(store, relative));
      artefacts.push({ path: relative, kind, sha256, sizeBytes });
    };
    for (const r of recs.filter((r) => r.status === 'ready')) {
      await add(r.path!, 'recording');
      if (r.posterPath) await add(r.posterPath, 'poster');
    }
    const evidenceFolder = sealedExportsFolder(sessionId);
    const events = await this.deps.timeline.sealable(sessionId, db);
    for (const event of events) {
      if (event.kind === 'snapshot' && event.payload.file) await add(event.payload.file, 'snapshot');
      if (event.kind === 'alarm' && event.payload.evidencePath) await add(event.payload.evidencePath, 'alarm_frame');
    }
    const timeline = canonicalJson(events);
    await store.write(path.posix.join(evidenceFolder, 'timeline.json'), timeline);
    await add(path.posix.join(evidenceFolder, 'timeline.json'), 'timeline');
    const verdict = await this.verdictJson(sessionId, db);
    if (verdict) {
      await store.write(path.posix.join(evidenceFolder, 'verdict.json'), verdict);
      await add(path.posix.join(evidenceFolder, 'verdict.json'), 'verdict');
    }
    const [head] = await db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
    const manifest: SessionManifest = {
      version: 1,
      sessionId,
      bookingId: session.bookingId,
      sealedAt: now.toISOString(),
      keyId: this.deps.key.keyId,
      artefacts: artefacts.sort((a, b) => a.path.localeCompare(b.path)),
      auditHead: head ?? null,
    };
    const signature = this.deps.key.sign(canonicalJson(manifest));
    await store.write(path.posix.join(evidenceFolder, 'manifest.json'), canonicalJson(manifest));
    await store.write(path.posix.join(evidenceFolder, 'manifest.sig'), signature);
    await db.insert(sessionSeals).values({ sessionId, manifest, signature, signingKeyId: this.deps.key.keyId, sealedAt: now });
    await appendAudit(db, { actorId: null, action: 'session.seal', entityType: 'session', entityId: sessionId, details: { artefacts: artefacts.length, signature } }, now);
    return true;
  }

  /** Throws not_found unless the principal may read the session's records. */
  async assertMayRead(p: Principal, sessionId: string): Promise<void> {
    await assertMayReadSession(this.deps.db, p, sessionId);
  }

  /** Closed sessions that have no seal yet (start-up recovery seals those whose recordings are all final). */
  async closedUnsealedSessions(): Promise<string[]> {
    const rows = await this.deps.db
      .select({ id: inspectionSessions.id })
      .from(inspectionSessions)
      .leftJoin(sessionSeals, eq(sessionSeals.sessionId, inspectionSessions.id))
      .where(and(eq(inspectionSessions.status, 'closed'), sql`${sessionSeals.sessionId} is null`));
    return rows.map((r) => r.id);
  }

  /** Checks a sealed session end to end. `p` null: the command line, which has the data dir anyway. */
  async verify(p: Principal | null, sessionId: string): Promise<VerificationReport> {
    if (p) await assertMayReadSession(this.deps.db, p, sessionId);
    const { db, key, store } = this.deps;
    const [seal] = await db.select().from(sessionSeals).where(eq(sessionSeals.sessionId, sessionId));
    if (!seal) {
      const [session] = await db.select({ id: inspectionSessions.id }).from(inspectionSessions).where(eq(inspectionSessions.id, sessionId));
      if (!session) throw notFound('Session');
      return { sessionId, ok: false, checkedArtefacts: 0, checkedSegments: 0, problems: [{ item: 'session', problem: 'not_sealed' }], deletedByRetention: [] };
    }
    const manifest = seal.manifest as SessionManifest;
    const problems: VerificationProblem[] = [];
    if (seal.signingKeyId !== key.keyId || !key.verify(canonicalJson(manifest), seal.signature)) {
      problems.push({ item: 'manifest', problem: 'signature_invalid' });
    }
    const retained = await db
      .select({ path: recordings.path, posterPath: recordings.posterPath })
      .from(recordings)
      .where(and(eq(recordings.sessionId, sessionId), eq(recordings.status, 'deleted')));
    const retentionDeleted = new Set(retained.flatMap((r) => [r.path, r.posterPath]).filter((p): p is string => Boolean(p)));
    const listed = new Set(manifest.artefacts.map((a) => a.path));
    const checked = await checkArtefacts(store, manifest.artefacts, retentionDeleted);
    problems.push(...checked.problems);
    const { deletedByRetention } = checked;
    // The segments each recording was joined from, against the hash taken when each closed: a segment
    // changed on disk would otherwise pass unseen (the joined file is what the seal covers).
    const segments = await db
      .select({ path: recordingSegments.path, sha256: recordingSegments.sha256 })
      .from(recordingSegments)
      .innerJoin(recordings, eq(recordings.id, recordingSegments.recordingId))
      .where(and(eq(recordings.sessionId, sessionId), ne(recordings.status, 'deleted')))
      .orderBy(asc(recordingSegments.path));
    for (const segment of segments) {
      // In the store (uploaded as it closed), or still only on this node's disk (its upload failed).
      const file = path.join(this.deps.dataDir, segment.path);
      const stored = (await store.size(segment.path)) !== null;
      if (!stored && !fs.existsSync(file)) {
        problems.push({ item: segment.path, problem: 'missing' });
        continue;
      }
      const { sha256 } = stored ? await hashStored(store, segment.path) : await hashFile(file);
      if (sha256 !== segment.sha256) problems.push({ item: segment.path, problem: 'changed', detail: `sha256 ${sha256} instead of ${segment.sha256}` });
    }
    // The database must still say what the sealed exports say.
    const timelineArtefact = manifest.artefacts.find((a) => a.kind === 'timeline');
    if (timelineArtefact && sha256Hex(await this.timelineJson(sessionId)) !== timelineArtefact.sha256) {
      problems.push({ item: 'timeline', problem: 'changed', detail: 'the timeline in the database differs from the sealed one' });
    }
    const verdictArtefact = manifest.artefacts.find((a) => a.kind === 'verdict');
    const verdict = await this.deps.verdicts.findSigned(sessionId);
    if (verdictArtefact && (!verdict || sha256Hex(verdictExport(verdict)) !== verdictArtefact.sha256)) {
      problems.push({ item: 'verdict', problem: 'changed', detail: 'the verdict in the database differs from the sealed one' });
    }
    if (verdict && !verdict.signatureValid) problems.push({ item: 'verdict', problem: 'signature_invalid' });
    // Files in the session's folder that the seal does not list.
    problems.push(...(await unlistedFiles(store, sessionFolder(sessionId), listed, (f) => WORKING_FILE.test(f) || f.endsWith('/manifest.json') || f.endsWith('/manifest.sig'))));
    problems.push(...(await checkAudit(db, manifest.auditHead, 'session')));
    return { sessionId, ok: problems.length === 0, checkedArtefacts: manifest.artefacts.length, checkedSegments: segments.length, problems, deletedByRetention };
  }

  /** The session timeline as canonical JSON: what is sealed, and what the database is compared against. */
  private async timelineJson(sessionId: string, db: DbOrTx = this.deps.db): Promise<string> {
    return canonicalJson(await this.deps.timeline.sealable(sessionId, db));
  }

  private async verdictJson(sessionId: string, db: DbOrTx): Promise<string | null> {
    const verdict = await this.deps.verdicts.findSigned(sessionId, db);
    return verdict ? verdictExport(verdict) : null;
  }
}

export function verdictExport(verdict: VerdictView): string {
  const { signatureValid: _checked, ...signed } = verdict;
  return canonicalJson(signed);
}
