/**
 * Sealing and verifying a decided loading record, as a session's evidence is: a manifest of its checklist
 * stills, its alarms' frames and clips and the record exported with its timeline as JSON (`record.json`),
 * with sha256 and size and the audit chain head, signed with the platform key. Verifying re-hashes each
 * file, re-exports the record from the database, checks the signature and the audit chain, and names each
 * item changed, missing or added (the same checks as a session's, server/archive/seal-check.ts).
 */
import path from 'node:path';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/database.ts';
import { alarms, auditLog, loadingRecordEvents, loadingRecordSeals, loadingRecords } from '../db/schema.ts';
import type { LoadingEvent } from '../contracts/loading-record.ts';
import { notFound } from '../errors.ts';
import { loadingRecordFolder, loadingSealedFolder } from '../archive/evidence-paths.ts';
import { checkArtefacts, checkAudit, unlistedFiles, type SealedArtefact, type VerificationProblem } from '../archive/seal-check.ts';
import type { SigningKey } from '../infra/signing-key.ts';
import { hashStored, type EvidenceStore } from '../infra/evidence-store.ts';
import { sha256Hex } from '../../media/files.ts';
import { mayRead, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import { canonicalJson } from './canonical-json.ts';

export interface LoadingVerificationReport {
  recordId: string;
  ok: boolean;
  checkedArtefacts: number;
  problems: VerificationProblem[];
  deletedByRetention: string[];
}

interface LoadingManifest {
  version: 1;
  recordId: string;
  declarationId: string;
  sealedAt: string;
  keyId: string;
  artefacts: SealedArtefact[];
  auditHead: { seq: number; hash: string } | null;
}

/** How long sealing waits for an alarm's clip (cut seconds after the alarm, once its footage is stored). */
const CLIP_WAIT_MS = 60_000;
/** A record's events: far more than a loading (a few hundred) ever writes. */
export const MAX_LOADING_EVENTS = 2000;

/** A record's timeline in the order written. */
export async function readLoadingEvents(db: DbOrTx, recordId: string): Promise<LoadingEvent[]> {
  const rows = await db.select().from(loadingRecordEvents).where(eq(loadingRecordEvents.recordId, recordId)).orderBy(asc(loadingRecordEvents.id)).limit(MAX_LOADING_EVENTS);
  return rows.map((row) => ({ id: row.id, kind: row.kind, at: row.at.toISOString(), actorId: row.actorId, payload: row.payload }) as LoadingEvent);
}

/** The record, when the principal may read it (else not found: its existence is not told). */
export async function readableLoadingRecord(db: Db, p: Principal, recordId: string) {
  const [record] = await db.select().from(loadingRecords).where(eq(loadingRecords.id, recordId));
  if (!record || !mayRead(p, record)) throw notFound('Loading record');
  return record;
}

export class LoadingRecordArchive {
  constructor(private readonly deps: { db: Db; store: EvidenceStore; key: SigningKey; clock?: () => Date }) {}

  private now() {
    return this.deps.clock?.() ?? new Date();
  }

  /** Seals decided records left unsealed (start-up: a platform stopped before their clips were cut). */
  async sealPending(): Promise<number> {
    const rows = await this.deps.db
      .select({ id: loadingRecords.id })
      .from(loadingRecords)
      .leftJoin(loadingRecordSeals, eq(loadingRecordSeals.recordId, loadingRecords.id))
      .where(and(inArray(loadingRecords.status, ['released', 'held']), sql`${loadingRecordSeals.recordId} is null`));
    let sealed = 0;
    for (const { id } of rows) if (await this.seal(id, { waitForClips: false })) sealed++;
    return sealed;
  }

  /** Writes the seal; false when it must wait for a clip still being cut. */
  async seal(recordId: string, o: { waitForClips: boolean }): Promise<boolean> {
    const { db, store, key } = this.deps;
    const [record] = await db.select().from(loadingRecords).where(eq(loadingRecords.id, recordId));
    if (!record || record.status === 'open') return false;
    const [existing] = await db.select({ id: loadingRecordSeals.recordId }).from(loadingRecordSeals).where(eq(loadingRecordSeals.recordId, recordId));
    if (existing) return true;
    const events = await readLoadingEvents(this.deps.db, recordId);
    const alarmIds = events.flatMap((e) => (e.kind === 'alarm' ? [e.payload.alarmId] : []));
    const alarmRows = alarmIds.length ? await db.select().from(alarms).where(inArray(alarms.id, alarmIds)) : [];
    const now = this.now();
    if (o.waitForClips && alarmRows.some((a) => !a.clipPath && now.getTime() - a.createdAt.getTime() < CLIP_WAIT_MS)) return false;

    const artefacts: SealedArtefact[] = [];
    const add = async (relative: string, kind: string, expectedSha?: string | null) => {
      const { sha256, sizeBytes } = await hashStored(store, relative);
      // A file already changed since it was hashed when written is not vouched for: sealed as it was.
      artefacts.push({ path: relative, kind, sha256: expectedSha ?? sha256, sizeBytes });
    };
    for (const e of events) if (e.kind === 'check' && e.payload.still) await add(e.payload.still.file, 'still', e.payload.still.sha256);
    for (const a of alarmRows) {
      if (a.evidencePath) await add(a.evidencePath, 'alarm_frame');
      if (a.clipPath) await add(a.clipPath, 'alarm_clip', a.clipSha256);
    }
    const folder = loadingSealedFolder(recordId);
    const exported = await this.exportJson(recordId);
    await store.write(path.posix.join(folder, 'record.json'), exported);
    await add(path.posix.join(folder, 'record.json'), 'record');
    return db.transaction(async (tx) => {
      const [locked] = await tx.select({ id: loadingRecords.id }).from(loadingRecords).where(eq(loadingRecords.id, recordId)).for('update');
      if (!locked) return false;
      const [again] = await tx.select({ id: loadingRecordSeals.recordId }).from(loadingRecordSeals).where(eq(loadingRecordSeals.recordId, recordId));
      if (again) return true;
      const [head] = await tx.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
      const manifest: LoadingManifest = {
        version: 1,
        recordId,
        declarationId: record.declarationId,
        sealedAt: now.toISOString(),
        keyId: key.keyId,
        artefacts: artefacts.sort((a, b) => a.path.localeCompare(b.path)),
        auditHead: head ?? null,
      };
      const signature = key.sign(canonicalJson(manifest));
      await store.write(path.posix.join(folder, 'manifest.json'), canonicalJson(manifest));
      await store.write(path.posix.join(folder, 'manifest.sig'), signature);
      await tx.insert(loadingRecordSeals).values({ recordId, manifest, signature, signingKeyId: key.keyId, sealedAt: now });
      await appendAudit(tx, { actorId: null, action: 'loading_record.seal', entityType: 'loading_record', entityId: recordId, details: { artefacts: artefacts.length, signature } }, now);
      return true;
    });
  }

  /** Checks a sealed record end to end; `p` null: the command line. */
  async verify(p: Principal | null, recordId: string): Promise<LoadingVerificationReport> {
    if (p) await readableLoadingRecord(this.deps.db, p, recordId);
    const { db, key, store } = this.deps;
    const [seal] = await db.select().from(loadingRecordSeals).where(eq(loadingRecordSeals.recordId, recordId));
    if (!seal) {
      const [record] = await db.select({ id: loadingRecords.id }).from(loadingRecords).where(eq(loadingRecords.id, recordId));
      if (!record) throw notFound('Loading record');
      return { recordId, ok: false, checkedArtefacts: 0, problems: [{ item: 'loading_record', problem: 'not_sealed' }], deletedByRetention: [] };
    }
    const manifest = seal.manifest as LoadingManifest;
    const problems: VerificationProblem[] = [];
    if (seal.signingKeyId !== key.keyId || !key.verify(canonicalJson(manifest), seal.signature)) problems.push({ item: 'manifest', problem: 'signature_invalid' });
    const checked = await checkArtefacts(store, manifest.artefacts);
    problems.push(...checked.problems);
    // The database must still say what the sealed record says.
    const exported = manifest.artefacts.find((a) => a.kind === 'record');
    if (exported && sha256Hex(await this.exportJson(recordId)) !== exported.sha256) {
      problems.push({ item: 'record', problem: 'changed', detail: 'the record in the database differs from the sealed one' });
    }
    const listed = new Set(manifest.artefacts.map((a) => a.path));
    problems.push(...(await unlistedFiles(store, loadingRecordFolder(recordId), listed, (f) => f.endsWith('/manifest.json') || f.endsWith('/manifest.sig'))));
    problems.push(...(await checkAudit(db, manifest.auditHead, 'loading record')));
    return { recordId, ok: problems.length === 0, checkedArtefacts: manifest.artefacts.length, problems, deletedByRetention: checked.deletedByRetention };
  }

  /** The record and its timeline as sealed: canonical JSON of what was decided and everything on its timeline. */
  private async exportJson(recordId: string): Promise<string> {
    const [record] = await this.deps.db.select().from(loadingRecords).where(eq(loadingRecords.id, recordId));
    if (!record) throw notFound('Loading record');
    const { id, declarationId, siteId, enterpriseId, portId, expectedPlate, matchedPlate, status, openedBy, openedAt, decidedBy, decidedAt, reason } = record;
    return canonicalJson({
      record: {
        id,
        declarationId,
        siteId,
        enterpriseId,
        portId,
        expectedPlate,
        matchedPlate,
        status,
        openedBy,
        openedAt: openedAt.toISOString(),
        decidedBy,
        decidedAt: decidedAt?.toISOString() ?? null,
        reason,
      },
      events: await readLoadingEvents(this.deps.db, recordId),
    });
  }
}
