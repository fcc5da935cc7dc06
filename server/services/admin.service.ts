/**
 * Administration: ports, enterprises, users and roles, broker delegations, sites, cameras, vehicles.
 * Every method is for administrators only and is audited.
 */
import crypto from 'node:crypto';
import { and, asc, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { isForeignKeyViolation, isUniqueViolation, type Db, type DbOrTx } from '../db/database.ts';
import { type CameraRecordingMode, type RtspTransport, alarms, authSessions, brokerDelegations, cameras, declarations, enterprises, ports, sites, users, vehicles, type Role } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { hashPassword, requireLongEnough } from '../auth/password.ts';
import { isEnterpriseSide, readableBy, requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import { normaliseCode } from '../../inference/index.ts';
import type { DomainEvents } from './domain-events.ts';
import { CameraSourceError, checkCameraSource, showWithMaskedPassword, splitPassword, withPassword } from '../../media/index.ts';
import type { SecretBox } from '../infra/secret-box.ts';
import { DEFAULT_TIME_ZONE, type CameraSchedule } from '../contracts/schedule.ts';

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  role: Role;
  enterpriseId?: string | null;
  portId?: string | null;
  locale?: string;
}

export type UserView = Omit<typeof users.$inferSelect, 'passwordHash'>;

/** A camera as supervision runs it: where it is (its farm's port is told of it) and the URL to open it by. */
export interface SupervisedCameraSource {
  id: string;
  name: string;
  siteId: string;
  portId: string | null;
  analysis: string[];
  recording: CameraRecordingMode;
  liveView: boolean;
  /** When it is supervised (null: always), in the time zone of its farm's port. */
  schedule: CameraSchedule | null;
  timeZone: string;
  liveSourceUrl: string;
  liveSubSourceUrl: string | null;
  rtspTransport: RtspTransport;
}

export interface UserChanges {
  displayName?: string;
  enterpriseId?: string | null;
  portId?: string | null;
  locale?: string;
  /** False disables the account: it can no longer log in, its logins end; what it did stays in the archive. */
  active?: boolean;
}

/** What can be renamed or switched off after registration (the rest is referred to by sealed records). */
export interface EditableChanges {
  port: { name?: string; timeZone?: string };
  enterprise: { name?: string };
  site: { name?: string; address?: string; portId?: string | null };
  camera: {
    name?: string;
    enabled?: boolean;
    analysis?: string[];
    supervision?: boolean;
    liveView?: boolean;
    recording?: CameraRecordingMode;
    subSourceUrl?: string | null;
    rtspTransport?: RtspTransport;
    schedule?: CameraSchedule | null;
  };
}

/** Plates are stored as compared: uppercase without spaces or separators (粤Z A123港 → 粤ZA123港). */
export const normalisePlate = normaliseCode;

/** Administration lists are for people to read: beyond this they need a search. */
const LIST_LIMIT = 1000;

const codeTaken = (message: string, code: string) => new AppError('conflict', message, { reason: 'code_taken', params: { code } });
const nameTaken = (message: string, name: string) => new AppError('conflict', message, { reason: 'name_taken', params: { name } });

const cannotChangeSelf = () => new AppError('conflict', 'You cannot disable or delete your own account', { reason: 'cannot_disable_self' });
const editableTables = { port: ports, enterprise: enterprises, site: sites, camera: cameras } as const;

const toUserView = ({ passwordHash: _h, ...view }: typeof users.$inferSelect): UserView => view;

export class AdminService {
  constructor(private readonly deps: { db: Db; events: DomainEvents; secrets: SecretBox; cameraMediaDir?: string }) {}

  /** Creates any user. `actor` null is the command-line bootstrap of the first administrator. */
  async createUser(actor: Principal | null, input: NewUser): Promise<UserView> {
    if (actor) requireRole(actor, 'admin');
    requireLongEnough(input.password);
    if (input.role === 'enterprise_user' && !input.enterpriseId) throw new AppError('bad_request', 'An enterprise user needs an enterprise', { reason: 'enterprise_required' });
    if (input.role === 'officer' && !input.portId) throw new AppError('bad_request', 'An officer needs a port', { reason: 'port_required' });
    const { db } = this.deps;
    const [taken] = await db
      .select({ id: users.id })
      .from(users)
      .where(eq(sql`lower(${users.username})`, input.username.toLowerCase()));
    if (taken) throw new AppError('conflict', `The username ${input.username} is taken`, { reason: 'username_taken', params: { username: input.username } });
    await this.requireExists(db, input.enterpriseId, enterprises, 'Enterprise');
    await this.requireExists(db, input.portId, ports, 'Port');
    const passwordHash = await hashPassword(input.password);
    return db.transaction(async (tx) => {
      const [row] = await tx
        .insert(users)
        .values({
          username: input.username,
          displayName: input.displayName,
          passwordHash,
          role: input.role,
          enterpriseId: input.role === 'enterprise_user' ? input.enterpriseId : null,
          portId: input.role === 'officer' ? input.portId : null,
          locale: input.locale ?? 'zh-CN',
        })
        .returning();
      await this.audit(tx, actor, 'user.create', 'user', row!.id, { username: input.username, role: input.role });
      return toUserView(row!);
    });
  }

  async listUsers(actor: Principal): Promise<UserView[]> {
    requireRole(actor, 'admin');
    const rows = await this.deps.db.select().from(users).orderBy(asc(users.username));
    return rows.map(toUserView);
  }

  /** Edits a user; disabling one (never oneself) ends its logins at once, open connections included. */
  async updateUser(actor: Principal, userId: string, changes: UserChanges): Promise<UserView> {
    requireRole(actor, 'admin');
    if (changes.active === false && userId === actor.userId) throw cannotChangeSelf();
    const { db } = this.deps;
    await this.requireExists(db, changes.enterpriseId, enterprises, 'Enterprise');
    await this.requireExists(db, changes.portId, ports, 'Port');
    const updated = await db.transaction(async (tx) => {
      const [current] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
      if (!current) throw notFound('User');
      const next = {
        displayName: changes.displayName ?? current.displayName,
        locale: changes.locale ?? current.locale,
        active: changes.active ?? current.active,
        // Only the role that has one keeps a port or an enterprise.
        portId: current.role === 'officer' ? (changes.portId === undefined ? current.portId : changes.portId) : null,
        enterpriseId: current.role === 'enterprise_user' ? (changes.enterpriseId === undefined ? current.enterpriseId : changes.enterpriseId) : null,
      };
      if (current.role === 'officer' && !next.portId) throw new AppError('bad_request', 'An officer needs a port', { reason: 'port_required' });
      if (current.role === 'enterprise_user' && !next.enterpriseId) throw new AppError('bad_request', 'An enterprise user needs an enterprise', { reason: 'enterprise_required' });
      const [row] = await tx.update(users).set(next).where(eq(users.id, userId)).returning();
      const scopeChanged = !next.active || next.portId !== current.portId || next.enterpriseId !== current.enterpriseId;
      if (scopeChanged) await tx.delete(authSessions).where(eq(authSessions.userId, userId));
      await this.audit(tx, actor, next.active === current.active ? 'user.update' : next.active ? 'user.enable' : 'user.disable', 'user', userId, { ...changes });
      return { row: row!, scopeChanged };
    });
    // What the user may see changed (or they may see nothing): open connections must log in again.
    if (updated.scopeChanged) this.deps.events.emit('auth.revoked', { userId });
    return toUserView(updated.row);
  }

  /** A new random password, returned once for the administrator to hand over; the user's logins end. */
  async resetPassword(actor: Principal, userId: string): Promise<{ temporaryPassword: string }> {
    requireRole(actor, 'admin');
    const temporaryPassword = crypto.randomBytes(12).toString('base64url');
    const passwordHash = await hashPassword(temporaryPassword);
    await this.deps.db.transaction(async (tx) => {
      const [row] = await tx.update(users).set({ passwordHash }).where(eq(users.id, userId)).returning({ id: users.id });
      if (!row) throw notFound('User');
      await tx.delete(authSessions).where(eq(authSessions.userId, userId));
      await this.audit(tx, actor, 'user.password_reset', 'user', userId, {});
    });
    this.deps.events.emit('auth.revoked', { userId });
    return { temporaryPassword };
  }

  /** Deletes a user who never did anything on record; one that did is disabled instead (409 in_use). */
  async deleteUser(actor: Principal, userId: string): Promise<void> {
    requireRole(actor, 'admin');
    if (userId === actor.userId) throw cannotChangeSelf();
    await this.deleteUnreferenced(actor, users, userId, 'user', async (tx) => {
      await tx.delete(authSessions).where(eq(authSessions.userId, userId));
      await tx.delete(brokerDelegations).where(eq(brokerDelegations.brokerId, userId));
    });
    this.deps.events.emit('auth.revoked', { userId });
  }

  /** Renames or switches off a port, enterprise, site or camera; audited with what changed. */
  async update<K extends keyof EditableChanges>(actor: Principal, kind: K, id: string, changes: EditableChanges[K]) {
    requireRole(actor, 'admin');
    const table = editableTables[kind];
    if ('portId' in changes) await this.requireExists(this.deps.db, changes.portId, ports, 'Port');
    if (Object.keys(changes).length === 0) throw new AppError('bad_request', 'Nothing to change');
    const stored = kind === 'camera' && 'subSourceUrl' in changes ? { ...changes, ...this.subStream((changes as EditableChanges['camera']).subSourceUrl ?? null) } : changes;
    try {
      const updated = await this.deps.db.transaction(async (tx) => {
        const [row] = (await tx
          .update(table)
          .set(stored as never)
          .where(eq(table.id, id))
          .returning()) as Array<{ id: string; sourcePassword?: unknown; subSourcePassword?: unknown }>;
        if (!row) throw notFound(kind);
        // Audited as stored: a sub-stream's password is not in it.
        const { subSourcePassword: _subSealed, ...audited } = stored as { subSourcePassword?: unknown };
        await this.audit(tx, actor, `${kind}.update`, kind, id, audited);
        const { sourcePassword: _sealed, subSourcePassword: _sealedSub, ...view } = row;
        return view;
      });
      if (kind === 'camera') this.deps.events.emit('camera.changed', { cameraId: id });
      return updated;
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(`The name is used already`, String((changes as { name?: string }).name ?? ''));
      throw err;
    }
  }

  /** Deletes a port, enterprise, site or camera nothing refers to yet (a mistake just made); otherwise 409 in_use. */
  async remove(actor: Principal, kind: keyof EditableChanges, id: string): Promise<void> {
    requireRole(actor, 'admin');
    await this.deleteUnreferenced(actor, editableTables[kind], id, kind);
    if (kind === 'camera') this.deps.events.emit('camera.changed', { cameraId: id });
  }

  private async deleteUnreferenced(actor: Principal, table: (typeof editableTables)[keyof EditableChanges] | typeof users, id: string, entityType: string, before?: (tx: DbOrTx) => Promise<void>) {
    try {
      await this.deps.db.transaction(async (tx) => {
        await before?.(tx);
        const deleted = (await tx.delete(table).where(eq(table.id, id)).returning({ id: table.id })) as unknown[];
        if (deleted.length === 0) throw notFound(entityType);
        await this.audit(tx, actor, `${entityType}.delete`, entityType, id, {});
      });
    } catch (err) {
      // Sealed sessions, bookings and recordings refer to it: deleting would break the archive.
      if (isForeignKeyViolation(err)) throw new AppError('conflict', `The ${entityType} is referred to by other records`, { reason: 'in_use' });
      throw err;
    }
  }

  async createPort(actor: Principal | null, input: { code: string; name: string; timeZone?: string }) {
    if (actor) requireRole(actor, 'admin');
    return this.insertUnique(actor, ports, input, 'port', codeTaken(`Port ${input.code} exists already`, input.code));
  }

  async listPorts() {
    return this.deps.db.select().from(ports).orderBy(asc(ports.code));
  }

  async createEnterprise(actor: Principal | null, input: { name: string; customsCode: string; riskClass: 'A' | 'B' | 'C' | 'D' }) {
    if (actor) requireRole(actor, 'admin');
    return this.insertUnique(actor, enterprises, input, 'enterprise', codeTaken(`Customs code ${input.customsCode} is registered already`, input.customsCode));
  }

  /**
   * Every enterprise for administrators and supervisors; an officer sees those with a site or a declaration
   * at their port; an enterprise user or broker those it acts for.
   */
  async listEnterprises(actor: Principal) {
    const { db } = this.deps;
    if (isEnterpriseSide(actor)) {
      if (actor.enterpriseIds.length === 0) return [];
      return db.select().from(enterprises).where(inArray(enterprises.id, actor.enterpriseIds)).orderBy(asc(enterprises.name));
    }
    requireRole(actor, 'admin', 'supervisor', 'officer');
    if (actor.role !== 'officer') return db.select().from(enterprises).orderBy(asc(enterprises.name));
    if (!actor.portId) return [];
    const portId = actor.portId;
    const atOfficersPort = or(
      inArray(enterprises.id, db.select({ id: sites.enterpriseId }).from(sites).where(eq(sites.portId, portId))),
      inArray(enterprises.id, db.select({ id: declarations.enterpriseId }).from(declarations).where(eq(declarations.portId, portId))),
    );
    return db.select().from(enterprises).where(atOfficersPort).orderBy(asc(enterprises.name));
  }

  async grantDelegation(actor: Principal | null, input: { brokerId: string; enterpriseId: string; expiresAt?: Date | null }) {
    if (actor) requireRole(actor, 'admin');
    const { db } = this.deps;
    const [broker] = await db.select().from(users).where(eq(users.id, input.brokerId));
    if (!broker || broker.role !== 'broker') throw new AppError('bad_request', 'Delegations are granted to users with the broker role', { reason: 'broker_required' });
    await this.requireExists(db, input.enterpriseId, enterprises, 'Enterprise');
    await db.transaction(async (tx) => {
      await tx
        .insert(brokerDelegations)
        .values({ brokerId: input.brokerId, enterpriseId: input.enterpriseId, expiresAt: input.expiresAt ?? null })
        .onConflictDoUpdate({
          target: [brokerDelegations.brokerId, brokerDelegations.enterpriseId],
          set: { revokedAt: null, expiresAt: input.expiresAt ?? null, grantedAt: new Date() },
        });
      await this.audit(tx, actor, 'delegation.grant', 'enterprise', input.enterpriseId, { brokerId: input.brokerId });
    });
  }

  async revokeDelegation(actor: Principal, input: { brokerId: string; enterpriseId: string }) {
    requireRole(actor, 'admin');
    await this.deps.db.transaction(async (tx) => {
      const revoked = await tx
        .update(brokerDelegations)
        .set({ revokedAt: new Date() })
        .where(and(eq(brokerDelegations.brokerId, input.brokerId), eq(brokerDelegations.enterpriseId, input.enterpriseId), isNull(brokerDelegations.revokedAt)))
        .returning();
      if (revoked.length === 0) throw notFound('Delegation');
      await this.audit(tx, actor, 'delegation.revoke', 'enterprise', input.enterpriseId, { brokerId: input.brokerId });
    });
    // What the broker may see changed: its open connections must log in again to learn the new scope.
    this.deps.events.emit('auth.revoked', { userId: input.brokerId });
  }

  async createSite(actor: Principal | null, input: typeof sites.$inferInsert) {
    if (actor) requireRole(actor, 'admin');
    await this.requireExists(this.deps.db, input.enterpriseId, enterprises, 'Enterprise');
    return this.insertUnique(actor, sites, input, 'site', nameTaken('Site exists already', input.name));
  }

  async createCamera(actor: Principal | null, input: typeof cameras.$inferInsert) {
    if (actor) requireRole(actor, 'admin');
    await this.requireExists(this.deps.db, input.siteId, sites, 'Site');
    this.checkSource(input.sourceUrl, 'sourceUrl');
    // The password is kept apart and encrypted: the URL stored, listed, logged and audited has none.
    const { sourceUrl, password } = splitPassword(input.sourceUrl);
    const sub = this.subStream(input.subSourceUrl ?? null);
    const row = { ...input, sourceUrl, sourcePassword: password === null ? null : this.deps.secrets.seal(password), ...sub };
    const {
      sourcePassword: _sealed,
      subSourcePassword: _sealedSub,
      ...created
    } = await this.insertUnique(actor, cameras, row, 'camera', nameTaken('Camera exists already', input.name), {
      ...input,
      sourceUrl,
      subSourceUrl: sub.subSourceUrl,
    });
    this.deps.events.emit('camera.changed', { cameraId: created.id });
    return created;
  }

  private checkSource(url: string, field: 'sourceUrl' | 'subSourceUrl'): void {
    try {
      checkCameraSource(url, { mediaDir: this.deps.cameraMediaDir });
    } catch (err) {
      if (err instanceof CameraSourceError) throw new AppError('validation_failed', err.message, { details: [{ path: [field], message: err.message }] });
      throw err;
    }
  }

  /** A sub-stream URL as stored: checked like the main one, its password apart and encrypted (null: none). */
  private subStream(url: string | null): { subSourceUrl: string | null; subSourcePassword: string | null } {
    if (url === null) return { subSourceUrl: null, subSourcePassword: null };
    this.checkSource(url, 'subSourceUrl');
    const { sourceUrl, password } = splitPassword(url);
    return { subSourceUrl: sourceUrl, subSourcePassword: password === null ? null : this.deps.secrets.seal(password) };
  }

  async createVehicle(actor: Principal | null, input: { enterpriseId: string; plate: string; description?: string }) {
    if (actor) requireRole(actor, 'admin');
    await this.requireExists(this.deps.db, input.enterpriseId, enterprises, 'Enterprise');
    const plate = normalisePlate(input.plate);
    return this.insertUnique(actor, vehicles, { ...input, plate }, 'vehicle', codeTaken(`Plate ${plate} is registered already`, plate));
  }

  async setRiskClass(actor: Principal, enterpriseId: string, riskClass: 'A' | 'B' | 'C' | 'D') {
    requireRole(actor, 'admin');
    return this.deps.db.transaction(async (tx) => {
      const [row] = await tx.update(enterprises).set({ riskClass }).where(eq(enterprises.id, enterpriseId)).returning();
      if (!row) throw notFound('Enterprise');
      await this.audit(tx, actor, 'enterprise.risk_class', 'enterprise', enterpriseId, { riskClass });
      return row;
    });
  }

  /** Officers by name, for the archive filter: all of them, or an officer's colleagues at their port. */
  async listOfficers(actor: Principal) {
    requireRole(actor, 'admin', 'supervisor', 'officer');
    const ofPort = actor.role === 'officer' ? eq(users.portId, actor.portId ?? '00000000-0000-0000-0000-000000000000') : undefined;
    return this.deps.db
      .select({ id: users.id, displayName: users.displayName, portId: users.portId })
      .from(users)
      .where(and(eq(users.role, 'officer'), ofPort))
      .orderBy(asc(users.displayName))
      .limit(LIST_LIMIT);
  }

  /** Sites as the access rule lets the caller see them: an enterprise its own, an officer those of its port, supervisors all. */
  async listVisibleSites(actor: Principal) {
    return this.deps.db
      .select()
      .from(sites)
      .where(readableBy(actor, { enterpriseId: sites.enterpriseId, portId: sites.portId }))
      .orderBy(asc(sites.name))
      .limit(LIST_LIMIT);
  }

  async listDelegations(actor: Principal) {
    requireRole(actor, 'admin');
    return this.deps.db
      .select({
        brokerId: brokerDelegations.brokerId,
        brokerName: users.displayName,
        enterpriseId: brokerDelegations.enterpriseId,
        enterpriseName: enterprises.name,
        grantedAt: brokerDelegations.grantedAt,
        expiresAt: brokerDelegations.expiresAt,
        revokedAt: brokerDelegations.revokedAt,
      })
      .from(brokerDelegations)
      .innerJoin(users, eq(users.id, brokerDelegations.brokerId))
      .innerJoin(enterprises, eq(enterprises.id, brokerDelegations.enterpriseId))
      .orderBy(asc(enterprises.name), asc(users.displayName))
      .limit(LIST_LIMIT);
  }

  async listSites(actor: Principal) {
    requireRole(actor, 'admin', 'supervisor');
    return this.deps.db.select().from(sites).orderBy(asc(sites.name)).limit(LIST_LIMIT);
  }

  /** Cameras with their source URLs' passwords masked (RTSP URLs often carry the camera's login). */
  async listCameras(actor: Principal, siteId?: string) {
    requireRole(actor, 'admin', 'supervisor');
    const rows = await this.deps.db
      .select()
      .from(cameras)
      .where(siteId ? eq(cameras.siteId, siteId) : undefined)
      .orderBy(asc(cameras.name))
      .limit(LIST_LIMIT);
    return rows.map(({ sourcePassword, subSourcePassword, ...row }) => ({
      ...row,
      sourceUrl: showWithMaskedPassword(row.sourceUrl, sourcePassword !== null),
      subSourceUrl: row.subSourceUrl === null ? null : showWithMaskedPassword(row.subSourceUrl, subSourcePassword !== null),
    }));
  }

  async camera(actor: Principal, cameraId: string) {
    requireRole(actor, 'admin');
    const [row] = await this.deps.db.select().from(cameras).where(eq(cameras.id, cameraId));
    if (!row) throw notFound('Camera');
    return row;
  }

  /** The enabled cameras of a declaration's site, each with the URL to open it by (password included). */
  async liveCamerasForDeclaration(
    declarationId: string,
  ): Promise<Array<{ id: string; name: string; siteId: string; analysis: string[]; liveSourceUrl: string; liveSubSourceUrl: string | null; rtspTransport: RtspTransport }>> {
    const { db } = this.deps;
    const [declaration] = await db.select({ siteId: declarations.siteId }).from(declarations).where(eq(declarations.id, declarationId));
    if (!declaration?.siteId) return [];
    const rows = await db
      .select()
      .from(cameras)
      .where(and(eq(cameras.siteId, declaration.siteId), eq(cameras.enabled, true)));
    return rows.map((c) => ({ id: c.id, name: c.name, siteId: c.siteId, analysis: c.analysis, ...this.liveSources(c) }));
  }

  /**
   * The supervised cameras the caller may see (the access rule on their sites: an officer their port's, an
   * enterprise its own, supervisors all), with their farm and how many incidents are open on each.
   */
  async listSupervisedCameras(actor: Principal) {
    // Alarms are the officers' (as in a session): the enterprise's own wall counts none.
    const openAlarms = isEnterpriseSide(actor) ? sql<number>`0` : sql<number>`(select count(*)::int from ${alarms} where ${alarms.cameraId} = ${cameras.id} and ${alarms.status} = 'open')`;
    return this.deps.db
      .select({
        cameraId: cameras.id,
        name: cameras.name,
        enabled: cameras.enabled,
        liveView: cameras.liveView,
        analysis: cameras.analysis,
        schedule: cameras.schedule,
        timeZone: sql<string>`coalesce(${ports.timeZone}, ${DEFAULT_TIME_ZONE})`,
        siteId: sites.id,
        siteName: sites.name,
        enterpriseName: enterprises.name,
        portId: sites.portId,
        openAlarms,
      })
      .from(cameras)
      .innerJoin(sites, eq(sites.id, cameras.siteId))
      .innerJoin(enterprises, eq(enterprises.id, sites.enterpriseId))
      .leftJoin(ports, eq(ports.id, sites.portId))
      .where(and(eq(cameras.supervision, true), readableBy(actor, { enterpriseId: sites.enterpriseId, portId: sites.portId })))
      .orderBy(asc(enterprises.name), asc(sites.name), asc(cameras.name))
      .limit(LIST_LIMIT);
  }

  /** The cameras in supervision mode (and enabled), each with the URL to open it by: live all the time. */
  async supervisedCameras(): Promise<SupervisedCameraSource[]> {
    return this.supervisedSources(and(eq(cameras.supervision, true), eq(cameras.enabled, true)));
  }

  /** One camera as supervision runs it, or null when it is not (any longer) to be supervised. */
  async supervisedCamera(cameraId: string): Promise<SupervisedCameraSource | null> {
    const [camera] = await this.supervisedSources(and(eq(cameras.id, cameraId), eq(cameras.supervision, true), eq(cameras.enabled, true)));
    return camera ?? null;
  }

  private async supervisedSources(where: SQL | undefined): Promise<SupervisedCameraSource[]> {
    const rows = await this.deps.db
      .select({ camera: cameras, portId: sites.portId, timeZone: ports.timeZone })
      .from(cameras)
      .innerJoin(sites, eq(sites.id, cameras.siteId))
      .leftJoin(ports, eq(ports.id, sites.portId))
      .where(where);
    return rows.map(({ camera: c, portId, timeZone }) => ({
      id: c.id,
      name: c.name,
      siteId: c.siteId,
      portId,
      analysis: c.analysis,
      recording: c.recording,
      liveView: c.liveView,
      schedule: c.schedule,
      timeZone: timeZone ?? DEFAULT_TIME_ZONE,
      ...this.liveSources(c),
    }));
  }

  /** The URLs ffmpeg opens for a camera's main stream and sub-stream, passwords put back (never shown or logged). */
  private liveSources(c: typeof cameras.$inferSelect) {
    return {
      liveSourceUrl: this.liveSourceUrl(c),
      liveSubSourceUrl: c.subSourceUrl === null ? null : this.liveSourceUrl({ sourceUrl: c.subSourceUrl, sourcePassword: c.subSourcePassword }),
      rtspTransport: c.rtspTransport,
    };
  }

  /** The URL ffmpeg opens for a camera: its stored URL with the password put back (never shown or logged). */
  liveSourceUrl(camera: { sourceUrl: string; sourcePassword: string | null }): string {
    return withPassword(camera.sourceUrl, camera.sourcePassword === null ? null : this.deps.secrets.open(camera.sourcePassword));
  }

  /**
   * Cameras registered before passwords were kept apart still carry them in their URL: moved out and
   * encrypted (at start-up; a no-op once done). Returns how many were moved.
   */
  async sealCameraPasswords(): Promise<number> {
    const rows = await this.deps.db.select({ id: cameras.id, sourceUrl: cameras.sourceUrl }).from(cameras).where(isNull(cameras.sourcePassword));
    let moved = 0;
    for (const row of rows) {
      const { sourceUrl, password } = splitPassword(row.sourceUrl);
      if (password === null) continue;
      await this.deps.db
        .update(cameras)
        .set({ sourceUrl, sourcePassword: this.deps.secrets.seal(password) })
        .where(eq(cameras.id, row.id));
      moved += 1;
    }
    return moved;
  }

  async listVehicles(actor: Principal) {
    requireRole(actor, 'admin', 'supervisor');
    return this.deps.db.select().from(vehicles).orderBy(asc(vehicles.plate)).limit(LIST_LIMIT);
  }

  private async requireExists(db: DbOrTx, id: string | null | undefined, table: typeof enterprises | typeof ports | typeof sites, what: string) {
    if (!id) return;
    const [row] = await db.select({ id: table.id }).from(table).where(eq(table.id, id));
    if (!row) throw new AppError('bad_request', `${what} ${id} does not exist`, { reason: 'reference_missing' });
  }

  /** Inserts a row, turning a unique violation into a 409, and audits it. */
  private async insertUnique<T extends typeof ports | typeof enterprises | typeof sites | typeof cameras | typeof vehicles>(
    actor: Principal | null,
    table: T,
    values: T['$inferInsert'],
    entityType: string,
    conflict: AppError,
    audited: Record<string, unknown> = values as Record<string, unknown>,
  ): Promise<T['$inferSelect']> {
    try {
      return await this.deps.db.transaction(async (tx) => {
        const [row] = (await tx
          .insert(table)
          .values(values as never)
          .returning()) as Array<T['$inferSelect'] & { id: string }>;
        await this.audit(tx, actor, `${entityType}.create`, entityType, row!.id, audited);
        return row!;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict;
      throw err;
    }
  }

  private audit(tx: DbOrTx, actor: Principal | null, action: string, entityType: string, entityId: string, details: Record<string, unknown>) {
    return appendAudit(tx, { actorId: actor?.userId ?? null, action, entityType, entityId, details });
  }
}
