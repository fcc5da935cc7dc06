/**
 * Zones drawn over a camera's picture (the contract: server/contracts/zones.ts). Administrators draw and
 * delete them; whoever may watch the camera's farm (its port's officers, supervisors) sees them drawn over
 * it. A change is announced as the camera's: its analysis takes the new zones at once.
 */
import { and, asc, count, eq } from 'drizzle-orm';
import { isUniqueViolation, type Db } from '../db/database.ts';
import { cameras, cameraZones, sites } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { MAX_ZONES_PER_CAMERA, type CameraZone, type ZoneInput, type ZoneKind } from '../contracts/zones.ts';
import { mayReviewFarmAlarms, requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import type { DomainEvents } from './domain-events.ts';

const toZone = (row: typeof cameraZones.$inferSelect): CameraZone => ({ id: row.id, cameraId: row.cameraId, name: row.name, kind: row.kind as ZoneKind, polygon: row.polygon });

export class CameraZoneService {
  constructor(private readonly deps: { db: Db; events: DomainEvents }) {}

  /** The camera's zones, for those who may watch its farm. */
  async list(p: Principal, cameraId: string): Promise<CameraZone[]> {
    requireRole(p, 'admin', 'supervisor', 'officer');
    const [camera] = await this.deps.db.select({ portId: sites.portId }).from(cameras).innerJoin(sites, eq(sites.id, cameras.siteId)).where(eq(cameras.id, cameraId));
    if (!camera || !mayReviewFarmAlarms(p, camera)) throw notFound('Camera');
    return this.zonesOf(cameraId);
  }

  /** What analysis applies (no access check: the live layer's own reading). */
  async zonesOf(cameraId: string): Promise<CameraZone[]> {
    const rows = await this.deps.db.select().from(cameraZones).where(eq(cameraZones.cameraId, cameraId)).orderBy(asc(cameraZones.createdAt)).limit(MAX_ZONES_PER_CAMERA);
    return rows.map(toZone);
  }

  async create(p: Principal, cameraId: string, input: ZoneInput): Promise<CameraZone> {
    requireRole(p, 'admin');
    const { db } = this.deps;
    try {
      const zone = await db.transaction(async (tx) => {
        const [camera] = await tx.select({ id: cameras.id }).from(cameras).where(eq(cameras.id, cameraId));
        if (!camera) throw notFound('Camera');
        const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(cameraZones).where(eq(cameraZones.cameraId, cameraId));
        if (n >= MAX_ZONES_PER_CAMERA) throw new AppError('conflict', `A camera has at most ${MAX_ZONES_PER_CAMERA} zones`, { reason: 'too_many_zones', params: { max: MAX_ZONES_PER_CAMERA } });
        const [row] = await tx
          .insert(cameraZones)
          .values({ cameraId, ...input })
          .returning();
        await appendAudit(tx, {
          actorId: p.userId,
          action: 'camera.zone_add',
          entityType: 'camera',
          entityId: cameraId,
          details: { zoneId: row!.id, name: input.name, kind: input.kind, polygon: input.polygon },
        });
        return toZone(row!);
      });
      this.deps.events.emit('camera.changed', { cameraId });
      return zone;
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `The camera has a zone named ${input.name} already`, { reason: 'name_taken', params: { name: input.name } });
      throw err;
    }
  }

  async remove(p: Principal, cameraId: string, zoneId: string): Promise<void> {
    requireRole(p, 'admin');
    await this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .delete(cameraZones)
        .where(and(eq(cameraZones.id, zoneId), eq(cameraZones.cameraId, cameraId)))
        .returning();
      if (!row) throw notFound('Zone');
      await appendAudit(tx, { actorId: p.userId, action: 'camera.zone_delete', entityType: 'camera', entityId: cameraId, details: { zoneId, name: row.name, kind: row.kind } });
    });
    this.deps.events.emit('camera.changed', { cameraId });
  }
}
