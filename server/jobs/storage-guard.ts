/**
 * Keeps this node's disk from filling: every minute it looks at the data directory's file system, and past
 * `maxUsedPercent` it deletes the oldest continuous footage no hold keeps until the disk is back under the
 * mark (less a margin, so it does not run again at once). Sealed evidence (sessions' recordings, loading
 * records, alarms' frames and clips) is never footage and never deleted here. The administrators are told
 * once per episode: a notification each, pushed live and kept.
 */
import fs from 'node:fs';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { users } from '../db/schema.ts';
import { storeNotifications } from '../services/recipients.ts';
import type { Logger } from '../logger.ts';
import type { CameraFootageService } from '../services/camera-footage.service.ts';

export interface DiskUsage {
  totalBytes: number;
  freeBytes: number;
}

/** What the file system holding `dir` has, as statfs says (the space an unprivileged process may use). */
export const diskUsageOf = (dir: string) => (): DiskUsage => {
  const s = fs.statfsSync(dir);
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
};

/** Deleting stops this far under the mark: one pass frees room for a while. */
const MARGIN_PERCENT = 5;

export interface StorageState extends DiskUsage {
  usedPercent: number;
  maxUsedPercent: number;
  /** Since when the disk has been over the mark (null: it is not). */
  pressureSince: string | null;
  lastFreed: { at: string; segments: number; bytes: number } | null;
}

export class StorageGuard {
  private timer?: NodeJS.Timeout;
  private pressureSince: Date | null = null;
  private lastFreed: StorageState['lastFreed'] = null;
  private running: Promise<StorageState> | null = null;

  constructor(
    private readonly deps: {
      db: Db;
      /** Footage to delete under pressure; null when it is kept in a bucket, not on this disk (the admins are told, nothing is deleted). */
      footage: Pick<CameraFootageService, 'freeSpace'> | null;
      disk: () => DiskUsage;
      maxUsedPercent: number;
      notify: (userIds: string[], notification: { kind: string; payload: Record<string, unknown> }) => void;
      logger: Logger;
      intervalMs?: number;
      clock?: () => Date;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check().catch((err) => this.deps.logger.error({ err }, 'storage check failed')), this.deps.intervalMs ?? 60_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  state(): StorageState {
    const disk = this.deps.disk();
    return { ...disk, usedPercent: usedPercent(disk), maxUsedPercent: this.deps.maxUsedPercent, pressureSince: this.pressureSince?.toISOString() ?? null, lastFreed: this.lastFreed };
  }

  /** One look (and, over the mark, one deletion pass); concurrent calls share the pass under way. */
  check(): Promise<StorageState> {
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<StorageState> {
    const { maxUsedPercent, logger } = this.deps;
    const disk = this.deps.disk();
    if (usedPercent(disk) <= maxUsedPercent) {
      if (this.pressureSince) logger.info({ usedPercent: usedPercent(disk) }, 'disk pressure over');
      this.pressureSince = null;
      return this.state();
    }
    const now = this.deps.clock?.() ?? new Date();
    const firstOfEpisode = this.pressureSince === null;
    this.pressureSince ??= now;
    const used = disk.totalBytes - disk.freeBytes;
    const target = used - (disk.totalBytes * (maxUsedPercent - MARGIN_PERCENT)) / 100;
    const freed = this.deps.footage ? await this.deps.footage.freeSpace(target) : { segments: 0, bytes: 0 };
    this.lastFreed = { at: now.toISOString(), ...freed };
    const after = this.deps.disk();
    const payload = { usedPercent: round(usedPercent(disk)), usedPercentAfter: round(usedPercent(after)), maxUsedPercent, segmentsDeleted: freed.segments, bytesDeleted: freed.bytes };
    logger.error(
      payload,
      !this.deps.footage
        ? 'disk pressure: the footage is in the bucket, nothing here may be deleted'
        : freed.bytes < target
          ? 'disk full: deleted all the footage that may go, and it is not enough'
          : 'disk pressure: deleted the oldest camera footage',
    );
    if (firstOfEpisode || freed.bytes < target) await this.tellAdmins(payload);
    return this.state();
  }

  private async tellAdmins(payload: Record<string, unknown>): Promise<void> {
    const admins = (
      await this.deps.db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.role, 'admin'), eq(users.active, true)))
    ).map((u) => u.id);
    if (admins.length === 0) return;
    await storeNotifications(this.deps.db, admins, 'storage.pressure', payload);
    this.deps.notify(admins, { kind: 'storage.pressure', payload });
  }
}

const usedPercent = (d: DiskUsage) => (d.totalBytes === 0 ? 0 : ((d.totalBytes - d.freeBytes) / d.totalBytes) * 100);
const round = (n: number) => Math.round(n * 10) / 10;
