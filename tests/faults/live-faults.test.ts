/**
 * Faults during a live inspection with a site camera, its recording and its analysis (issue 17): the
 * camera's ffmpeg, the recorder's ffmpeg and an inference worker are killed, and (on PostgreSQL) the
 * database server is stopped as a crash would and started again. After each the session goes on; at the
 * end it is sealed and verifies with every segment recorded across the faults.
 */
import { and, count, eq, gt } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPortPair } from '../../media/network.ts';
import { startCameraSimulator } from '../../scripts/camera-simulator.ts';
import { openPostgres } from '../../server/db/database.ts';
import { recordingSegments, recordings, timelineEvents } from '../../server/db/schema.ts';
import type { Principal } from '../../server/services/access.ts';
import { testBackend } from '../support/database.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres-server.ts';
import { connectClient, type TestSocketClient } from '../support/socket-client.ts';
import { waitFor } from '../support/wait.ts';
import { createWorld, PASSWORD, startLiveInspection, type UserKey } from '../support/world.ts';

let platform: TestPlatform;
let postgres: TestPostgres | null = null;
let sessionId: string;
let officer: TestSocketClient;
let simulator: ReturnType<typeof startCameraSimulator>;
const sockets: Socket[] = [];

beforeAll(async () => {
  // On PostgreSQL the server is this file's own: restarting it must not disturb the other test files.
  let database: TestPlatform['database'] | undefined;
  if (testBackend === 'postgres') {
    postgres = await startTestPostgres();
    database = await openPostgres(postgres.url);
  }
  platform = await startTestPlatform({ database, env: { RECORDING_SEGMENT_SECONDS: '2', CAMERA_OFFLINE_SECONDS: '30', LOG_LEVEL: 'silent' } });
  const world = await createWorld(platform.services);
  const principals = {} as Record<UserKey, Principal>;
  for (const key of ['entA', 'officer1', 'admin'] as UserKey[]) principals[key] = (await platform.services.auth.login(key, PASSWORD)).principal;
  const { rtpPort } = await freeUdpPortPair();
  const source = `udp://127.0.0.1:${rtpPort}`;
  simulator = startCameraSimulator({ to: source, width: 640, height: 360, fps: 10 });
  const site = await platform.services.admin.createSite(principals.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Pen 4', kind: 'farm' });
  await platform.services.admin.createCamera(principals.admin, { siteId: site.id, name: 'Pen camera', sourceUrl: source, analysis: ['count'] });
  ({ sessionId } = await startLiveInspection(platform.services, principals, world, {
    declaration: { number: '530120261000000555', siteId: site.id, goodsDescription: 'Live pigs', declaredQuantity: 30, quantityUnit: 'head', sealNumbers: [] },
    type: 'routine_supervision',
  }));
  officer = await connectClient(platform.url, 'officer1', sockets);
  expect((await officer.send('session:join', { sessionId })).ok).toBe(true);
}, 90_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await simulator?.stop();
  await platform?.stop();
  postgres?.stop();
});

const segmentCount = async () =>
  (await platform.database.db.select({ n: count() }).from(recordingSegments).innerJoin(recordings, eq(recordings.id, recordingSegments.recordingId)).where(eq(recordings.sessionId, sessionId)))[0]!.n;
const cameraProcess = () => platform.media.live.processes(sessionId).cameras[0]?.pid;
const cameraRecorder = () => platform.media.live.processes(sessionId).recorders.find((r) => r.source.startsWith('camera:'))?.pid;

describe('faults during a live inspection', () => {
  it('goes on recording when the camera’s ffmpeg is killed', async () => {
    await waitFor(async () => (await segmentCount()) >= 2, 'the first segments', 30_000);
    const pid = await waitFor(cameraProcess, 'the camera ingest');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => cameraProcess() !== undefined && cameraProcess() !== pid, 'the camera ingest started again', 20_000);
    const before = await segmentCount();
    await waitFor(async () => (await segmentCount()) >= before + 2, 'segments after the camera came back', 30_000);
  }, 90_000);

  it('goes on recording when the recorder’s ffmpeg is killed, and keeps what it had written', async () => {
    const pid = await waitFor(cameraRecorder, 'the camera recorder');
    const before = await segmentCount();
    process.kill(pid, 'SIGKILL');
    await waitFor(() => cameraRecorder() !== undefined && cameraRecorder() !== pid, 'the recorder started again', 20_000);
    await waitFor(async () => (await segmentCount()) >= before + 2, 'segments after the recorder restarted', 30_000);
  }, 90_000);

  it('goes on counting when an inference worker is killed', async () => {
    const pids = await waitFor(
      async () => {
        const list = await platform.inferencePids();
        return list.length > 0 ? list : null;
      },
      'the inference workers',
      60_000,
    );
    process.kill(pids[0]!, 'SIGKILL');
    await waitFor(
      async () => {
        const now = await platform.inferencePids();
        return now.length === pids.length && !now.includes(pids[0]!);
      },
      'the inference worker replaced',
      30_000,
    );
    const killedAt = new Date();
    // Count samples go on the timeline every 10 s while the camera is analysed.
    const sample = await waitFor(
      async () => {
        const rows = await platform.database.db
          .select()
          .from(timelineEvents)
          .where(and(eq(timelineEvents.sessionId, sessionId), eq(timelineEvents.kind, 'detection'), gt(timelineEvents.at, killedAt)));
        return rows[0] ?? null;
      },
      'a count sample after the worker was replaced',
      // The new worker loads its models first: on two cores shared with another test file's analysis, seen over 40 s.
      90_000,
    );
    expect(typeof (sample.payload as { count?: unknown }).count).toBe('number');
  }, 200_000);

  it.runIf(testBackend === 'postgres')(
    'comes back when the database server crashes and starts again',
    async () => {
      postgres!.restart();
      // The next commands may fail while connections are replaced; within seconds they land again.
      const reply = await waitFor(
        async () => {
          const r = await officer.send('session:command', { sessionId, text: 'Show the feeder again' });
          return r.ok ? r : null;
        },
        'a command accepted after the restart',
        30_000,
      );
      expect(reply.ok).toBe(true);
      expect((await fetch(`${platform.url}/readyz`)).status).toBe(200);
    },
    60_000,
  );

  it('seals the session afterwards; every segment recorded across the faults verifies', async () => {
    const recorded = await segmentCount();
    const verdict = await officer.http.post(`/api/sessions/${sessionId}/verdict`, { outcome: 'pass' });
    expect(verdict.status, JSON.stringify(verdict.body)).toBe(201);
    const report = await waitFor(
      async () => {
        const r = (await officer.http.get(`/api/sessions/${sessionId}/verify`)).body;
        return r.ok ? r : null;
      },
      'the session sealed and verified',
      60_000,
    );
    expect(report.checkedSegments).toBeGreaterThanOrEqual(recorded);
    // The recorder's restart left its gap on the (sealed) timeline.
    const notes = await platform.database.db
      .select()
      .from(timelineEvents)
      .where(and(eq(timelineEvents.sessionId, sessionId), eq(timelineEvents.kind, 'note')));
    expect(notes.map((n) => (n.payload as { kind?: string }).kind)).toContain('recording_gap');
  }, 120_000);
});
