/**
 * `npm start` (its defaults: PGlite, its own Redis) killed with SIGKILL in the middle of a recorded
 * inspection, then started again on the same data dir: every segment written before the kill is kept
 * (the one being written repaired), the recording is finalised, and the verdict seals a session that
 * verifies. Runs once (its subject is npm start's own defaults, whatever the suite's database).
 */
import { execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Socket } from 'socket.io-client';
import { connect } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { freeUdpPortPair } from '../../media/network.ts';
import { startCameraSimulator } from '../../scripts/camera-simulator.ts';
import { testBackend } from '../support/database.ts';
import { startNpmStart } from '../support/npm-start.ts';
import { HttpClient } from '../support/platform.ts';
import { waitFor } from '../support/wait.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-kill-'));
const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', RECORDING_SEGMENT_SECONDS: '2' };
const PASSWORD = 'a long admin password';
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start` in a process group of its own, so a SIGKILL takes the whole platform at once. */
const startServer = () => startNpmStart(env, { detached: true });
const killGroup = (child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(-child.pid!, signal);
  });

describe.runIf(testBackend === 'postgres')('npm start killed with SIGKILL during a recorded inspection', () => {
  it('keeps what was recorded, finalises it at the next start, and the verdict seals a session that verifies', async () => {
    const first = await startServer();
    cleanups.push(() => killGroup(first.child, 'SIGKILL'));
    await run(tsx, ['scripts/admin.ts', 'create-admin', '--username', 'root'], { cwd: root, env: { ...env, WATCHPOST_ADMIN_PASSWORD: PASSWORD } });
    const admin = new HttpClient(first.url);
    await admin.login('root', PASSWORD);
    const must = async (res: Promise<{ status: number; body: any }>) => {
      const r = await res;
      if (r.status >= 300) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const port = await must(admin.post('/api/admin/ports', { code: 'KILL', name: 'Kill port' }));
    const enterprise = await must(admin.post('/api/admin/enterprises', { name: 'Kill Farm', customsCode: 'KILL000001' }));
    await must(admin.post('/api/admin/users', { username: 'kill.officer', displayName: 'Officer', password: PASSWORD, role: 'officer', portId: port.id }));
    await must(admin.post('/api/admin/users', { username: 'kill.farm', displayName: 'Farm', password: PASSWORD, role: 'enterprise_user', enterpriseId: enterprise.id }));
    const site = await must(admin.post('/api/admin/sites', { enterpriseId: enterprise.id, portId: port.id, name: 'Pen', kind: 'farm' }));
    const { rtpPort } = await freeUdpPortPair();
    const source = `udp://127.0.0.1:${rtpPort}`;
    const simulator = startCameraSimulator({ to: source, width: 320, height: 240, fps: 10 });
    cleanups.push(() => simulator.stop());
    await must(admin.post('/api/admin/cameras', { siteId: site.id, name: 'Ramp', sourceUrl: source }));
    const declaration = await must(
      admin.post('/api/declarations', {
        number: '531620260000099999',
        enterpriseId: enterprise.id,
        portId: port.id,
        siteId: site.id,
        goodsDescription: 'Live pigs',
        declaredQuantity: 20,
        quantityUnit: 'head',
      }),
    );

    const farm = new HttpClient(first.url);
    await farm.login('kill.farm', PASSWORD);
    const slotStart = new Date(Date.now() + 5 * 60_000);
    const booking = await must(
      farm.post('/api/bookings', { declarationId: declaration.id, type: 'routine_supervision', slotStart: slotStart.toISOString(), slotEnd: new Date(slotStart.getTime() + 3_600_000).toISOString() }),
    );
    const officer = new HttpClient(first.url);
    await officer.login('kill.officer', PASSWORD);
    await must(officer.post(`/api/bookings/${booking.id}/confirm`));
    const { sessionId } = await must(officer.post(`/api/bookings/${booking.id}/start`));
    // The officer opens the console: the room comes alive with the camera, and recording starts.
    const socket: Socket = connect(first.url, { transports: ['websocket'], extraHeaders: { cookie: officer.cookieHeader() }, reconnection: false });
    cleanups.push(() => socket.close());
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    expect(((await socket.timeout(20_000).emitWithAck('session:join', { sessionId })) as { ok: boolean }).ok).toBe(true);
    const recordingsDir = path.join(dataDir, 'sessions', sessionId, 'recordings');
    const segmentFiles = () =>
      fs.existsSync(recordingsDir)
        ? fs
            .readdirSync(recordingsDir, { recursive: true })
            .map(String)
            .filter((f) => /segment-\d+\.mkv$/.test(f))
        : [];
    await waitFor(() => segmentFiles().length >= 3, 'three segments on disk', 40_000);
    socket.close();

    await killGroup(first.child, 'SIGKILL');
    // Segments holding media at the kill (the one just begun may hold only its Matroska header, < 1 kB).
    const withMedia = segmentFiles().filter((f) => fs.statSync(path.join(recordingsDir, f)).size > 1024).length;
    expect(withMedia).toBeGreaterThanOrEqual(2);

    const killedAt = Date.now();
    const second = await startServer();
    cleanups.push(() => killGroup(second.child, 'SIGTERM'));
    // Under a node's TTL, the killed run still counts as a live node (its Redis came back with its last beat):
    // its recording is closed when the verdict's second look finds it dead, not by the minute-long sweep.
    console.log(`[platform-kill] started again ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    const again = new HttpClient(second.url);
    await again.login('kill.officer', PASSWORD);
    expect((await again.post(`/api/sessions/${sessionId}/verdict`, { outcome: 'pass' })).status).toBe(201);
    const report = await waitFor(
      async () => {
        const r = (await again.get(`/api/sessions/${sessionId}/verify`)).body;
        return r.ok ? r : null;
      },
      'the session sealed and verified after the restart',
      60_000,
    );
    // Every segment with media on disk at the kill (the unfinished one repaired) is in the recording, verified.
    expect(report.checkedSegments).toBeGreaterThanOrEqual(withMedia);
    const recordings = (await again.get(`/api/sessions/${sessionId}/recordings`)).body as Array<{ status: string; durationMs: number | null }>;
    expect(recordings.some((r) => r.status === 'ready' && (r.durationMs ?? 0) >= 4000)).toBe(true);
  }, 360_000);
});
