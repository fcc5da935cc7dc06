/**
 * The append-only, hash-chained audit trail. Each entry's hash covers its own fields and the previous
 * entry's hash, so a row edited, removed or inserted out of band breaks the chain from that row on.
 */
import crypto from 'node:crypto';
import { asc, desc, gt, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/database.ts';
import { auditLog } from '../db/schema.ts';
import { canonicalJson } from './canonical-json.ts';

export const GENESIS_HASH = '0'.repeat(64);
// Any constant works: it serialises appenders so each sees the true previous hash.
const AUDIT_LOCK_KEY = 0x57617463; // "Watc"

export interface AuditEntryInput {
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  details?: Record<string, unknown>;
}

interface HashedFields extends Required<AuditEntryInput> {
  seq: number;
  at: Date;
  prevHash: string;
}

export function auditEntryHash(entry: HashedFields): string {
  const body = canonicalJson({
    seq: entry.seq,
    at: entry.at.toISOString(),
    actorId: entry.actorId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    details: entry.details,
    prevHash: entry.prevHash,
  });
  return crypto.createHash('sha256').update(body).digest('hex');
}

/** Appends one entry. Call it inside the transaction that makes the change it records. */
export async function appendAudit(tx: DbOrTx, input: AuditEntryInput, at = new Date()): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
  const [last] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  // The hash covers seq, so take it from the sequence before inserting (node-postgres and PGlite both return rows).
  const next = (await tx.execute(sql`select nextval(pg_get_serial_sequence('audit_log', 'seq')) as seq`)) as unknown as {
    rows: [{ seq: string | number }];
  };
  const seq = next.rows[0].seq;
  const entry: HashedFields = {
    seq: Number(seq),
    at: new Date(at.getTime()),
    actorId: input.actorId,
    action: input.action,
    entityType: input.entityType,
    entityId: input.entityId,
    details: input.details ?? {},
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  await tx.insert(auditLog).values({ ...entry, hash: auditEntryHash(entry) });
}

export type AuditChainProblem = 'hash_mismatch' | 'broken_link';

export interface AuditChainReport {
  ok: boolean;
  checked: number;
  /** The first entry at which the chain stops verifying. */
  firstBad?: { seq: number; problem: AuditChainProblem; action: string; entityId: string };
}

/** Walks the whole chain in pages (bounded memory) and reports the first entry that does not verify. */
export async function verifyAuditChain(db: Db, pageSize = 1000): Promise<AuditChainReport> {
  let prevHash = GENESIS_HASH;
  let afterSeq = 0;
  let checked = 0;
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.seq, afterSeq)).orderBy(asc(auditLog.seq)).limit(pageSize);
    for (const row of rows) {
      const at = { seq: row.seq, action: row.action, entityId: row.entityId };
      if (row.prevHash !== prevHash) return { ok: false, checked, firstBad: { ...at, problem: 'broken_link' } };
      const expected = auditEntryHash({
        seq: row.seq,
        at: row.at,
        actorId: row.actorId,
        action: row.action,
        entityType: row.entityType,
        entityId: row.entityId,
        details: row.details as Record<string, unknown>,
        prevHash: row.prevHash,
      });
      if (expected !== row.hash) return { ok: false, checked, firstBad: { ...at, problem: 'hash_mismatch' } };
      prevHash = row.hash;
      checked += 1;
    }
    if (rows.length < pageSize) return { ok: true, checked };
    afterSeq = rows[rows.length - 1]!.seq;
  }
}
