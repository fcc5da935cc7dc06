/**
 * A port's own licence plate formats (contract: server/contracts/plate-formats.ts). Administrators add and
 * delete them; the live layer reads a farm's formats (its port's own, then every port's, then the built-in
 * ones) and reads them again when `version` moves, so a new format applies without a restart.
 */
import { asc, count, eq, isNull, or } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { plateFormats, ports, sites } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { BUILTIN_PLATE_FORMATS, type PlateFormatSpec } from '../../inference/index.ts';
import { MAX_PLATE_FORMATS, type PlateFormatInput, type PlateFormatView } from '../contracts/plate-formats.ts';
import { requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';

const toView = ({ createdBy: _by, ...row }: typeof plateFormats.$inferSelect): PlateFormatView => row;

export class PlateFormatService {
  /** Moves on every change: a reader holding formats read at another version reads them again. */
  private changes = 0;

  constructor(private readonly deps: { db: Db }) {}

  get version(): number {
    return this.changes;
  }

  /** Every port's own formats, with the built-in ones (for the administrators' list). */
  async list(p: Principal): Promise<{ formats: PlateFormatView[]; builtIn: readonly PlateFormatSpec[] }> {
    requireRole(p, 'admin', 'supervisor');
    const rows = await this.deps.db.select().from(plateFormats).orderBy(asc(plateFormats.createdAt)).limit(MAX_PLATE_FORMATS);
    return { formats: rows.map(toView), builtIn: BUILTIN_PLATE_FORMATS };
  }

  async create(p: Principal, input: PlateFormatInput): Promise<PlateFormatView> {
    requireRole(p, 'admin');
    const created = await this.deps.db.transaction(async (tx) => {
      if (input.portId) {
        const [port] = await tx.select({ id: ports.id }).from(ports).where(eq(ports.id, input.portId));
        if (!port) throw notFound('Port');
      }
      const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(plateFormats);
      if (n >= MAX_PLATE_FORMATS) throw new AppError('conflict', `At most ${MAX_PLATE_FORMATS} plate formats`, { reason: 'too_many_plate_formats', params: { max: MAX_PLATE_FORMATS } });
      const [row] = await tx
        .insert(plateFormats)
        .values({ ...input, createdBy: p.userId })
        .returning();
      await appendAudit(tx, { actorId: p.userId, action: 'plate_format.create', entityType: 'plate_format', entityId: row!.id, details: { ...input } });
      return toView(row!);
    });
    this.changes++;
    return created;
  }

  async remove(p: Principal, id: string): Promise<void> {
    requireRole(p, 'admin');
    await this.deps.db.transaction(async (tx) => {
      const [row] = await tx.delete(plateFormats).where(eq(plateFormats.id, id)).returning();
      if (!row) throw notFound('Plate format');
      await appendAudit(tx, { actorId: p.userId, action: 'plate_format.delete', entityType: 'plate_format', entityId: id, details: { name: row.name, pattern: row.pattern } });
    });
    this.changes++;
  }

  /** The formats a farm's plates are read with, in order of preference (no access check: the live layer's reading). */
  async forSite(siteId: string): Promise<PlateFormatSpec[]> {
    const [site] = await this.deps.db.select({ portId: sites.portId }).from(sites).where(eq(sites.id, siteId));
    const own = await this.deps.db
      .select()
      .from(plateFormats)
      .where(site?.portId ? or(eq(plateFormats.portId, site.portId), isNull(plateFormats.portId)) : isNull(plateFormats.portId))
      .orderBy(asc(plateFormats.createdAt))
      .limit(MAX_PLATE_FORMATS);
    // The port's own before every port's: the most particular first.
    const ranked = [...own.filter((f) => f.portId !== null), ...own.filter((f) => f.portId === null)];
    return [...ranked.map((f) => ({ name: f.name, pattern: f.pattern, correctAnywhere: f.correctAnywhere })), ...BUILTIN_PLATE_FORMATS];
  }
}
