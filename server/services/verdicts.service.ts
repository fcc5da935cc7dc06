/**
 * The officer's verdict on a live inspection: pass, rectify or fail, with findings. It is signed with the
 * platform key the moment it is recorded, put on the timeline and audited, and it completes the booking
 * (which closes the session's media and finalises its recordings).
 */
import { eq } from 'drizzle-orm';
import { isUniqueViolation, type Db, type DbOrTx } from '../db/database.ts';
import { bookings, declarations, inspectionSessions, ports, verdicts, type verdictOutcomes } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { SigningKey } from '../infra/signing-key.ts';
import { canonicalJson } from './canonical-json.ts';
import { appendAudit } from './audit.service.ts';
import type { BookingService } from './bookings.service.ts';
import { assertMayReadSession, mayConductSession, mayRead, type Principal } from './access.ts';
import type { TimelineService } from './timeline.service.ts';
import type { RectificationService } from './rectifications.service.ts';
import { announce, enterpriseUsers, storeNotifications, type Notified } from './recipients.ts';
import type { DomainEvents } from './domain-events.ts';

export type VerdictOutcome = (typeof verdictOutcomes)[number];

export interface VerdictInput {
  outcome: VerdictOutcome;
  findings: string;
  followUp?: string;
  /** For `rectify`: the day (the port's) it is to be put right by; the platform's default number of days when absent. */
  rectifyBy?: string;
}

/** Exactly what is signed: enough to stand on its own as evidence. */
export interface SignedVerdict {
  verdictId: string;
  sessionId: string;
  bookingId: string;
  declarationNumber: string;
  officerId: string;
  outcome: VerdictOutcome;
  findings: string;
  followUp: string;
  recordedAt: string;
  keyId: string;
}

export interface VerdictView extends SignedVerdict {
  signature: string;
  /** Whether the stored verdict still matches its signature. */
  signatureValid: boolean;
}

export class VerdictService {
  constructor(
    private readonly deps: { db: Db; events: DomainEvents; key: SigningKey; bookings: BookingService; timeline: TimelineService; rectifications: RectificationService; clock?: () => Date },
  ) {}

  async record(p: Principal, sessionId: string, input: VerdictInput): Promise<VerdictView> {
    const { db, key } = this.deps;
    const now = this.deps.clock?.() ?? new Date();
    const context = await this.context(sessionId);
    if (!context) throw notFound('Session');
    const { booking, declarationNumber, timeZone } = context;
    if (!mayRead(p, booking)) throw notFound('Session');
    if (!mayConductSession(p, booking)) throw forbidden('Only the officer of this inspection records the verdict');
    if (booking.status !== 'in_progress') throw new AppError('invalid_transition', `The inspection is ${booking.status}; a verdict is recorded during it`);
    if (!input.findings.trim() && input.outcome !== 'pass') throw new AppError('bad_request', 'Findings are required unless the goods pass', { reason: 'findings_required' });
    const rectifyBy = input.outcome === 'rectify' ? this.deps.rectifications.dueDay(input.rectifyBy, timeZone) : null;

    const verdictId = crypto.randomUUID();
    const signed: SignedVerdict = {
      verdictId,
      sessionId,
      bookingId: booking.id,
      declarationNumber,
      officerId: p.userId,
      outcome: input.outcome,
      findings: input.findings.trim(),
      followUp: (input.followUp ?? '').trim(),
      recordedAt: now.toISOString(),
      keyId: key.keyId,
    };
    const signature = key.sign(canonicalJson(signed));
    // The unique session_id of verdicts decides between two officers' clicks arriving together.
    const told: Notified[] = [];
    await this.deps.timeline
      .transaction(async (tx, appendTimeline) => {
        await tx.insert(verdicts).values({
          id: verdictId,
          sessionId,
          officerId: p.userId,
          outcome: signed.outcome,
          findings: signed.findings,
          followUp: signed.followUp,
          signature,
          signingKeyId: key.keyId,
          createdAt: now,
        });
        await appendTimeline({ sessionId, kind: 'verdict', actorId: p.userId, at: now, payload: { verdictId, outcome: signed.outcome, findings: signed.findings, followUp: signed.followUp } });
        await appendAudit(tx, { actorId: p.userId, action: 'verdict.record', entityType: 'session', entityId: sessionId, details: { verdictId, outcome: signed.outcome, signature } }, now);
        // The enterprise hears the outcome; what it asks of it is followed up (a rectify), or settled (a pass).
        const enterprise = await enterpriseUsers(tx, booking.enterpriseId);
        const payload = { sessionId, declarationNumber, outcome: signed.outcome, findings: signed.findings };
        await storeNotifications(tx, enterprise, 'verdict.recorded', payload, now);
        told.push({ userIds: enterprise, kind: 'verdict.recorded', payload });
        if (rectifyBy) {
          const required = [signed.findings, signed.followUp].filter(Boolean).join('\n');
          const common = { sessionId, enterpriseId: booking.enterpriseId, portId: booking.portId, declarationId: booking.declarationId, declarationNumber };
          told.push(await this.deps.rectifications.open(tx, { ...common, required, dueOn: rectifyBy, actorId: p.userId, at: now }));
        } else if (signed.outcome === 'pass') await this.deps.rectifications.closeByPassingInspection(tx, booking.declarationId, p.userId, now);
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err)) throw new AppError('conflict', 'A verdict was recorded for this inspection already');
        throw err;
      });
    for (const n of told) announce(this.deps.events, n);
    await this.deps.bookings.complete(p, booking.id);
    return { ...signed, signature, signatureValid: true };
  }

  async get(p: Principal, sessionId: string): Promise<VerdictView> {
    await assertMayReadSession(this.deps.db, p, sessionId);
    const verdict = await this.findSigned(sessionId);
    if (!verdict) throw notFound('Verdict');
    return verdict;
  }

  /**
   * The stored verdict as signed, with its signature checked (no access check: callers do that).
   * `db`: the caller's transaction when it holds one (the seal does): PGlite has a single connection.
   */
  async findSigned(sessionId: string, db: DbOrTx = this.deps.db): Promise<VerdictView | null> {
    const context = await this.context(sessionId, db);
    if (!context) return null;
    const [row] = await db.select().from(verdicts).where(eq(verdicts.sessionId, sessionId));
    if (!row) return null;
    const signed: SignedVerdict = {
      verdictId: row.id,
      sessionId,
      bookingId: context.booking.id,
      declarationNumber: context.declarationNumber,
      officerId: row.officerId,
      outcome: row.outcome,
      findings: row.findings,
      followUp: row.followUp,
      recordedAt: row.createdAt.toISOString(),
      keyId: row.signingKeyId ?? '',
    };
    const signature = row.signature ?? '';
    const signatureValid = signed.keyId === this.deps.key.keyId && this.deps.key.verify(canonicalJson(signed), signature);
    return { ...signed, signature, signatureValid };
  }

  private async context(sessionId: string, db: DbOrTx = this.deps.db) {
    const [row] = await db
      .select({ booking: bookings, declarationNumber: declarations.number, timeZone: ports.timeZone })
      .from(inspectionSessions)
      .innerJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
      .innerJoin(declarations, eq(declarations.id, bookings.declarationId))
      .innerJoin(ports, eq(ports.id, bookings.portId))
      .where(eq(inspectionSessions.id, sessionId));
    return row ?? null;
  }
}
