/**
 * Loading records (全链条监管): a shipment of live animals under a declaration, loaded at its farm and
 * supervised on the farm's live cameras, booked or not. The officer of the port opens it; from then on the
 * plates and seals read at the farm's cameras are matched against the expected vehicle and the declared
 * seals and put on the record (a wrong seal raises seal_mismatch at the farm, with its frame and clip);
 * the officer ticks the disinfection and clinical checklist (each tick keeps a still of the camera watched),
 * writes notes, counts the animals per deck across a line drawn on a counting camera, and releases or holds
 * the shipment. Decided, the record is sealed (LoadingRecordArchive) once the clips of its alarms are cut.
 * This service is the only writer of the record's timeline.
 */
import { and, count, desc, eq, gte, ilike, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/database.ts';
import { isUniqueViolation } from '../db/database.ts';
import { declarations, enterprises, loadingRecordEvents, loadingRecordSeals, loadingRecords, sites, users, vehicles, bookings, cameras } from '../db/schema.ts';
import {
  loadingEventPayloads,
  loadingOfficersOnlyKinds,
  type LoadingCheck,
  type LoadingDecision,
  type LoadingEvent,
  type LoadingEventKind,
  type LoadingEventOf,
  type LoadingEventPayload,
  type LoadingRecordStatus,
  type LoadingRecordView,
} from '../contracts/loading-record.ts';
import type { AlarmView } from '../contracts/records.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { DEFAULT_PLATE_MATCH_DISTANCE, matchDeclared, matchKnown, normaliseCode } from '../../inference/index.ts';
import { loadingStillFile } from '../archive/evidence-paths.ts';
import type { EvidenceStore } from '../infra/evidence-store.ts';
import { sha256Hex } from '../../media/files.ts';
import { isEnterpriseSide, readableBy, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import { MAX_LOADING_EVENTS, readableLoadingRecord, readLoadingEvents, type LoadingRecordArchive, type LoadingVerificationReport } from './loading-record-archive.ts';
import type { DomainEvents } from './domain-events.ts';

/** The live side: the farm's supervised cameras on this node (server/live/supervision.ts). */
export interface LoadingLive {
  /** A JPEG of a supervised camera's picture now. */
  still(cameraId: string): Promise<{ jpeg: Buffer; width: number; height: number }>;
  /** Counting is done by the node holding the camera, this one or another. */
  isCounting(cameraId: string): Promise<boolean>;
  startBatch(cameraId: string, batchId: string, line: { a: [number, number]; b: [number, number] }): Promise<boolean>;
  endBatch(cameraId: string, batchId: string): Promise<{ forward: number; backward: number; net: number } | null>;
  /** What reads at the farm are checked against changed (a record opened or was decided). */
  contextChanged(siteId: string): void;
}

/** A read confirmed over frames at a supervised farm's camera. */
export interface FarmRead {
  siteId: string;
  cameraId: string;
  camera: string;
  task: 'plate' | 'seal';
  text: string;
  confidence: number;
}

export interface LoadingRecordFilter {
  q?: string;
  status?: LoadingRecordStatus;
  siteId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

const SEAL_RETRY_MS = 2000;
/** Two minutes of attempts: longer than an alarm's clip takes to be cut. */
const MAX_SEAL_ATTEMPTS = 60;
/** Distinct reads remembered per record (beyond it, a read is written again at most once more). */
const MAX_READS = 200;

type RecordRow = typeof loadingRecords.$inferSelect;
/** An enterprise's registered vehicles a read is matched against (a fleet, not a registry). */
const MAX_REGISTERED_PLATES = 1000;
type Appender = <K extends LoadingEventKind>(kind: K, actorId: string | null, payload: LoadingEventPayload<K>) => Promise<LoadingEventOf<K>>;
const decidedAlready = () => new AppError('conflict', 'This loading record is decided already', { reason: 'loading_record_decided' });
const deckOpen = () => new AppError('conflict', 'A deck is being counted already', { reason: 'deck_open' });

export class LoadingRecordService {
  /** Per open record: the reads already on its timeline (so each plate and seal is written once). */
  private readonly readsWritten = new Map<string, Set<string>>();
  private readonly sealTimers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly deps: { db: Db; store: EvidenceStore; archive: LoadingRecordArchive; events: DomainEvents; live: LoadingLive; clock?: () => Date; plateMatchDistance?: number }) {}

  private now() {
    return this.deps.clock?.() ?? new Date();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.sealTimers) clearTimeout(timer);
    this.sealTimers.clear();
  }

  /** An officer of the declaration's port opens the record at the declaration's farm (one open per farm). */
  async open(p: Principal, input: { declarationId: string; vehiclePlate?: string }): Promise<LoadingRecordView> {
    if (p.role !== 'officer') throw forbidden('Only an officer opens a loading record');
    const { db } = this.deps;
    const [declaration] = await db.select().from(declarations).where(eq(declarations.id, input.declarationId));
    if (!declaration || declaration.portId !== p.portId) throw notFound('Declaration');
    if (!declaration.siteId) throw new AppError('conflict', 'The declaration names no farm to load at', { reason: 'declaration_without_site' });
    const [booked] = await db
      .select({ plate: bookings.vehiclePlate })
      .from(bookings)
      .where(and(eq(bookings.declarationId, declaration.id), sql`${bookings.vehiclePlate} is not null`))
      .orderBy(desc(bookings.createdAt))
      .limit(1);
    const expectedPlate = input.vehiclePlate ? normaliseCode(input.vehiclePlate) : (booked?.plate ?? null);
    const now = this.now();
    let row: RecordRow;
    let opened: LoadingEvent | undefined;
    try {
      row = await db.transaction(async (tx) => {
        const [created] = await tx
          .insert(loadingRecords)
          .values({ declarationId: declaration.id, siteId: declaration.siteId!, enterpriseId: declaration.enterpriseId, portId: declaration.portId, expectedPlate, openedBy: p.userId, openedAt: now })
          .returning();
        await appendAudit(
          tx,
          { actorId: p.userId, action: 'loading_record.open', entityType: 'loading_record', entityId: created!.id, details: { declarationId: declaration.id, expectedPlate } },
          now,
        );
        // Its first event with it: a record is never there without what it was opened for.
        opened = await this.insertEvent(tx, created!, 'opened', p.userId, {
          declarationNumber: declaration.number,
          expectedPlate,
          declaredQuantity: Number(declaration.declaredQuantity),
          declaredSeals: declaration.sealNumbers,
        });
        return created!;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', 'A loading record is already open at this farm', { reason: 'loading_record_open' });
      throw err;
    }
    this.announce(row, opened!);
    this.deps.live.contextChanged(row.siteId);
    return this.view(row.id);
  }

  /** A checklist item ticked while watching `cameraId` (one of the farm's cameras): a still of it is kept. */
  async check(p: Principal, recordId: string, input: { item: LoadingCheck; cameraId?: string }): Promise<LoadingEvent> {
    const record = await this.conducted(p, recordId);
    const tickedAlready = async (db: DbOrTx) => {
      if ((await readLoadingEvents(db, recordId)).some((e) => e.kind === 'check' && e.payload.item === input.item))
        throw new AppError('conflict', 'This item is ticked already', { reason: 'check_done' });
    };
    // Before taking a still (seconds), and again under the record's lock (another officer may tick it meanwhile).
    await tickedAlready(this.deps.db);
    let still: LoadingEventPayload<'check'>['still'] = null;
    if (input.cameraId) {
      const camera = await this.farmCamera(record, input.cameraId);
      const picture = await this.deps.live.still(camera.id).catch((err: Error) => {
        throw new AppError('conflict', `No picture from the camera: ${err.message}`, { reason: 'camera_not_live' });
      });
      const file = loadingStillFile(recordId, this.now(), input.item);
      await this.deps.store.write(file, picture.jpeg);
      still = { file, sha256: sha256Hex(picture.jpeg), sizeBytes: picture.jpeg.length, cameraId: camera.id, camera: camera.name };
    }
    return this.writeOpen(recordId, async ({ tx, append }) => {
      await tickedAlready(tx);
      return append('check', p.userId, { item: input.item, still });
    });
  }

  async note(p: Principal, recordId: string, text: string): Promise<LoadingEvent> {
    await this.conducted(p, recordId);
    return this.writeOpen(recordId, ({ append }) => append('note', p.userId, { text }));
  }

  /** Counting of the next deck begins on a counting camera of the farm, across `line`. */
  async openDeck(p: Principal, recordId: string, input: { cameraId: string; line: { a: [number, number]; b: [number, number] } }): Promise<LoadingEvent> {
    const record = await this.conducted(p, recordId);
    const camera = await this.farmCamera(record, input.cameraId);
    if (!camera.analysis.includes('count')) throw new AppError('conflict', 'This camera is not set up for counting', { reason: 'camera_not_counting' });
    if (!(await this.deps.live.isCounting(camera.id))) throw new AppError('conflict', 'The camera is not live yet', { reason: 'camera_not_live' });
    const event = await this.writeOpen(recordId, async ({ tx, append }) => {
      const decks = deckStateOf(await readLoadingEvents(tx, recordId));
      if (decks.open) throw deckOpen();
      return append('deck_opened', p.userId, { deck: decks.closed.length + 1, cameraId: camera.id, camera: camera.name, line: input.line });
    });
    await this.deps.live.startBatch(camera.id, deckBatchId(recordId, event.payload.deck), input.line);
    return event;
  }

  /**
   * The open deck's count is closed and kept. A deck whose counting was lost (its camera's feed or analysis
   * restarted, or the platform did) closes as interrupted, counting nothing, so the record is never stuck:
   * the officer counts that deck again.
   */
  async closeDeck(p: Principal, recordId: string): Promise<LoadingEvent> {
    await this.conducted(p, recordId);
    return this.writeOpen(recordId, async ({ tx, append }) => {
      const { open } = deckStateOf(await readLoadingEvents(tx, recordId));
      if (!open) throw new AppError('conflict', 'No deck is being counted', { reason: 'no_open_deck' });
      const counted = await this.deps.live.endBatch(open.cameraId, deckBatchId(recordId, open.deck));
      return append('deck_closed', p.userId, { deck: open.deck, cameraId: open.cameraId, ...(counted ?? { forward: 0, backward: 0, net: 0, interrupted: true }) });
    });
  }

  /**
   * Releases or holds the shipment. A hold needs a reason, and so does a release when the animals counted
   * differ from those declared or a declared seal was not read.
   */
  async decide(p: Principal, recordId: string, input: { decision: LoadingDecision; reason?: string }): Promise<LoadingRecordView> {
    const record = await this.conducted(p, recordId);
    const reason = input.reason?.trim() ?? '';
    // Under the record's lock: nothing is ticked, counted or read between what is decided on and the decision.
    await this.writeOpen(recordId, async ({ tx, append }) => {
      const view = await this.view(recordId, tx);
      if (view.openDeck) throw new AppError('conflict', 'Close the deck being counted first', { reason: 'deck_open' });
      const sealsMissing = view.declaredSeals.filter((s) => !view.sealsMatched.includes(s));
      const differs = view.counted !== view.declaredQuantity || sealsMissing.length > 0;
      if (!reason && (input.decision === 'hold' || differs)) throw new AppError('bad_request', 'Say why', { reason: 'reason_required' });
      const now = this.now();
      await tx
        .update(loadingRecords)
        .set({ status: input.decision === 'release' ? 'released' : 'held', decidedBy: p.userId, decidedAt: now, reason })
        .where(eq(loadingRecords.id, recordId));
      await appendAudit(tx, { actorId: p.userId, action: `loading_record.${input.decision}`, entityType: 'loading_record', entityId: recordId, details: { reason, counted: view.counted } }, now);
      await append('decision', p.userId, {
        decision: input.decision,
        reason,
        counted: view.counted,
        declared: view.declaredQuantity,
        sealsMatched: view.sealsMatched,
        sealsMissing,
      });
    });
    this.readsWritten.delete(recordId);
    this.deps.live.contextChanged(record.siteId);
    this.sealSoon(recordId);
    return this.view(recordId);
  }

  /** A plate or seal read at a farm with an open record: matched and put on the record, once per text. */
  async recordRead(read: FarmRead): Promise<void> {
    const [record] = await this.deps.db
      .select()
      .from(loadingRecords)
      .where(and(eq(loadingRecords.siteId, read.siteId), eq(loadingRecords.status, 'open')));
    if (!record) return;
    const text = normaliseCode(read.text);
    const written = await this.readsOf(record.id);
    const key = `${read.task}:${text}`;
    if (written.has(key)) return;
    if (written.size < MAX_READS) written.add(key);
    if (read.task === 'seal') {
      const [declaration] = await this.deps.db.select({ seals: declarations.sealNumbers }).from(declarations).where(eq(declarations.id, record.declarationId));
      const match = matchDeclared(text, declaration?.seals ?? []);
      await this.appendIfOpen(record.id, 'seal', {
        seal: text,
        cameraId: read.cameraId,
        camera: read.camera,
        matched: match !== null,
        confidence: read.confidence,
        declared: match?.code ?? null,
        corrections: match?.corrections ?? 0,
      });
      return;
    }
    const registeredPlates = (await this.deps.db.select({ plate: vehicles.plate }).from(vehicles).where(eq(vehicles.enterpriseId, record.enterpriseId)).limit(MAX_REGISTERED_PLATES)).map(
      (v) => v.plate,
    );
    // A character or so off is the reader's (PLATE_MATCH_DISTANCE): the vehicle is the one it stands for.
    const maxEdits = this.deps.plateMatchDistance ?? DEFAULT_PLATE_MATCH_DISTANCE;
    const registered = matchKnown(text, registeredPlates, { maxEdits });
    const expected = record.expectedPlate ? matchKnown(text, [record.expectedPlate], { maxEdits }) : registered;
    const vehicle = expected ?? registered;
    await this.appendIfOpen(record.id, 'vehicle', {
      plate: text,
      cameraId: read.cameraId,
      camera: read.camera,
      matched: expected !== null,
      registered: registered !== null,
      confidence: read.confidence,
      vehicle: vehicle?.code ?? null,
      corrections: vehicle?.corrections ?? 0,
    });
    if (expected && !record.matchedPlate) {
      await this.deps.db
        .update(loadingRecords)
        .set({ matchedPlate: expected.code })
        .where(and(eq(loadingRecords.id, record.id), sql`${loadingRecords.matchedPlate} is null`));
    }
  }

  /** An alarm raised at a farm while a record is open there goes on the record (its frame and clip are sealed with it). */
  async linkAlarm(alarm: AlarmView): Promise<void> {
    if (alarm.sessionId || !alarm.siteId) return;
    const [record] = await this.deps.db
      .select()
      .from(loadingRecords)
      .where(and(eq(loadingRecords.siteId, alarm.siteId), eq(loadingRecords.status, 'open')));
    if (!record) return;
    await this.appendIfOpen(record.id, 'alarm', { alarmId: alarm.id, rule: alarm.rule, cameraId: alarm.cameraId, frameAt: alarm.frameAt, details: alarm.details as Record<string, unknown> });
  }

  async get(p: Principal, recordId: string): Promise<{ record: LoadingRecordView; events: LoadingEvent[] }> {
    const record = await this.readable(p, recordId);
    const hidden = isEnterpriseSide(p) ? new Set(loadingOfficersOnlyKinds) : new Set<LoadingEventKind>();
    return { record: await this.view(record.id), events: (await readLoadingEvents(this.deps.db, recordId)).filter((e) => !hidden.has(e.kind)) };
  }

  /** The records the caller may read, newest first: by declaration number, plate or farm name. */
  async list(p: Principal, filter: LoadingRecordFilter): Promise<{ items: LoadingRecordView[]; total: number }> {
    const conditions: Array<SQL | undefined> = [readableBy(p, { enterpriseId: loadingRecords.enterpriseId, portId: loadingRecords.portId })];
    if (filter.status) conditions.push(eq(loadingRecords.status, filter.status));
    if (filter.siteId) conditions.push(eq(loadingRecords.siteId, filter.siteId));
    if (filter.from) conditions.push(gte(loadingRecords.openedAt, filter.from));
    if (filter.to) conditions.push(lte(loadingRecords.openedAt, filter.to));
    if (filter.q) {
      const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      conditions.push(or(ilike(declarations.number, like), ilike(loadingRecords.expectedPlate, like), ilike(loadingRecords.matchedPlate, like), ilike(sites.name, like)));
    }
    const where = and(...conditions);
    const { db } = this.deps;
    const [{ total } = { total: 0 }] = await db
      .select({ total: count() })
      .from(loadingRecords)
      .innerJoin(declarations, eq(declarations.id, loadingRecords.declarationId))
      .innerJoin(sites, eq(sites.id, loadingRecords.siteId))
      .where(where);
    const ids = await db
      .select({ id: loadingRecords.id })
      .from(loadingRecords)
      .innerJoin(declarations, eq(declarations.id, loadingRecords.declarationId))
      .innerJoin(sites, eq(sites.id, loadingRecords.siteId))
      .where(where)
      .orderBy(desc(loadingRecords.openedAt))
      .limit(filter.limit)
      .offset(filter.offset);
    return { items: await Promise.all(ids.map((r) => this.view(r.id))), total };
  }

  /** A checklist still of a record the caller may read (the stored path, for serving). */
  async stillFile(p: Principal, recordId: string, eventId: number): Promise<string> {
    await this.readable(p, recordId);
    const event = (await readLoadingEvents(this.deps.db, recordId)).find((e): e is LoadingEventOf<'check'> => e.kind === 'check' && e.id === eventId);
    if (!event?.payload.still) throw notFound('Still');
    return event.payload.still.file;
  }

  /** Seals once the clips of its alarms are cut (or could not be within the archive's wait). */
  private sealSoon(recordId: string): void {
    // Bounded: a record that cannot be sealed by then is sealed at the next start (sealPending), or says why.
    let attempts = 0;
    const attempt = () => {
      if (this.stopped || ++attempts > MAX_SEAL_ATTEMPTS) return;
      void this.deps.archive
        .seal(recordId, { waitForClips: true })
        .then((done) => {
          if (!done && !this.stopped) schedule();
        })
        .catch(() => schedule());
    };
    const schedule = () => {
      const timer = setTimeout(() => {
        this.sealTimers.delete(timer);
        attempt();
      }, SEAL_RETRY_MS);
      timer.unref();
      this.sealTimers.add(timer);
    };
    attempt();
  }

  verify(p: Principal, recordId: string): Promise<LoadingVerificationReport> {
    return this.deps.archive.verify(p, recordId);
  }

  /** Its totals and state, as the web app shows it. */
  private async view(recordId: string, db: DbOrTx = this.deps.db): Promise<LoadingRecordView> {
    const opener = users;
    const [row] = await db
      .select({ record: loadingRecords, declaration: declarations, siteName: sites.name, enterpriseName: enterprises.name, openedByName: opener.displayName })
      .from(loadingRecords)
      .innerJoin(declarations, eq(declarations.id, loadingRecords.declarationId))
      .innerJoin(sites, eq(sites.id, loadingRecords.siteId))
      .innerJoin(enterprises, eq(enterprises.id, loadingRecords.enterpriseId))
      .innerJoin(opener, eq(opener.id, loadingRecords.openedBy))
      .where(eq(loadingRecords.id, recordId));
    if (!row) throw notFound('Loading record');
    const { record, declaration } = row;
    const [decider] = record.decidedBy ? await db.select({ name: users.displayName }).from(users).where(eq(users.id, record.decidedBy)) : [];
    const [sealRow] = await db.select({ id: loadingRecordSeals.recordId }).from(loadingRecordSeals).where(eq(loadingRecordSeals.recordId, recordId));
    const events = await readLoadingEvents(db, recordId);
    const decks = deckStateOf(events);
    const declaredSeals = declaration.sealNumbers.map(normaliseCode);
    const sealsMatched = [...new Set(events.flatMap((e) => (e.kind === 'seal' && e.payload.declared ? [e.payload.declared] : [])))];
    return {
      id: record.id,
      declarationId: declaration.id,
      declarationNumber: declaration.number,
      goodsDescription: declaration.goodsDescription,
      declaredQuantity: Number(declaration.declaredQuantity),
      quantityUnit: declaration.quantityUnit,
      declaredSeals,
      siteId: record.siteId,
      siteName: row.siteName,
      enterpriseName: row.enterpriseName,
      expectedPlate: record.expectedPlate,
      matchedPlate: record.matchedPlate,
      status: record.status,
      openedAt: record.openedAt.toISOString(),
      openedByName: row.openedByName,
      decidedAt: record.decidedAt?.toISOString() ?? null,
      decidedByName: decider?.name ?? null,
      reason: record.reason,
      counted: decks.closed.reduce((sum, d) => sum + d.payload.net, 0),
      openDeck: decks.open ? { deck: decks.open.deck, cameraId: decks.open.cameraId, line: decks.open.line } : null,
      checks: events.flatMap((e) => (e.kind === 'check' ? [e.payload.item] : [])),
      sealsMatched,
      sealed: sealRow !== undefined,
    };
  }

  private async readsOf(recordId: string): Promise<Set<string>> {
    let written = this.readsWritten.get(recordId);
    if (!written) {
      // After a restart: what the timeline already holds.
      const events = await readLoadingEvents(this.deps.db, recordId);
      written = new Set(events.flatMap((e) => (e.kind === 'vehicle' ? [`plate:${e.payload.plate}`] : e.kind === 'seal' ? [`seal:${e.payload.seal}`] : [])));
      // Bounded by the records open on this node (one per farm).
      this.readsWritten.set(recordId, written);
    }
    return written;
  }

  /**
   * The one writer of an open record's timeline. The record's row is locked for the transaction (FOR UPDATE),
   * so what two officers do to it, or a read arriving as one decides, never interleaves; each event is
   * validated against the contract, stored, and announced once committed.
   */
  private async writeOpen<T>(recordId: string, work: (w: { tx: DbOrTx; record: RecordRow; append: Appender }) => Promise<T>): Promise<T> {
    const written: Array<{ record: RecordRow; event: LoadingEvent }> = [];
    const result = await this.deps.db.transaction(async (tx) => {
      const [record] = await tx.select().from(loadingRecords).where(eq(loadingRecords.id, recordId)).for('update');
      if (!record) throw notFound('Loading record');
      if (record.status !== 'open') throw decidedAlready();
      const append: Appender = async (kind, actorId, payload) => {
        const event = await this.insertEvent(tx, record, kind, actorId, payload);
        written.push({ record, event });
        return event;
      };
      return work({ tx, record, append });
    });
    for (const { record, event } of written) this.announce(record, event);
    return result;
  }

  /** What the platform saw (a read, an alarm) goes on the record while it is open; once decided, nothing. */
  private async appendIfOpen<K extends LoadingEventKind>(recordId: string, kind: K, payload: LoadingEventPayload<K>): Promise<void> {
    await this.writeOpen(recordId, ({ append }) => append(kind, null, payload)).catch((err) => {
      if (!(err instanceof AppError && err.reason === 'loading_record_decided')) throw err;
    });
  }

  private async insertEvent<K extends LoadingEventKind>(tx: DbOrTx, record: RecordRow, kind: K, actorId: string | null, payload: LoadingEventPayload<K>): Promise<LoadingEventOf<K>> {
    const checked = loadingEventPayloads[kind].parse(payload);
    const [{ events } = { events: 0 }] = await tx.select({ events: count() }).from(loadingRecordEvents).where(eq(loadingRecordEvents.recordId, record.id));
    if (events >= MAX_LOADING_EVENTS) throw new AppError('conflict', 'This loading record is full', { reason: 'loading_record_full' });
    const [row] = await tx.insert(loadingRecordEvents).values({ recordId: record.id, kind, actorId, payload: checked, at: this.now() }).returning();
    return toEvent(row!) as LoadingEventOf<K>;
  }

  private announce(record: RecordRow, event: LoadingEvent): void {
    this.deps.events.emit('loading.event', { recordId: record.id, portId: record.portId, enterpriseId: record.enterpriseId, event, officersOnly: loadingOfficersOnlyKinds.includes(event.kind) });
  }

  private readable(p: Principal, recordId: string): Promise<RecordRow> {
    return readableLoadingRecord(this.deps.db, p, recordId);
  }

  /** Officers of the record's port conduct it while it is open. */
  private async conducted(p: Principal, recordId: string): Promise<RecordRow> {
    const record = await this.readable(p, recordId);
    if (p.role !== 'officer' || p.portId !== record.portId) throw forbidden('Only an officer of the port conducts a loading record');
    if (record.status !== 'open') throw decidedAlready();
    return record;
  }

  private async farmCamera(record: RecordRow, cameraId: string) {
    const [camera] = await this.deps.db
      .select()
      .from(cameras)
      .where(and(eq(cameras.id, cameraId), eq(cameras.siteId, record.siteId)));
    if (!camera) throw notFound('Camera');
    return camera;
  }
}

const deckBatchId = (recordId: string, deck: number) => `${recordId}:deck:${deck}`;

function deckStateOf(events: LoadingEvent[]) {
  const opened = events.filter((e): e is LoadingEventOf<'deck_opened'> => e.kind === 'deck_opened');
  const closed = events.filter((e): e is LoadingEventOf<'deck_closed'> => e.kind === 'deck_closed');
  const last = opened.at(-1);
  const open = last && !closed.some((c) => c.payload.deck === last.payload.deck) ? last.payload : null;
  return { open, closed };
}

function toEvent(row: typeof loadingRecordEvents.$inferSelect): LoadingEvent {
  return { id: row.id, kind: row.kind, at: row.at.toISOString(), actorId: row.actorId, payload: row.payload } as LoadingEvent;
}
