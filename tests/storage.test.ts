/**
 * Supervised cameras' footage and the disk: the footage retention deletes what is past its age oldest first,
 * a full disk deletes the oldest footage of any camera until it is back under the mark, a hold keeps the
 * footage it spans through both, review says "deleted" (and why) for a moment whose footage went, and the
 * administrators are told once per episode of a full disk. Bad holds change nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, cameraFootage, notifications } from '../server/db/schema.ts';
import { StorageGuard, type DiskUsage } from '../server/jobs/storage-guard.ts';
import { createLogger } from '../server/logger.ts';
import { servicesWithWorld, type ServiceWorld } from './support/services.ts';
import { ffprobe, startFfmpeg } from '../media/index.ts';

const NOW = new Date('2026-12-02T12:00:00Z');
const DAY = 86_400_000;
const SEGMENT_BYTES = 1000;

let sw: ServiceWorld;
let dataDir: string;
let pen: string;
let gate: string;
let evidence: string;

/** A recorded segment of `cameraId` that started `daysAgo` days before now, with its file on disk. */
async function segment(cameraId: string, daysAgo: number, seq: number) {
  const file = path.join(dataDir, 'cameras', cameraId, 'run', `${String(seq).padStart(6, '0')}.mkv`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.alloc(SEGMENT_BYTES, seq));
  await sw.services.footage.addSegment(cameraId, 'run', {
    seq,
    path: file,
    startedAt: new Date(NOW.getTime() - daysAgo * DAY),
    durationMs: 10_000,
    sizeBytes: SEGMENT_BYTES,
    sha256: 'a'.repeat(64),
    gapBeforeMs: 0,
  });
  return file;
}
const kept = async (cameraId: string) => (await sw.database.db.select().from(cameraFootage).where(eq(cameraFootage.cameraId, cameraId))).map((r) => r.seq).sort((a, b) => a - b);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-storage-'));
  sw = await servicesWithWorld({ clock: () => NOW, dataDir });
  const { services, principals, world } = sw;
  const siteId = (await services.admin.createSite(principals.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Farm A', kind: 'farm' })).id;
  pen = (await services.admin.createCamera(principals.admin, { siteId, name: 'Pen 1', sourceUrl: 'udp://127.0.0.1:9' })).id;
  gate = (await services.admin.createCamera(principals.admin, { siteId, name: 'Gate', sourceUrl: 'udp://127.0.0.1:11' })).id;
  // Sealed evidence lives beside the footage under the data dir: nothing here may touch it.
  evidence = path.join(dataDir, 'sessions', 'sealed', 'recording.webm');
  fs.mkdirSync(path.dirname(evidence), { recursive: true });
  fs.writeFileSync(evidence, 'sealed');
});

afterAll(async () => {
  await sw?.database.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('footage and the disk', () => {
  it('holds footage only for those who may review the farm, with a span that makes sense', async () => {
    const { footage } = sw.services;
    const { principals } = sw;
    const span = { from: new Date(NOW.getTime() - 9 * DAY - 60_000), to: new Date(NOW.getTime() - 9 * DAY + 60_000) };
    await expect(footage.hold(principals.entA, pen, span, 'complaint')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(footage.hold(principals.officerOtherPort, pen, span, 'complaint')).rejects.toMatchObject({ code: 'not_found' });
    await expect(footage.hold(principals.officer1, pen, { from: span.to, to: span.from }, 'backwards')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(footage.hold(principals.officer1, pen, { from: span.from, to: new Date(span.from.getTime() + 40 * DAY) }, 'too long')).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await footage.holds(principals.officer1)).toEqual([]);
  });

  it('deletes footage past its age oldest first, keeping what a hold spans, and says so at review', async () => {
    const { footage } = sw.services;
    const { principals } = sw;
    const files = { old: await segment(pen, 10, 1), held: await segment(pen, 9, 2), recent: await segment(pen, 2, 3) };
    const hold = await footage.hold(principals.officer1, pen, { from: new Date(NOW.getTime() - 9 * DAY - 60_000), to: new Date(NOW.getTime() - 9 * DAY + 60_000) }, 'Investigation 12');
    expect(await footage.holds(principals.officer1)).toEqual([expect.objectContaining({ id: hold.id, camera: 'Pen 1', site: 'Farm A', reason: 'Investigation 12' })]);
    expect(await footage.holds(principals.officerOtherPort)).toEqual([]);

    expect(await footage.expire(7)).toEqual({ segments: 1, bytes: SEGMENT_BYTES });
    expect(await kept(pen)).toEqual([2, 3]);
    expect([fs.existsSync(files.old), fs.existsSync(files.held), fs.existsSync(files.recent)]).toEqual([false, true, true]);
    // Review of that moment: deleted by the retention, not "never recorded".
    expect(await footage.at(principals.officer1, pen, new Date(NOW.getTime() - 10 * DAY + 5000))).toEqual({ deleted: { reason: 'retention', deletedAt: NOW.toISOString() } });
    expect(await footage.at(principals.officer1, pen, new Date(NOW.getTime() - 9 * DAY + 5000))).toMatchObject({ offsetMs: 5000 });

    // Released, the held footage is past its age like any other.
    await footage.releaseHold(principals.officer1, hold.id);
    await expect(footage.releaseHold(principals.officer1, hold.id)).rejects.toMatchObject({ code: 'conflict' });
    expect(await footage.expire(7)).toEqual({ segments: 1, bytes: SEGMENT_BYTES });
    expect(await kept(pen)).toEqual([3]);
    const audited = await sw.database.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.entityId, pen));
    expect(audited.map((a) => a.action)).toEqual(expect.arrayContaining(['footage.hold', 'footage.hold_release', 'retention.footage_delete']));
  });

  it('frees a full disk from the oldest footage of any camera, never a hold or sealed evidence, and tells the admins once', async () => {
    const { footage } = sw.services;
    const { principals } = sw;
    // Pen: segment 3 (2 days old); gate: 4 segments from 5 to 1 days old, the one of 4 days on hold.
    for (const [seq, daysAgo] of [
      [11, 5],
      [12, 4],
      [13, 3],
      [14, 1],
    ] as const)
      await segment(gate, daysAgo, seq);
    await footage.hold(principals.supervisor, gate, { from: new Date(NOW.getTime() - 4 * DAY), to: new Date(NOW.getTime() - 4 * DAY + 1000) }, 'Complaint 7');
    // A disk of 20 kB, the mark at 90 % (18 kB): with 18.5 kB used, down to 85 % means 1.5 kB to free.
    let used = 18_500;
    const disk = (): DiskUsage => ({ totalBytes: 20_000, freeBytes: 20_000 - used });
    const told: Array<{ userIds: string[]; kind: string }> = [];
    const guard = new StorageGuard({
      db: sw.database.db,
      footage: {
        freeSpace: async (bytes) => {
          const freed = await footage.freeSpace(bytes);
          used -= freed.bytes;
          return freed;
        },
      },
      disk,
      maxUsedPercent: 90,
      notify: (userIds, n) => told.push({ userIds, kind: n.kind }),
      logger: createLogger('silent'),
      clock: () => NOW,
    });
    const state = await guard.check();
    // The two oldest, whatever their camera, the held one skipped: gate's of 5 and 3 days.
    expect(await kept(gate)).toEqual([12, 14]);
    expect(await kept(pen)).toEqual([3]);
    expect(state).toMatchObject({ usedPercent: 82.5, pressureSince: NOW.toISOString(), lastFreed: { segments: 2, bytes: 2 * SEGMENT_BYTES } });
    expect(fs.readFileSync(evidence, 'utf8')).toBe('sealed');
    expect(await footage.at(principals.officer1, gate, new Date(NOW.getTime() - 5 * DAY + 1000))).toMatchObject({ deleted: { reason: 'disk_pressure' } });
    // The admins are told (kept and pushed), once for the episode.
    expect(told).toEqual([{ userIds: [sw.world.users.admin.id], kind: 'storage.pressure' }]);
    const kept1 = await sw.database.db.select().from(notifications).where(eq(notifications.kind, 'storage.pressure'));
    expect(kept1.map((n) => n.payload)).toEqual([expect.objectContaining({ usedPercent: 92.5, usedPercentAfter: 82.5, segmentsDeleted: 2 })]);
    // Under the mark: the episode is over. Full again, and all that may go is not enough: told again.
    expect((await guard.check()).pressureSince).toBeNull();
    used = 20_000;
    const full = await guard.check();
    expect(full.lastFreed).toMatchObject({ segments: 2, bytes: 2 * SEGMENT_BYTES });
    expect(await kept(gate)).toEqual([12]);
    expect(await kept(pen)).toEqual([]);
    expect(told).toHaveLength(2);
    used = 19_500;
    await guard.check();
    expect(told).toHaveLength(3);
  });

  it('with the footage in a bucket, deletes nothing for a full disk and tells the admins', async () => {
    const told: string[] = [];
    const guard = new StorageGuard({
      db: sw.database.db,
      footage: null,
      disk: () => ({ totalBytes: 20_000, freeBytes: 500 }),
      maxUsedPercent: 90,
      notify: (_userIds, n) => told.push(n.kind),
      logger: createLogger('silent'),
      clock: () => NOW,
    });
    const before = await sw.database.db.select().from(cameraFootage);
    expect(await guard.check()).toMatchObject({ usedPercent: 97.5, pressureSince: NOW.toISOString(), lastFreed: { segments: 0, bytes: 0 } });
    expect(await sw.database.db.select().from(cameraFootage)).toEqual(before);
    expect(told).toEqual(['storage.pressure']);
  });

  it('keeps only the minutes around alarms of a camera recording events only', async () => {
    const { footage, alarms, admin } = sw.services;
    const { principals } = sw;
    const yard = (await admin.createCamera(principals.admin, { siteId: (await admin.listSites(principals.admin))[0]!.id, name: 'Yard', sourceUrl: 'udp://127.0.0.1:13', recording: 'events' })).id;
    const MIN = 60_000;
    // Segments of 10 s at 10, 7 and 5 minutes ago, and one just now (still in the buffer).
    const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * MIN);
    for (const [seq, minutesAgo] of [
      [21, 10],
      [22, 7],
      [23, 5],
      [24, 0.5],
    ] as const) {
      const file = path.join(dataDir, 'cameras', yard, 'run', `${seq}.mkv`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, Buffer.alloc(SEGMENT_BYTES));
      await footage.addSegment(yard, 'run', { seq, path: file, startedAt: at(minutesAgo), durationMs: 10_000, sizeBytes: SEGMENT_BYTES, sha256: 'b'.repeat(64), gapBeforeMs: 0 });
    }
    // An alarm 7 minutes ago: its segment is kept, the others past the buffer go.
    await alarms.raise(
      { rule: 'camera_frozen', details: {}, frameAt: new Date(at(7).getTime() + 3000), dedupeKey: 'frozen:yard' },
      { sessionId: null, siteId: (await admin.listSites(principals.admin))[0]!.id, cameraId: yard },
    );
    expect(await footage.keepOnlyEvents(yard, at(2), 60_000)).toBe(2);
    expect(await kept(yard)).toEqual([22, 24]);
    expect(await footage.at(principals.officer1, yard, new Date(at(10).getTime() + 5000))).toMatchObject({ deleted: { reason: 'events_only' } });
    expect(await footage.keepOnlyEvents(yard, at(2), 60_000)).toBe(0);
  });

  it('shows the footage kept per camera', async () => {
    const usage = await sw.services.footage.usage();
    expect(usage.map((u) => [u.camera, u.site, u.segments, u.bytes])).toEqual([
      ['Gate', 'Farm A', 1, SEGMENT_BYTES],
      ['Pen 1', 'Farm A', 0, 0],
      ['Yard', 'Farm A', 2, 2 * SEGMENT_BYTES],
    ]);
  });

  it('cuts an alarm clip from the first segment still there when an earlier one is gone', async () => {
    const { services, principals } = sw;
    const siteId = (await services.admin.listSites(principals.admin)).find((x) => x.name === 'Farm A')!.id;
    const barn = (await services.admin.createCamera(principals.admin, { siteId, name: 'Barn', sourceUrl: 'udp://127.0.0.1:13' })).id;
    // Two 4 s segments, every frame a keyframe, whose brightness rises with the time into the segment.
    const startOf = (seq: number) => new Date(NOW.getTime() - 60_000 + seq * 4000);
    const files: string[] = [];
    for (const seq of [0, 1]) {
      const file = path.join(dataDir, 'cameras', barn, 'run', `${String(seq).padStart(6, '0')}.mkv`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const made = startFfmpeg([
        '-y',
        '-f',
        'lavfi',
        '-i',
        "color=c=black:s=64x64:r=10,format=yuv420p,geq=lum='8+T*55':cb=128:cr=128",
        '-t',
        '4',
        '-c:v',
        'libx264',
        '-g',
        '1',
        '-pix_fmt',
        'yuv420p',
        file,
      ]);
      expect((await made.exited).code).toBe(0);
      await services.footage.addSegment(barn, 'run', { seq, path: file, startedAt: startOf(seq), durationMs: 4000, sizeBytes: fs.statSync(file).size, sha256: 'c'.repeat(64), gapBeforeMs: 0 });
      files.push(file);
    }
    fs.rmSync(files[0]!); // the first segment went (a full disk) after the alarm's clip was asked for
    // From 2 s before the second segment to 2 s into it: the clip is the second segment's first 2 s.
    const clip = await services.footage.clip(barn, new Date(startOf(1).getTime() + 1000), { beforeMs: 3000, afterMs: 1000 }, 'sites/clips/barn');
    expect(clip).not.toBeNull();
    const firstFrame = startFfmpeg(['-i', path.join(dataDir, clip!.path), '-frames:v', '1', '-vf', 'scale=1:1', '-pix_fmt', 'gray', '-f', 'rawvideo', 'pipe:1'], { stdout: 'pipe' });
    const bytes: Buffer[] = [];
    firstFrame.child.stdout!.on('data', (b: Buffer) => bytes.push(b));
    await firstFrame.exited;
    // Its first picture is the segment's start (dark), not 2 s into it (the offset taken from the missing one).
    expect(Buffer.concat(bytes)[0]).toBeLessThan(40);
    expect((await ffprobe(path.join(dataDir, clip!.path))).durationMs).toBeGreaterThan(1500);
    expect((await ffprobe(path.join(dataDir, clip!.path))).durationMs).toBeLessThan(2500);
  });
});
