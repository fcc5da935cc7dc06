/**
 * The installed model versions and which one counts (models/versions.json for the cards; the choice is
 * kept in model_settings, so it holds across restarts). Switching is audited and announced: the inference
 * pool counts with the new version from its workers' next job, without a restart.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { modelSettings } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { countModelVersions, OCR_MODEL_VERSION, type ModelCard } from '../../inference/index.ts';
import { countModelFile } from '../../inference/model-versions.ts';
import { requireRole, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import type { DomainEvents } from './domain-events.ts';

export class ModelVersionService {
  constructor(private readonly deps: { db: Db; events: DomainEvents }) {}

  /** The counting model's versions with their cards and the active one; the text reader's version. */
  async list(p: Principal): Promise<{ count: { active: string; default: string; versions: ModelCard[] }; text: string }> {
    requireRole(p, 'admin', 'supervisor');
    const { versions, default: fallback } = countModelVersions();
    return { count: { active: await this.activeCountModel(), default: fallback, versions }, text: OCR_MODEL_VERSION };
  }

  /** The version that counts now (a setting naming a version no longer installed falls back to the default). */
  async activeCountModel(): Promise<string> {
    const [row] = await this.deps.db.select().from(modelSettings).where(eq(modelSettings.task, 'count'));
    const { versions, default: fallback } = countModelVersions();
    return row && versions.some((v) => v.id === row.version) ? row.version : fallback;
  }

  /** Makes `version` the counting model (or rolls back to an earlier one). */
  async activate(p: Principal, version: string): Promise<{ active: string }> {
    requireRole(p, 'admin');
    if (!countModelVersions().versions.some((v) => v.id === version)) throw notFound('Model version');
    try {
      countModelFile(version);
    } catch (err) {
      throw new AppError('conflict', (err as Error).message, { reason: 'model_file_changed' });
    }
    const previous = await this.activeCountModel();
    await this.deps.db.transaction(async (tx) => {
      await tx
        .insert(modelSettings)
        .values({ task: 'count', version, changedBy: p.userId, changedAt: new Date() })
        .onConflictDoUpdate({ target: modelSettings.task, set: { version, changedBy: p.userId, changedAt: new Date() } });
      await appendAudit(tx, { actorId: p.userId, action: 'model.activate', entityType: 'model', entityId: 'count', details: { version, previous } });
    });
    this.deps.events.emit('model.changed', { task: 'count', version });
    return { active: version };
  }
}
