import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesWithWorld, type ServiceWorld } from '../../tests/support/services.ts';
import { testClock } from '../../tests/support/platform.ts';
import type { UserKey, World } from '../../tests/support/world.ts';
import { auditLog, recordings, recordingSegments, type InspectionType } from '../db/schema.ts';
import type { AppError } from '../errors.ts';
import type { Principal } from './access.ts';
import type { Services } from './index.ts';

const DAY = 86_400_000;
const clock = testClock(new Date('2026-01-05T08:00:00Z'));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-retention-'));
let database: ServiceWorld['database'];
let services: Services;
let world: World;
let principals: Record<UserKey, Principal>;

beforeAll(async () => {
  ({ database, services, world, principals } = await servicesWithWorld({ clock: clock.fn, dataDir, sessionTtlMs: 3650 * DAY }));
});
afterAll(async () => {
  await database.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

let hour = 0;
/** A completed session of the given type, ended at the current clock time, with one recording on disk. */
async function recordedSession(type: InspectionType) {
  const b = services.bookings;
  const slotStart = new Date(clock.now().getTime() + (1 + hour++) * 3_600_000);
  const booking = await b.request(principals.entA, { declarationId: world.declarations.a, type, slotStart, slotEnd: new Date(slotStart.getTime() + 3_600_000) });
  await b.confirm(principals.officer1, booking.id);
  const saved = clock.now();
  clock.set(slotStart);
  const sessionId = (await b.start(principals.officer1, booking.id)).sessionId!;
  await b.complete(principals.officer1, booking.id);
  clock.set(saved);
  const recordingId = await services.inspections.createRecording(sessionId, 'peer:x:camera', 'video');
  const dir = path.join('sessions', sessionId, 'recordings', recordingId);
  fs.mkdirSync(path.join(dataDir, dir), { recursive: true });
  const files = ['recording.mp4', 'recording.poster.jpg', 'segment-00000.mkv'].map((f) => path.join(dir, f));
  for (const f of files) fs.writeFileSync(path.join(dataDir, f), f);
  await services.inspections.addSegment(recordingId, { seq: 0, path: files[2]!, startedAt: slotStart, durationMs: 10_000, sizeBytes: 10, sha256: 'a'.repeat(64), gapBeforeMs: 0 });
  await services.inspections.recordingFinalised(recordingId, { path: files[0]!, posterPath: files[1]!, durationMs: 10_000, sizeBytes: 10, sha256: 'b'.repeat(64) });
  return { sessionId, recordingId, files };
}

const exists = (files: string[]) => files.map((f) => fs.existsSync(path.join(dataDir, f)));

describe('retention', () => {
  it('deletes exactly the expired recordings that are not under legal hold, and audits each deletion', async () => {
    // Label rectification is kept 30 days, routine supervision a year; pre-export sampling has no policy.
    await services.retention.setPolicy(principals.admin, 'label_rectification', 30);
    await services.retention.setPolicy(principals.admin, 'routine_supervision', 365);
    const expired = await recordedSession('label_rectification');
    const held = await recordedSession('label_rectification');
    const keptLonger = await recordedSession('routine_supervision');
    const noPolicy = await recordedSession('pre_export_sampling');
    await services.retention.setLegalHold(principals.supervisor, held.sessionId, true, 'dispute with the importer');
    clock.advance(20 * DAY);
    const recent = await recordedSession('label_rectification');

    expect(await services.archive.sealIfComplete(expired.sessionId)).toBe(true);

    clock.advance(15 * DAY); // the first four ended 35 days ago, the last one 15 days ago
    const run = await services.retention.run();
    expect(run.deleted.map((d) => d.recordingId)).toEqual([expired.recordingId]);
    expect(run.keptOnHold).toBe(1);
    expect(exists(expired.files)).toEqual([false, false, false]);
    for (const kept of [held, keptLonger, noPolicy, recent]) expect(exists(kept.files)).toEqual([true, true, true]);

    const [row] = await database.db.select().from(recordings).where(eq(recordings.id, expired.recordingId));
    expect(row).toMatchObject({ status: 'deleted', sha256: 'b'.repeat(64) });
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.action, 'retention.delete'));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ entityId: expired.recordingId, details: { sessionId: expired.sessionId, keepDays: 30 } });
    expect(await database.db.select().from(recordingSegments).where(eq(recordingSegments.recordingId, expired.recordingId))).toHaveLength(1);
    // The sealed session still verifies: its deleted files are reported as retention's, not as tampering.
    const report = await services.archive.verify(null, expired.sessionId);
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(report.deletedByRetention.sort()).toEqual([expired.files[0], expired.files[1]].sort());

    // A second pass finds nothing more; releasing the hold lets the next pass delete it.
    expect((await services.retention.run()).deleted).toEqual([]);
    await services.retention.setLegalHold(principals.supervisor, held.sessionId, false, 'dispute settled');
    expect((await services.retention.run()).deleted.map((d) => d.recordingId)).toEqual([held.recordingId]);
  });

  it('lets only administrators set policies and only supervisors or administrators hold', async () => {
    const refused = await services.retention.setPolicy(principals.entA, 'label_rectification', 1).catch((e: AppError) => e.code);
    expect(refused).toBe('forbidden');
    const notHeld = await services.retention.setLegalHold(principals.officer1, '00000000-0000-4000-8000-000000000000', true, 'x').catch((e: AppError) => e.code);
    expect(notHeld).toBe('forbidden');
  });
});
