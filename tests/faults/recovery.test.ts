/**
 * Faults that stop the platform or its Redis in the middle of work (issue 17): what was written before
 * the fault is kept, and the work goes on or is recovered.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { hashFile, startFfmpeg } from '../../media/index.ts';
import { segmentFileName } from '../../media/recorder.ts';
import { recordingFolder } from '../../server/archive/evidence-paths.ts';
import { HEARTBEAT_MS, NODE_TTL_MS, NodeRegistry } from '../../server/cluster/node-registry.ts';
import { recordingSegments, recordings } from '../../server/db/schema.ts';
import { startLocalRedis } from '../../server/infra/local-redis.ts';
import { redisConnectionOptions } from '../../server/infra/redis.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { waitFor } from '../support/wait.ts';
import { createWorld, PASSWORD, startLiveInspection } from '../support/world.ts';

const stopLater: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const stop of stopLater.reverse()) await stop().catch(() => {});
});

/** A few seconds of test pattern in a Matroska segment, as the recorder writes them. */
async function writeSegment(file: string, seconds: number) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const ffmpeg = startFfmpeg(['-y', '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=25:duration=${seconds}`, '-c:v', 'libvpx', '-b:v', '300k', '-deadline', 'realtime', '-f', 'matroska', file]);
  const { code } = await ffmpeg.exited;
  if (code !== 0) throw new Error(`ffmpeg could not write ${file}`);
}

/** A platform with an inspection of live pigs under way (declaration `number`), and who takes part in it. */
async function platformWithLiveSession(number: string, env: Record<string, string> = {}) {
  const platform: TestPlatform = await startTestPlatform({ env });
  stopLater.push(() => platform.stop());
  const world = await createWorld(platform.services);
  const login = async (name: string) => (await platform.services.auth.login(name, PASSWORD)).principal;
  const actors = { entA: await login('entA'), officer1: await login('officer1'), admin: await login('admin') };
  const { sessionId } = await startLiveInspection(platform.services, actors, world, {
    declaration: { number, goodsDescription: 'Live pigs', declaredQuantity: 20, quantityUnit: 'head', sealNumbers: [] },
    type: 'routine_supervision',
  });
  return { platform, actors, sessionId };
}

/** A recording of the session (made on `nodeId`) with its first segment, `seconds` long, closed and hashed `endedMsAgo`. */
async function recordingWithOneSegment(platform: TestPlatform, sessionId: string, seconds: number, nodeId: string | null = null, endedMsAgo = 0) {
  const recordingId = await platform.services.inspections.createRecording(sessionId, 'camera:ramp', 'video', nodeId);
  const dir = path.join(platform.dataDir, recordingFolder(sessionId, recordingId));
  const segment = path.join(dir, segmentFileName(0));
  await writeSegment(segment, seconds);
  const hashed = await hashFile(segment);
  await platform.services.inspections.addSegment(recordingId, {
    seq: 0,
    path: path.relative(platform.dataDir, segment),
    startedAt: new Date(Date.now() - seconds * 1000 - endedMsAgo),
    durationMs: seconds * 1000,
    gapBeforeMs: 0,
    ...hashed,
  });
  return { recordingId, dir };
}

/** Waits for the session to be sealed, and its verification report once it verifies. */
const sealedAndVerified = (platform: TestPlatform, sessionId: string) =>
  waitFor(
    async () => {
      const r = await platform.services.archive.verify(null, sessionId);
      return r.ok ? r : null;
    },
    'the session sealed and verified',
    40_000,
  );

describe('the platform killed during a recording', () => {
  it('keeps every segment written, the unfinished one repaired, and finalises and seals the session at the next start', async () => {
    const { platform: first, actors, sessionId } = await platformWithLiveSession('530120261000000777');
    // A recording as the recorder leaves it when the process is killed: one segment closed and hashed, the
    // next one still being written (no index, cut off mid-cluster).
    const { recordingId, dir } = await recordingWithOneSegment(first, sessionId, 3);
    const open = path.join(dir, segmentFileName(1));
    await writeSegment(open, 3);
    fs.truncateSync(open, Math.floor(fs.statSync(open).size * 0.6));
    // The verdict is recorded; then the process dies before the recording is closed.
    await first.services.verdicts.record(actors.officer1, sessionId, { outcome: 'pass', findings: '' });
    first.keepData();
    await first.stop();

    const second = await startTestPlatform({ restartOf: first, env: { LOG_LEVEL: 'error' } });
    stopLater.push(() => second.stop());
    const recovered = await second.recovered;
    expect(recovered).toMatchObject({ recordings: 1, salvagedSegments: 1 });
    const segments = await second.database.db.select().from(recordingSegments).where(eq(recordingSegments.recordingId, recordingId));
    expect(segments.map((s) => s.seq).sort()).toEqual([0, 1]);
    expect(segments.find((s) => s.seq === 1)!.durationMs).toBeGreaterThan(500);
    const report = await sealedAndVerified(second, sessionId);
    expect(report.checkedArtefacts).toBeGreaterThanOrEqual(3);
    const [row] = await second.database.db.select().from(recordings).where(eq(recordings.id, recordingId));
    expect(row).toMatchObject({ status: 'ready' });
    // The session had ended before the kill: no gap in it to note.
    expect(await gapsNoted(second, sessionId)).toEqual([]);
  }, 120_000);

  it('notes on the timeline of a session still under way that the platform stopped, and for how long nothing was recorded', async () => {
    const { platform: first, sessionId } = await platformWithLiveSession('530120261000000779');
    // A segment that ended 2 s ago, hashed, and the next one, 2 s to now, written but not yet hashed.
    const { dir } = await recordingWithOneSegment(first, sessionId, 2, null, 2000);
    const recordedUntil = Date.now();
    await writeSegment(path.join(dir, segmentFileName(1)), 2);
    first.keepData();
    await first.stop();
    const second = await startTestPlatform({ restartOf: first, env: { LOG_LEVEL: 'error' } });
    const startedAgainMs = Date.now() - recordedUntil;
    stopLater.push(() => second.stop());
    expect(await second.recovered).toMatchObject({ recordings: 1, salvagedSegments: 1 });
    const gaps = await gapsNoted(second, sessionId);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ kind: 'media_moved', reason: 'node_restarted' });
    // From the end of the last segment recorded (the salvaged one) to the recovery at the next start.
    console.log(`[recovery] noted ${gaps[0]!.silentMs} ms without media; started again ${startedAgainMs} ms after the last recorded`);
    expect(gaps[0]!.silentMs).toBeGreaterThanOrEqual(startedAgainMs - 1000);
    expect(gaps[0]!.silentMs).toBeLessThanOrEqual(Date.now() - recordedUntil + 1000);
  }, 120_000);
});

/** The session's notes that its media stopped (moved, lost, or the platform started again). */
async function gapsNoted(platform: TestPlatform, sessionId: string) {
  const events = await platform.services.timeline.events(sessionId, 1000);
  return events.flatMap((e) => (e.kind === 'note' && e.payload.kind === 'media_moved' ? [e.payload] : []));
}

describe('a node that died just before the session ended', () => {
  it('has its recordings closed (and one it was finalising queued again) once it is known dead, seconds after the verdict, and the session sealed', async () => {
    const { platform, actors, sessionId } = await platformWithLiveSession('530120261000000778', { LOG_LEVEL: 'error' });
    // Another node recorded part of the session, then was killed: its last beat still counts it alive for a while.
    const ghost = new NodeRegistry({ id: 'node-ghost', url: 'http://127.0.0.1:9', pipeIp: '127.0.0.1', workers: 1, role: 'all' }, inject('redisUrl'), platform.redisPrefix, () => ({
      routers: 0,
      sessionIds: [],
      cameraIds: [],
    }));
    stopLater.push(async () => ghost.leave());
    const { recordingId } = await recordingWithOneSegment(platform, sessionId, 2, 'node-ghost');
    // And another it had stopped, killed before it queued the job finalising it.
    const { recordingId: stopped } = await recordingWithOneSegment(platform, sessionId, 2, 'node-ghost');
    await platform.services.inspections.recordingStopped(stopped);
    await ghost.beat();
    const statusOf = async (id: string) => (await platform.database.db.select().from(recordings).where(eq(recordings.id, id)))[0]!.status;
    const status = () => statusOf(recordingId);

    await platform.services.verdicts.record(actors.officer1, sessionId, { outcome: 'pass', findings: '' });
    const ended = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await status()).toBe('recording'); // its node still looks alive: its own to close
    // Not left for the sweep of silent recordings (a minute and more): closed when the node is known dead.
    await waitFor(async () => (await status()) !== 'recording', 'the dead node’s recording closed', NODE_TTL_MS + 6 * HEARTBEAT_MS);
    console.log(`[recovery] a recording of a node killed before the verdict closed ${((Date.now() - ended) / 1000).toFixed(1)} s after it`);
    const report = await sealedAndVerified(platform, sessionId);
    expect(report.checkedSegments).toBe(2);
    expect([await status(), await statusOf(stopped)]).toEqual(['ready', 'ready']);
  }, 120_000);
});

describe('the platform’s own Redis killed', () => {
  it('is started again on the same port, with every job it acknowledged; a job sent during the outage lands after it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-redis-fault-'));
    const restarts: unknown[] = [];
    const redis = await startLocalRedis({ dir, persist: true, onRestart: (info) => restarts.push(info) });
    stopLater.push(async () => {
      await redis.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const queue = new Queue('fault-test', { connection: redisConnectionOptions(redis.url) });
    queue.on('error', () => {}); // the connection drops with the server: expected here
    stopLater.push(() => queue.close());
    await queue.add('before', { n: 1 });
    const pid = redis.pid()!;
    process.kill(pid, 'SIGKILL');
    const during = queue.add('during', { n: 2 });
    await waitFor(() => restarts.length > 0 && redis.pid() !== pid, 'redis-server to be started again', 20_000);
    await during;
    expect(await queue.getJobCounts('waiting')).toMatchObject({ waiting: 2 });
  }, 60_000);
});
