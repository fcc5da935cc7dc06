/**
 * What every seal (a session's, a loading record's) is checked by: the stored files the manifest lists,
 * re-hashed through the store; the audit chain and the entry that was newest when sealed; files in the
 * sealed folder that the manifest does not list. Each finding names the item.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { auditLog } from '../db/schema.ts';
import { hashStored, type EvidenceStore } from '../infra/evidence-store.ts';
import { verifyAuditChain } from '../services/audit.service.ts';

export interface SealedArtefact {
  /** Path relative to the data dir. */
  path: string;
  kind: string;
  sha256: string;
  sizeBytes: number;
}

export interface VerificationProblem {
  item: string;
  problem: 'changed' | 'missing' | 'added' | 'signature_invalid' | 'audit_chain_broken' | 'not_sealed';
  detail?: string;
}

/**
 * Re-hashes each listed artefact. A missing file that `deletedByPolicy` names was deleted as retention
 * says (audited): reported as such, not as a problem.
 */
export async function checkArtefacts(
  store: EvidenceStore,
  artefacts: SealedArtefact[],
  deletedByPolicy: Set<string> = new Set(),
): Promise<{ problems: VerificationProblem[]; deletedByRetention: string[] }> {
  const problems: VerificationProblem[] = [];
  const deletedByRetention: string[] = [];
  for (const artefact of artefacts) {
    if ((await store.size(artefact.path)) === null) {
      if (deletedByPolicy.has(artefact.path)) deletedByRetention.push(artefact.path);
      else problems.push({ item: artefact.path, problem: 'missing' });
      continue;
    }
    const { sha256, sizeBytes } = await hashStored(store, artefact.path);
    if (sha256 !== artefact.sha256) problems.push({ item: artefact.path, problem: 'changed', detail: `sha256 ${sha256} instead of ${artefact.sha256}, ${sizeBytes} bytes` });
  }
  return { problems, deletedByRetention };
}

/** The whole audit chain, and the entry that was its head when sealed still there unchanged. */
export async function checkAudit(db: Db, head: { seq: number; hash: string } | null, what: string): Promise<VerificationProblem[]> {
  const problems: VerificationProblem[] = [];
  const chain = await verifyAuditChain(db);
  if (!chain.ok) problems.push({ item: 'audit', problem: 'audit_chain_broken', detail: `entry ${chain.firstBad?.seq}: ${chain.firstBad?.problem}` });
  if (head) {
    const [entry] = await db.select({ hash: auditLog.hash }).from(auditLog).where(eq(auditLog.seq, head.seq));
    if (entry?.hash !== head.hash) problems.push({ item: 'audit', problem: 'audit_chain_broken', detail: `entry ${head.seq} sealed with the ${what} is gone or changed` });
  }
  return problems;
}

/** Files under a sealed folder that the seal does not list (`ignore`: working files that are not evidence). */
export async function unlistedFiles(store: EvidenceStore, folder: string, listed: Set<string>, ignore: (relative: string) => boolean): Promise<VerificationProblem[]> {
  return (await store.list(folder)).filter((relative) => !listed.has(relative) && !ignore(relative)).map((item) => ({ item, problem: 'added' as const }));
}
