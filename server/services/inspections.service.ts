/**
 * A live inspection session: who may join it and as what, its timeline (commands, acknowledgements,
 * snapshots, notes), and the bookkeeping of its recordings. Media itself lives in media/.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { bookings, declarations, inspectionSessions, loadingRecords, recordings, recordingSegments, sites, vehicles } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { assertMayReadSession, isEnterpriseSide, mayConductSession, mayRead, sessionRoleOf, type Principal } from './access.ts';
import sharp, { type Metadata } from 'sharp';
import { sha256Hex } from '../../media/files.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import { snapshotFile } from '../archive/evidence-paths.ts';
import { Limiter } from './limiter.ts';
import type { TimelineService } from './timeline.service.ts';
import type { DomainEvents } from './domain-events.ts';
import { announce, enterpriseUsers, storeNotifications, type Notified } from './recipients.ts';
import type { SessionRole, TimelineEvent, TimelineEventOf, TimelinePayload } from '../contracts/timeline.ts';
import { commandPresets, type CommandPreset } from '../contracts/live-events.ts';

export type { SessionRole };

/** What live vision checks its reads against. */
export interface VisionContext {
  declaredSeals: string[];
  registeredPlates: string[];
  bookedPlate: string | null;
  /** Farm supervision: a loading record is open at the farm (a vehicle in its loading bay is expected). */
  loadingRecordOpen?: boolean;
}

export interface JoinGrant {
  sessionId: string;
  bookingId: string;
  role: SessionRole;
  declarationId: string;
  /** Whose session it is, for the finer checks (who conducts it). */
  parties: { enterpriseId: string; portId: string; officerId: string | null };
}

/** A long session with several counting cameras writes a few thousand events; the timeline is read whole. */
const TIMELINE_PAGE = 5000;
/** Photos the officer asked for, uploaded by the enterprise from a phone. */
export const MAX_PHOTO_BYTES = 12 * 1024 * 1024;
/** A 24-megapixel phone photo fits; a decompression bomb does not (a 49-megapixel PNG can be 47 KB). */
const MAX_PHOTO_PIXELS = 25_000_000;
/** Photos are stored at most this wide and high: enough to read a label, bounded on disk. */
const MAX_PHOTO_SIDE = 4096;
const photoDecodes = new Limiter(2);

export class InspectionService {
  constructor(private readonly deps: { db: Db; store: EvidenceStore; timeline: TimelineService; events: DomainEvents; clock?: () => Date }) {}

  private now() {
    return this.deps.clock?.() ?? new Date();
  }

  /**
   * Who may join: the booking's enterprise users and broker, the assigned officer, and supervisors (as
   * silent viewers). Anyone else, or a session that is not live, is refused.
   */
  async authorizeJoin(p: Principal, sessionId: string): Promise<JoinGrant> {
    const [row] = await this.deps.db
      .select({ session: inspectionSessions, booking: bookings })
      .from(inspectionSessions)
      .innerJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
      .where(eq(inspectionSessions.id, sessionId));
    if (!row) throw notFound('Session');
    const { session, booking } = row;
    const role = sessionRoleOf(p, booking);
    // Who may not even see the session is told it does not exist (a 403 would say it does).
    if (!role) throw mayRead(p, booking) ? forbidden('You are not a participant of this inspection') : notFound('Session');
    if (session.status !== 'live') throw new AppError('invalid_transition', 'This inspection session is closed');
    return { sessionId, bookingId: booking.id, role, declarationId: booking.declarationId, parties: { enterpriseId: booking.enterpriseId, portId: booking.portId, officerId: booking.officerId } };
  }

  /** A participant joined (with the grant authorizeJoin gave): on the timeline, unless a supervisor watching silently. */
  async arrived(p: Principal, grant: JoinGrant): Promise<void> {
    if (grant.role !== 'supervisor') await this.deps.timeline.append({ sessionId: grant.sessionId, kind: 'joined', actorId: p.userId, payload: { role: grant.role, name: p.displayName } });
  }

  /** A participant left (closed the page, lost the connection, joined another session). */
  async left(p: Principal, sessionId: string, role: SessionRole): Promise<void> {
    if (role !== 'supervisor') await this.deps.timeline.append({ sessionId, kind: 'left', actorId: p.userId, payload: { role, name: p.displayName } });
  }

  async timeline(p: Principal, sessionId: string): Promise<TimelineEvent[]> {
    await assertMayReadSession(this.deps.db, p, sessionId);
    return this.deps.timeline.events(sessionId, TIMELINE_PAGE, isEnterpriseSide(p) ? 'enterprise' : 'officers');
  }

  /** The seals declared, the enterprise's registered vehicles and the booked one (no access check: the live layer asks). */
  async visionContext(sessionId: string): Promise<VisionContext> {
    const { db } = this.deps;
    const [row] = await db
      .select({ seals: declarations.sealNumbers, enterpriseId: bookings.enterpriseId, bookedPlate: bookings.vehiclePlate })
      .from(inspectionSessions)
      .innerJoin(bookings, eq(bookings.id, inspectionSessions.bookingId))
      .innerJoin(declarations, eq(declarations.id, bookings.declarationId))
      .where(eq(inspectionSessions.id, sessionId));
    const plates = row ? await db.select({ plate: vehicles.plate }).from(vehicles).where(eq(vehicles.enterpriseId, row.enterpriseId)) : [];
    return { declaredSeals: row?.seals ?? [], registeredPlates: plates.map((p) => p.plate), bookedPlate: row?.bookedPlate ?? null };
  }

  /**
   * What reads at a supervised farm are checked against outside a session: the plates registered for the
   * farm's enterprise; while a loading record is open there, its expected vehicle and its declaration's
   * seals (else no declaration, so seal reads raise nothing).
   */
  async siteVisionContext(siteId: string): Promise<VisionContext> {
    const { db } = this.deps;
    const plates = await db.select({ plate: vehicles.plate }).from(vehicles).innerJoin(sites, eq(sites.enterpriseId, vehicles.enterpriseId)).where(eq(sites.id, siteId));
    const [loading] = await db
      .select({ seals: declarations.sealNumbers, expectedPlate: loadingRecords.expectedPlate })
      .from(loadingRecords)
      .innerJoin(declarations, eq(declarations.id, loadingRecords.declarationId))
      .where(and(eq(loadingRecords.siteId, siteId), eq(loadingRecords.status, 'open')));
    return { declaredSeals: loading?.seals ?? [], registeredPlates: plates.map((p) => p.plate), bookedPlate: loading?.expectedPlate ?? null, loadingRecordOpen: loading !== undefined };
  }

  /** The assigned officer instructs the enterprise: a preset or free text. */
  async sendCommand(p: Principal, sessionId: string, input: { preset?: CommandPreset; text?: string; params?: Record<string, string | number> }) {
    const grant = await this.authorizeJoin(p, sessionId);
    if (!mayConductSession(p, grant.parties)) throw forbidden('Only the officer gives instructions');
    const text = input.preset ? fillPreset(commandPresets[input.preset], input.params ?? {}) : input.text?.trim();
    if (!text) throw new AppError('bad_request', 'A command needs a preset or a text');
    // The enterprise is told too: a phone with the page in the background still hears of it.
    let told: Notified | null = null;
    const event = await this.deps.timeline.transaction(async (tx, append) => {
      const written = await append({ sessionId, kind: 'command', actorId: p.userId, payload: { preset: input.preset ?? null, params: input.params ?? {}, text } });
      const userIds = await enterpriseUsers(tx, grant.parties.enterpriseId);
      const payload = { sessionId, commandId: written.id, text };
      await storeNotifications(tx, userIds, 'command.waiting', payload);
      told = { userIds, kind: 'command.waiting', payload };
      return written;
    });
    announce(this.deps.events, told);
    return event;
  }

  /** The enterprise confirms it has followed (or seen) a command. Each command is acknowledged once. */
  async acknowledge(p: Principal, sessionId: string, commandId: number) {
    const grant = await this.authorizeJoin(p, sessionId);
    if (grant.role !== 'enterprise') throw forbidden('Only the enterprise acknowledges instructions');
    const command = await this.deps.timeline.find(sessionId, commandId, 'command');
    if (!command) throw notFound('Command');
    if (await this.deps.timeline.isAcknowledged(sessionId, commandId)) throw new AppError('conflict', 'This command was acknowledged already');
    return this.deps.timeline.append({
      sessionId,
      kind: 'acknowledgement',
      actorId: p.userId,
      payload: { commandId, commandText: command.payload.text, afterMs: this.now().getTime() - new Date(command.at).getTime() },
    });
  }

  async createRecording(sessionId: string, source: string, mediaKind: string, nodeId: string | null = null): Promise<string> {
    const [row] = await this.deps.db.insert(recordings).values({ sessionId, source, mediaKind, nodeId, startedAt: this.now() }).returning({ id: recordings.id });
    return row!.id;
  }

  async addSegment(recordingId: string, segment: { seq: number; path: string; startedAt: Date; durationMs: number; sizeBytes: number; sha256: string; gapBeforeMs: number }) {
    await this.deps.db
      .insert(recordingSegments)
      .values({ recordingId, ...segment })
      .onConflictDoNothing();
  }

  /** Marks a recording stopped; `onlyIfRecording`: only one still recording (true when this call moved it). */
  async recordingStopped(recordingId: string, options: { onlyIfRecording?: boolean } = {}): Promise<boolean> {
    const moved = await this.deps.db
      .update(recordings)
      .set({ status: 'finalising', endedAt: this.now() })
      .where(options.onlyIfRecording ? and(eq(recordings.id, recordingId), eq(recordings.status, 'recording')) : eq(recordings.id, recordingId))
      .returning({ id: recordings.id });
    return moved.length > 0;
  }

  /** Recordings a stopped process left open (`recording`) or being finalised, oldest first (start-up recovery). */
  async unfinishedRecordings() {
    return this.deps.db
      .select({ id: recordings.id, sessionId: recordings.sessionId, status: recordings.status, startedAt: recordings.startedAt, nodeId: recordings.nodeId })
      .from(recordings)
      .where(inArray(recordings.status, ['recording', 'finalising']))
      .orderBy(asc(recordings.startedAt));
  }

  async segmentsOf(recordingId: string) {
    return this.deps.db.select().from(recordingSegments).where(eq(recordingSegments.recordingId, recordingId)).orderBy(asc(recordingSegments.seq));
  }

  async recordingFinalised(recordingId: string, result: { path: string; posterPath: string | null; durationMs: number; sizeBytes: number; sha256: string }) {
    await this.deps.db
      .update(recordings)
      .set({ ...result, status: 'ready' })
      .where(eq(recordings.id, recordingId));
  }

  async recordingFailed(recordingId: string) {
    await this.deps.db.update(recordings).set({ status: 'failed' }).where(eq(recordings.id, recordingId));
  }

  /** Which of these sessions are closed (the inspection ended): a node holding their media lets it go. */
  async closedAmong(sessionIds: string[]): Promise<string[]> {
    if (sessionIds.length === 0) return [];
    const rows = await this.deps.db
      .select({ id: inspectionSessions.id })
      .from(inspectionSessions)
      .where(and(inArray(inspectionSessions.id, sessionIds), eq(inspectionSessions.status, 'closed')));
    return rows.map((r) => r.id);
  }

  async recordingStatus(recordingId: string): Promise<(typeof recordings.$inferSelect)['status'] | null> {
    const [row] = await this.deps.db.select({ status: recordings.status }).from(recordings).where(eq(recordings.id, recordingId));
    return row?.status ?? null;
  }

  async sessionOfRecording(recordingId: string): Promise<string | null> {
    const [row] = await this.deps.db.select({ sessionId: recordings.sessionId }).from(recordings).where(eq(recordings.id, recordingId));
    return row?.sessionId ?? null;
  }

  async recordingsOf(p: Principal, sessionId: string) {
    await assertMayReadSession(this.deps.db, p, sessionId);
    return this.deps.db.select().from(recordings).where(eq(recordings.sessionId, sessionId)).orderBy(asc(recordings.startedAt));
  }

  /**
   * The enterprise uploads a photo the officer asked for. It must decode as a JPEG or PNG; a JPEG is
   * kept byte for byte (it is evidence), a PNG is stored as JPEG. It goes on the timeline as a snapshot.
   */
  async addPhoto(p: Principal, sessionId: string, image: Buffer): Promise<TimelineEventOf<'snapshot'>> {
    const grant = await this.authorizeJoin(p, sessionId);
    if (grant.role !== 'enterprise') throw forbidden('Photos are uploaded by the enterprise');
    if (image.length === 0) throw new AppError('invalid_image', 'The photo is empty');
    if (image.length > MAX_PHOTO_BYTES) throw new AppError('payload_too_large', `A photo may have at most ${MAX_PHOTO_BYTES} bytes`);
    let meta: Metadata;
    try {
      meta = await sharp(image, { limitInputPixels: MAX_PHOTO_PIXELS }).metadata();
    } catch {
      throw new AppError('invalid_image', 'The photo is not a picture that can be read');
    }
    if (meta.format !== 'jpeg' && meta.format !== 'png') throw new AppError('invalid_image', 'Photos are JPEG or PNG');
    // What is stored is a picture we drew ourselves from the decoded pixels, never the bytes sent: a file
    // that is also HTML or a ZIP, or a truncated one, does not survive. Two decodes at a time bound memory.
    const decoded = await photoDecodes.run(() =>
      sharp(image, { limitInputPixels: MAX_PHOTO_PIXELS, failOn: 'truncated' })
        .rotate()
        .resize({ width: MAX_PHOTO_SIDE, height: MAX_PHOTO_SIDE, fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: 90 })
        .toBuffer({ resolveWithObject: true })
        .catch(() => {
          throw new AppError('invalid_image', 'The photo is damaged or incomplete');
        }),
    );
    return this.recordSnapshot(sessionId, p.userId, `${this.now().getTime()}-upload.jpg`, decoded.data, { width: decoded.info.width, height: decoded.info.height, source: 'upload', label: 'photo' });
  }

  /** Stores a snapshot (an officer's still of a stream, an enterprise's photo) and puts it on the timeline. */
  async recordSnapshot(
    sessionId: string,
    actorId: string,
    fileName: string,
    jpeg: Buffer,
    details: Omit<TimelinePayload<'snapshot'>, 'file' | 'sha256' | 'sizeBytes'>,
  ): Promise<TimelineEventOf<'snapshot'>> {
    const file = snapshotFile(sessionId, fileName);
    await this.deps.store.write(file, jpeg);
    return this.deps.timeline.append({ sessionId, kind: 'snapshot', actorId, payload: { file, sha256: sha256Hex(jpeg), sizeBytes: jpeg.length, ...details } });
  }

  /** The file behind a recording, its poster or a snapshot, for playback; null when there is none. */
  async mediaFile(p: Principal, sessionId: string, what: { recordingId?: string; poster?: boolean; snapshotEventId?: number }): Promise<string | null> {
    await assertMayReadSession(this.deps.db, p, sessionId);
    if (what.recordingId) {
      const [row] = await this.deps.db
        .select()
        .from(recordings)
        .where(and(eq(recordings.id, what.recordingId), eq(recordings.sessionId, sessionId)));
      if (!row || row.status !== 'ready') return null;
      return what.poster ? row.posterPath : row.path;
    }
    if (what.snapshotEventId) {
      return (await this.deps.timeline.find(sessionId, what.snapshotEventId, 'snapshot'))?.payload.file ?? null;
    }
    return null;
  }
}

function fillPreset(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => String(params[key] ?? `{${key}}`));
}
