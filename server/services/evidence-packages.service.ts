/**
 * What goes into a sealed session's evidence package besides its files: the signed manifest, the public
 * key that checks it, and a summary in the requester's language. The zip itself is built by the export job.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { bookings, declarations, inspectionSessions, sessionSeals } from '../db/schema.ts';
import { storeNotifications, type Notified } from './recipients.ts';
import { AppError } from '../errors.ts';
import { renderSummary, type SummaryLocale } from '../archive/summary-i18n.ts';
import type { SigningKey } from '../infra/signing-key.ts';
import { assertMayReadSession, type Principal } from './access.ts';
import type { SessionManifest } from './archive.service.ts';
import type { ArchiveSearchService } from './archive-search.service.ts';
import type { VerdictService } from './verdicts.service.ts';

export class EvidencePackageService {
  constructor(private readonly deps: { db: Db; key: SigningKey; verdicts: VerdictService; search: ArchiveSearchService }) {}

  /** What an evidence package of a sealed session holds besides its files. */
  async packageContents(p: Principal, sessionId: string, locale: SummaryLocale) {
    await assertMayReadSession(this.deps.db, p, sessionId);
    const [seal] = await this.deps.db.select().from(sessionSeals).where(eq(sessionSeals.sessionId, sessionId));
    if (!seal) throw new AppError('invalid_transition', 'The session is not sealed yet; its evidence can be exported once it is', { reason: 'session_not_sealed' });
    const entry = await this.deps.search.entry(sessionId);
    const manifest = seal.manifest as SessionManifest;
    const verdict = await this.deps.verdicts.findSigned(sessionId);
    const summary = renderSummary(locale, {
      declarationNumber: entry!.declarationNumber,
      enterpriseName: entry!.enterpriseName,
      officerName: entry!.officerName,
      type: entry!.type,
      startedAt: entry!.startedAt,
      endedAt: entry!.endedAt,
      verdict: verdict ? { outcome: verdict.outcome, findings: verdict.findings, followUp: verdict.followUp } : null,
      sealedAt: manifest.sealedAt,
      keyId: manifest.keyId,
      files: manifest.artefacts,
    });
    return { manifest, signature: seal.signature, publicKeyPem: this.deps.key.publicKeyPem, summary };
  }

  /** The one who asked for a package is told it is ready (stored: it reaches them by their channels too). */
  async tellReady(userId: string, sessionId: string): Promise<Notified> {
    const [row] = await this.deps.db
      .select({ number: declarations.number })
      .from(inspectionSessions)
      .innerJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
      .innerJoin(declarations, eq(declarations.id, bookings.declarationId))
      .where(eq(inspectionSessions.id, sessionId));
    const payload = { sessionId, declarationNumber: row?.number ?? '' };
    await storeNotifications(this.deps.db, [userId], 'evidence.ready', payload);
    return { userIds: [userId], kind: 'evidence.ready', payload };
  }
}
