/**
 * A live inspection through the real platform, without a browser: the site camera (the simulator) is
 * pulled into the session, participants join over socket.io, the officer commands and the enterprise
 * acknowledges, a snapshot is taken, the officer's signed verdict closes the session and its recording
 * is finalised. A killed
 * mediasoup worker is replaced and participants can join again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { and, eq, sql } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobe } from '../media/index.ts';
import { walkFiles } from '../media/files.ts';
import { freeUdpPortPair } from '../media/network.ts';
import { startCameraSimulator } from '../scripts/camera-simulator.ts';
import { alarms, recordings, recordingSegments, sessionSeals, timelineEvents, verdicts } from '../server/db/schema.ts';
import type { Principal } from '../server/services/access.ts';
import { createEmptyDatabase, testBackend } from './support/database.ts';
import { cliEnv, HttpClient, startTestPlatform, type TestPlatform } from './support/platform.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, PASSWORD, startLiveInspection, type UserKey, type World } from './support/world.ts';
import { connectClient } from './support/socket-client.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
let platform: TestPlatform;
let world: World;
let sessionId: string;
let bookingId: string;
let simulator: ReturnType<typeof startCameraSimulator>;
const sockets: Socket[] = [];
const principals = {} as Record<UserKey, Principal>;

const client = (username: UserKey) => connectClient(platform.url, username, sockets);

const fetchAs = (cookie: string, urlPath: string, headers: Record<string, string> = {}) => fetch(`${platform.url}${urlPath}`, { headers: { ...headers, ...(cookie ? { cookie } : {}) } });

beforeAll(async () => {
  platform = await startTestPlatform({ env: { RECORDING_SEGMENT_SECONDS: '3', CAMERA_OFFLINE_SECONDS: '3', LOG_LEVEL: 'warn' } });
  world = await createWorld(platform.services);
  const { services } = platform;
  for (const key of ['entA', 'entB', 'officer1', 'officerOtherPort', 'supervisor', 'admin'] as UserKey[]) {
    principals[key] = (await services.auth.login(key, PASSWORD)).principal;
  }
  // Enterprise A's declaration is inspected at its farm, which has one camera: the simulator.
  const { rtpPort } = await freeUdpPortPair();
  const cameraUrl = `udp://127.0.0.1:${rtpPort}`;
  simulator = startCameraSimulator({ to: cameraUrl, width: 640, height: 360, fps: 25 });
  const site = await services.admin.createSite(principals.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Farm A', kind: 'farm' });
  await services.admin.createCamera(principals.admin, { siteId: site.id, name: 'Loading ramp', sourceUrl: cameraUrl });
  ({ sessionId, bookingId } = await startLiveInspection(services, principals, world, {
    declaration: { number: '530120261000000099', siteId: site.id, goodsDescription: 'Live pigs', declaredQuantity: 40, quantityUnit: 'head', sealNumbers: [] },
    type: 'routine_supervision',
  }));
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await simulator?.stop();
  await platform?.stop();
});

describe('a live inspection session', () => {
  it('lets the participants in, refuses another enterprise, and runs commands, acknowledgements and snapshots', async () => {
    const officer = await client('officer1');
    const joined = await officer.send('session:join', { sessionId });
    expect(joined.ok, JSON.stringify(joined)).toBe(true);
    if (!joined.ok) return;
    expect(joined.data.role).toBe('officer');
    expect(joined.data.rtpCapabilities.codecs.length).toBeGreaterThan(0);
    const camera = joined.data.producers.find((p: { source: string }) => p.source.startsWith('camera:'));
    expect(camera).toMatchObject({ kind: 'video', label: 'Loading ramp' });

    const stranger = await client('entB');
    const refused = await stranger.send('session:join', { sessionId });
    // Another enterprise's session answers exactly as one that does not exist: nothing says it is there.
    expect(refused).toEqual({ ok: false, error: { code: 'not_found', message: 'Session not found' } });
    expect(await stranger.send('session:join', { sessionId: crypto.randomUUID() })).toEqual(refused);
    expect(await stranger.send('session:command', { sessionId, text: 'open everything' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const enterprise = await client('entA');
    const entJoin = await enterprise.send('session:join', { sessionId });
    expect(entJoin).toMatchObject({ ok: true, data: { role: 'enterprise' } });
    // The enterprise cannot give orders; the officer can.
    expect(await enterprise.send('session:command', { sessionId, preset: 'show_label' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const command = await officer.send('session:command', { sessionId, preset: 'open_carton', params: { n: 3 } });
    expect(command).toMatchObject({ ok: true, data: { kind: 'command', payload: { text: 'Open carton 3', preset: 'open_carton' } } });
    const pushed = await waitFor(() => enterprise.events.find(([e, p]) => e === 'session:timeline' && p.kind === 'command'), 'command pushed to the enterprise');
    const commandId = pushed[1].id;
    // The enterprise is told as well (its notification centre, and by its channels).
    await waitFor(() => enterprise.events.find(([e, p]) => e === 'notification' && p.kind === 'command.waiting' && p.payload.commandId === commandId), 'the command as a notification');

    const ack = await enterprise.send('session:acknowledge', { sessionId, commandId });
    expect(ack).toMatchObject({ ok: true, data: { kind: 'acknowledgement', payload: { commandId, commandText: 'Open carton 3' } } });
    await waitFor(() => officer.events.find(([e, p]) => e === 'session:timeline' && p.kind === 'acknowledgement'), 'acknowledgement pushed to the officer');
    expect(await enterprise.send('session:acknowledge', { sessionId, commandId })).toMatchObject({ ok: false, error: { code: 'conflict' } });

    // Bad messages are answered with a clear error and change nothing.
    expect(await officer.send('session:command', { sessionId, preset: 'dance' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await officer.send('media:createTransport', { sessionId: 'nope', direction: 'send' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });

    // A supervisor watches silently: joins, cannot send media, is not announced.
    const supervisor = await client('supervisor');
    expect(await supervisor.send('session:join', { sessionId })).toMatchObject({ ok: true, data: { role: 'supervisor' } });
    expect(await supervisor.send('media:createTransport', { sessionId, direction: 'send' })).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    expect(await supervisor.send('media:createTransport', { sessionId, direction: 'recv' })).toMatchObject({ ok: true });
    // Parameters mediasoup refuses are the client's mistake, answered as such (not an internal error).
    const send = await officer.send('media:createTransport', { sessionId, direction: 'send' });
    if (!send.ok) throw new Error(send.error.message);
    const produce = (rtpParameters: unknown) => officer.send('media:produce', { sessionId, transportId: send.data.id, kind: 'video', rtpParameters });
    expect(await produce({ codecs: [{ mimeType: 'video/nonsense', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 1111 }] })).toMatchObject({
      ok: false,
      error: { code: 'invalid_parameters' },
    });
    expect(await produce({ codecs: [{ mimeType: 42 }] })).toMatchObject({ ok: false, error: { code: 'invalid_parameters' } });

    const snapshot = await officer.send('session:snapshot', { sessionId, producerId: camera.producerId });
    expect(snapshot, JSON.stringify(snapshot)).toMatchObject({ ok: true, data: { kind: 'snapshot', payload: { width: 640, height: 360 } } });
    if (!snapshot.ok) return;
    const jpeg = fs.readFileSync(path.join(platform.dataDir, snapshot.data.payload.file));
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(snapshot.data.payload.sizeBytes).toBe(jpeg.length);
    const timeline = (await officer.http.get(`/api/sessions/${sessionId}/timeline`)).body as Array<{ kind: string }>;
    expect(timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['joined', 'command', 'acknowledgement', 'snapshot']));
    expect(timeline.filter((e) => e.kind === 'joined')).toHaveLength(2); // officer and enterprise, not the supervisor
    expect((await stranger.http.get(`/api/sessions/${sessionId}/timeline`)).status).toBe(404);
  }, 60_000);

  it('replaces a killed mediasoup worker; participants are told and can join again; recorded segments stay', async () => {
    const officer = await client('officer1');
    expect(await officer.send('session:join', { sessionId })).toMatchObject({ ok: true });
    await waitFor(async () => {
      const rows = await platform.database.db.select().from(recordingSegments);
      return rows.length > 0;
    }, 'a first recorded segment');
    const [pid] = platform.media.pool.pids();
    process.kill(pid!, 'SIGKILL');
    await waitFor(() => officer.events.find(([e]) => e === 'media:reset'), 'media:reset pushed to the officer');
    await waitFor(() => platform.media.pool.pids()[0] !== pid && platform.media.pool.pids()[0], 'a replacement worker');
    const again = await waitFor(async () => {
      const r = await officer.send('session:join', { sessionId });
      return r.ok ? r : null;
    }, 'joining again');
    expect(again.data.producers.some((p: { source: string }) => p.source.startsWith('camera:'))).toBe(true);
    // The recording made before the crash was closed with its segments and queued for finalisation.
    const closed = await waitFor(async () => {
      const rows = await platform.database.db.select().from(recordings);
      return rows.find((r) => r.status !== 'recording');
    }, 'the interrupted recording closed');
    const kept = await platform.database.db.select().from(recordingSegments).where(eq(recordingSegments.recordingId, closed.id));
    expect(kept.length).toBeGreaterThan(0);
  }, 60_000);

  it('raises camera_offline when the camera stops sending', async () => {
    // Let the camera settle after the worker restart, then cut it off.
    await waitFor(
      () =>
        platform.media.live
          .existingRoom(sessionId)
          ?.producerInfos()
          .some((p) => p.source.startsWith('camera:')),
      'the camera back in the room',
    );
    await new Promise((r) => setTimeout(r, 4000));
    await simulator.stop();
    const stoppedAt = new Date();
    const alarm = await waitFor(async () => {
      const rows = await platform.database.db.select().from(alarms).where(eq(alarms.rule, 'camera_offline'));
      return rows.find((r) => r.createdAt >= stoppedAt);
    }, 'a camera_offline alarm');
    expect(alarm).toMatchObject({ sessionId, status: 'open', rule: 'camera_offline', details: { camera: 'Loading ramp' } });
    const officer = await client('officer1');
    expect((await (await client('entB')).http.post(`/api/alarms/${alarm.id}/acknowledge`)).status).toBe(403);
    expect((await (await client('officerOtherPort')).http.post(`/api/alarms/${alarm.id}/acknowledge`)).status).toBe(404);
    expect((await officer.http.post(`/api/alarms/${alarm.id}/acknowledge`)).body).toMatchObject({ id: alarm.id, status: 'acknowledged', acknowledgedBy: world.users.officer1.id });
    expect((await officer.http.post(`/api/alarms/${alarm.id}/acknowledge`)).status).toBe(409);
  }, 40_000);

  it('records a signed verdict that completes the inspection and finalises its recordings', async () => {
    const officer = await client('officer1');
    const enterprise = await client('entA');
    expect(await enterprise.send('session:join', { sessionId })).toMatchObject({ ok: true });
    const verdictBody = { outcome: 'rectify', findings: 'Chinese label missing on 3 cartons', followUp: 'Relabel and show again' };
    const refused = await enterprise.http.post(`/api/sessions/${sessionId}/verdict`, verdictBody);
    expect(refused.status).toBe(403);
    const recorded = await officer.http.post(`/api/sessions/${sessionId}/verdict`, verdictBody);
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    expect(recorded.body).toMatchObject({ ...verdictBody, sessionId, bookingId, declarationNumber: '530120261000000099', signatureValid: true });

    // Anyone can check the signature offline with the published public key.
    const key = (await officer.http.get('/api/keys/platform')).body;
    const { signature, signatureValid: _valid, ...signed } = recorded.body;
    const sortedJson = JSON.stringify(Object.fromEntries(Object.entries(signed).sort(([a], [b]) => a.localeCompare(b))));
    expect(crypto.verify(null, Buffer.from(sortedJson), crypto.createPublicKey(key.publicKeyPem), Buffer.from(signature, 'base64'))).toBe(true);

    // The enterprise sees the verdict live; the booking is completed; a second verdict is refused.
    await waitFor(() => enterprise.events.find(([e, p]) => e === 'session:timeline' && p.kind === 'verdict'), 'verdict pushed to the enterprise');
    expect((await enterprise.http.get(`/api/bookings/${bookingId}`)).body.status).toBe('completed');
    expect((await officer.http.post(`/api/sessions/${sessionId}/verdict`, verdictBody)).status).toBe(409);

    expect((await enterprise.http.get(`/api/sessions/${sessionId}/verdict`)).body).toMatchObject({ outcome: 'rectify', signatureValid: true });
    expect((await (await client('entB')).http.get(`/api/sessions/${sessionId}/verdict`)).status).toBe(404);

    let lastSeen: string[] = [];
    const ready = await waitFor(
      async () => {
        const rows = await platform.database.db.select().from(recordings).where(eq(recordings.sessionId, sessionId));
        lastSeen = rows.map((r) => `${r.source}:${r.status}`);
        return rows.length > 0 && rows.every((r) => r.status === 'ready' || r.status === 'failed') ? rows : null;
      },
      'finalised recordings',
      40_000,
    ).catch((err) => {
      throw new Error(`${err.message}: ${lastSeen.join(', ')}`);
    });
    const done = ready.filter((r) => r.status === 'ready');
    expect(done.length).toBeGreaterThan(0);
    for (const r of done) {
      const probe = await ffprobe(path.join(platform.dataDir, r.path!));
      expect(probe.streams[0]).toMatchObject({ codec_type: 'video', codec_name: 'h264', width: 640, height: 360 });
      expect(Math.abs(probe.durationMs - r.durationMs!)).toBeLessThan(100);
      expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(fs.existsSync(path.join(platform.dataDir, r.posterPath!))).toBe(true);
    }

    // Playback: Range requests give the right bytes, behind the access check.
    const r = done[0]!;
    const fileUrl = `/api/sessions/${sessionId}/recordings/${r.id}/file`;
    const bytes = fs.readFileSync(path.join(platform.dataDir, r.path!));
    const whole = await fetchAs(enterprise.cookie, fileUrl);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const part = await fetchAs(enterprise.cookie, fileUrl, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
    const tail = await fetchAs(enterprise.cookie, fileUrl, { range: 'bytes=-10' });
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10))).toBe(true);
    expect((await fetchAs(enterprise.cookie, fileUrl, { range: `bytes=${bytes.length + 10}-` })).status).toBe(416);
    expect((await fetchAs(enterprise.cookie, `/api/sessions/${sessionId}/recordings/${r.id}/poster`)).headers.get('content-type')).toBe('image/jpeg');
    const outsider = await client('entB');
    expect((await fetchAs(outsider.cookie, fileUrl)).status).toBe(404);
    expect((await fetchAs('', fileUrl)).status).toBe(401);
    const snapshotEvent = (await enterprise.http.get(`/api/sessions/${sessionId}/timeline`)).body.find((e: { kind: string }) => e.kind === 'snapshot');
    const jpeg = await fetchAs(enterprise.cookie, `/api/sessions/${sessionId}/snapshots/${snapshotEvent.id}`);
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    expect(jpeg.headers.get('cache-control')).toBe('private, max-age=3600');
  }, 60_000);

  it('seals the session; verification passes, then names each tampered item', async () => {
    const seal = await waitFor(
      async () => {
        const [row] = await platform.database.db.select().from(sessionSeals).where(eq(sessionSeals.sessionId, sessionId));
        return row;
      },
      'the session seal',
      30_000,
    );
    const manifest = seal.manifest as { artefacts: Array<{ path: string; kind: string }> };
    expect(new Set(manifest.artefacts.map((a) => a.kind))).toEqual(new Set(['recording', 'poster', 'snapshot', 'timeline', 'verdict']));
    const supervisor = await client('supervisor');
    const verify = async () => (await supervisor.http.get(`/api/sessions/${sessionId}/verify`)).body as { ok: boolean; problems: Array<{ item: string; problem: string }> };
    expect(await verify()).toMatchObject({ ok: true, problems: [] });
    expect((await (await client('entB')).http.get(`/api/sessions/${sessionId}/verify`)).status).toBe(404);

    const recording = manifest.artefacts.find((a) => a.kind === 'recording')!;
    const snapshot = manifest.artefacts.find((a) => a.kind === 'snapshot')!;
    const recordingFile = path.join(platform.dataDir, recording.path);
    const snapshotFile = path.join(platform.dataDir, snapshot.path);

    // One byte of a recording.
    const original = fs.readFileSync(recordingFile);
    const changed = Buffer.from(original);
    const middle = Math.floor(changed.length / 2);
    changed[middle] = changed[middle]! ^ 0xff;
    fs.writeFileSync(recordingFile, changed);
    expect((await verify()).problems).toEqual([expect.objectContaining({ item: recording.path, problem: 'changed' })]);
    fs.writeFileSync(recordingFile, original);

    // One byte of a segment the recording was joined from (kept on disk, hashed as it closed).
    const [segment] = await platform.database.db
      .select()
      .from(recordingSegments)
      .innerJoin(recordings, eq(recordings.id, recordingSegments.recordingId))
      .where(eq(recordings.sessionId, sessionId))
      .limit(1);
    const segmentFile = path.join(platform.dataDir, segment!.recording_segments.path);
    const segmentBytes = fs.readFileSync(segmentFile);
    const segmentChanged = Buffer.from(segmentBytes);
    segmentChanged[segmentChanged.length >> 1] = segmentChanged[segmentChanged.length >> 1]! ^ 0xff;
    fs.writeFileSync(segmentFile, segmentChanged);
    expect((await verify()).problems).toEqual([expect.objectContaining({ item: segment!.recording_segments.path, problem: 'changed' })]);
    fs.writeFileSync(segmentFile, segmentBytes);
    expect(((await verify()) as unknown as { checkedSegments: number }).checkedSegments).toBeGreaterThan(0);

    // A snapshot deleted, a file added.
    const snapshotBytes = fs.readFileSync(snapshotFile);
    fs.rmSync(snapshotFile);
    const stray = path.join(path.dirname(snapshotFile), 'extra.jpg');
    fs.writeFileSync(stray, 'not evidence');
    expect((await verify()).problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ item: snapshot.path, problem: 'missing' }), expect.objectContaining({ item: path.relative(platform.dataDir, stray), problem: 'added' })]),
    );
    fs.writeFileSync(snapshotFile, snapshotBytes);
    fs.rmSync(stray);
    expect((await verify()).ok).toBe(true);

    // A timeline row edited in the database.
    const [command] = await platform.database.db.select().from(timelineEvents).where(eq(timelineEvents.kind, 'command'));
    await platform.database.db
      .update(timelineEvents)
      .set({ payload: { ...(command!.payload as object), text: 'Open carton 4' } })
      .where(eq(timelineEvents.id, command!.id));
    expect((await verify()).problems).toEqual([expect.objectContaining({ item: 'timeline', problem: 'changed' })]);
    await platform.database.db.update(timelineEvents).set({ payload: command!.payload }).where(eq(timelineEvents.id, command!.id));

    // The verdict edited: its signature no longer holds.
    await platform.database.db.update(verdicts).set({ outcome: 'pass' }).where(eq(verdicts.sessionId, sessionId));
    expect((await supervisor.http.get(`/api/sessions/${sessionId}/verdict`)).body).toMatchObject({ outcome: 'pass', signatureValid: false });
    expect((await verify()).problems.map((p) => `${p.item}:${p.problem}`).sort()).toEqual(['verdict:changed', 'verdict:signature_invalid']);
    await platform.database.db.update(verdicts).set({ outcome: 'rectify' }).where(eq(verdicts.sessionId, sessionId));

    // The command line says the same, from the database and data dir directly.
    const cli = await run(path.join(root, 'node_modules/.bin/tsx'), ['scripts/verify.ts', sessionId], {
      cwd: root,
      env: { ...cliEnv(platform.dataDir, platform.database.url), LOG_LEVEL: 'silent' },
    });
    expect(JSON.parse(cli.stdout)).toMatchObject({ sessionId, ok: true });

    // An audit row edited behind the trigger's back.
    await platform.database.db.transaction(async (tx) => {
      await tx.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
      await tx.execute(sql`update audit_log set details = '{}'::jsonb where action = 'verdict.record'`);
      await tx.execute(sql`alter table audit_log enable trigger audit_log_append_only`);
    });
    expect((await verify()).problems).toEqual(expect.arrayContaining([expect.objectContaining({ item: 'audit', problem: 'audit_chain_broken' })]));
    const failed = await run(path.join(root, 'node_modules/.bin/tsx'), ['scripts/verify.ts', sessionId], {
      cwd: root,
      env: cliEnv(platform.dataDir, platform.database.url),
    }).catch((e) => e);
    expect(failed.code).toBe(1);
  }, 90_000);

  it('finds the session in the archive by what a supervisor searches for, and only for those who may see it', async () => {
    const search = async (who: UserKey, query: string) => (await (await client(who)).http.get(`/api/archive/sessions?${query}`)).body;
    const found = await search('supervisor', 'declarationNumber=530120261000000099');
    expect(found).toMatchObject({
      total: 1,
      items: [{ sessionId, bookingId, verdict: 'rectify', sealed: true, enterpriseId: world.enterprises.a, officerName: 'officer1', type: 'routine_supervision' }],
    });
    expect(found.items[0].alarms).toBeGreaterThan(0);
    expect((await search('supervisor', 'declarationNumber=530120261000000099&hasAlarms=false')).total).toBe(0);
    expect((await search('supervisor', 'declarationNumber=530120261000000099&verdict=pass')).total).toBe(0);
    expect((await search('supervisor', `officerId=${world.users.officer1.id}&verdict=rectify&hasAlarms=true`)).total).toBe(1);
    expect((await search('supervisor', `from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)).total).toBe(0);
    expect((await search('entA', '')).items.map((e: { sessionId: string }) => e.sessionId)).toEqual([sessionId]);
    expect((await search('entB', '')).total).toBe(0);
    expect((await search('officerOtherPort', '')).total).toBe(0);
    expect((await (await client('supervisor')).http.get('/api/archive/sessions?verdict=maybe')).status).toBe(400);
  }, 30_000);

  it('exports an evidence package with live progress that verifies offline, and detects a tampered one', async () => {
    const supervisor = await client('supervisor');
    const requested = await supervisor.http.post(`/api/sessions/${sessionId}/exports`, { locale: 'ru' });
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    const exportId = requested.body.exportId;
    await waitFor(() => supervisor.events.find(([e, p]) => e === 'export:done' && p.exportId === exportId), 'export:done', 40_000);
    expect(supervisor.events.some(([e, p]) => e === 'export:progress' && p.exportId === exportId)).toBe(true);
    const status = (await supervisor.http.get(`/api/exports/${exportId}`)).body;
    expect(status).toMatchObject({ exportId, sessionId, state: 'completed', progress: 100 });
    expect((await (await client('entA')).http.get(`/api/exports/${exportId}`)).status).toBe(404);

    const download = await fetchAs(supervisor.cookie, `/api/exports/${exportId}/file`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="?[0-9a-f-]+-\d+\.zip"?$/);
    const zipBytes = Buffer.from(await download.arrayBuffer());
    expect(crypto.createHash('sha256').update(zipBytes).digest('hex')).toBe(status.sha256);
    const zipFile = path.join(platform.dataDir, 'downloaded.zip');
    fs.writeFileSync(zipFile, zipBytes);
    const offline = await run(path.join(root, 'node_modules/.bin/tsx'), ['scripts/verify.ts', zipFile], { cwd: root, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root' } });
    const report = JSON.parse(offline.stdout);
    expect(report).toMatchObject({ ok: true, sessionId, problems: [] });
    expect(report.keyId).toBe((await supervisor.http.get('/api/keys/platform')).body.keyId);
    expect(zipBytes.includes(Buffer.from('Решение'))).toBe(true); // the summary is in Russian

    // One byte changed inside the stored recording: the package no longer verifies.
    const tampered = Buffer.from(zipBytes);
    const at = tampered.indexOf(Buffer.from('ftyp')) + 2000;
    tampered[at] = tampered[at]! ^ 0xff;
    fs.writeFileSync(zipFile, tampered);
    const failed = await run(path.join(root, 'node_modules/.bin/tsx'), ['scripts/verify.ts', zipFile], { cwd: root, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root' } }).catch(
      (e) => e,
    );
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).problems).toEqual([expect.objectContaining({ problem: 'changed' })]);
  }, 60_000);

  it('keeps no package from a broker whose delegation was revoked', async () => {
    const broker = await client('brokerA');
    const requested = await broker.http.post(`/api/sessions/${sessionId}/exports`, {});
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    const exportId = requested.body.exportId;
    await waitFor(async () => (await broker.http.get(`/api/exports/${exportId}`)).body.state === 'completed', 'the broker’s package', 30_000);
    expect((await fetchAs(broker.cookie, `/api/exports/${exportId}/file`)).status).toBe(200);
    await platform.services.admin.revokeDelegation(principals.admin, { brokerId: world.users.brokerA.id, enterpriseId: world.enterprises.a });
    const again = new HttpClient(platform.url);
    await again.login('brokerA', PASSWORD);
    expect((await again.get(`/api/exports/${exportId}`)).status).toBe(404);
    expect((await fetchAs(again.cookieHeader(), `/api/exports/${exportId}/file`)).status).toBe(404);
  }, 60_000);

  it('fails an export of evidence changed since sealing, once and visibly, and keeps running', async () => {
    const supervisor = await client('supervisor');
    const [recording] = await platform.database.db
      .select()
      .from(recordings)
      .where(and(eq(recordings.sessionId, sessionId), eq(recordings.status, 'ready')))
      .limit(1);
    const file = path.join(platform.dataDir, recording!.path!);
    const original = fs.readFileSync(file);
    fs.writeFileSync(file, original.subarray(0, original.length - 1)); // one byte short
    try {
      const requested = await supervisor.http.post(`/api/sessions/${sessionId}/exports`, {});
      expect(requested.status).toBe(202);
      const failed = await waitFor(() => supervisor.events.find(([e, p]) => e === 'export:failed' && p.exportId === requested.body.exportId), 'export:failed', 30_000);
      expect(failed[1].error).toMatch(/instead of/);
      const status = (await supervisor.http.get(`/api/exports/${requested.body.exportId}`)).body;
      expect(status).toMatchObject({ state: 'failed' });
      expect((await fetch(`${platform.url}/healthz`)).status).toBe(200);
      // (The audit chain was broken on purpose by an earlier test: only the recording matters here.)
      expect((await supervisor.http.get(`/api/sessions/${sessionId}/verify`)).body.problems).toEqual(expect.arrayContaining([expect.objectContaining({ item: recording!.path, problem: 'changed' })]));
    } finally {
      fs.writeFileSync(file, original);
    }
  }, 60_000);

  it('backs up and restores into an empty data dir and database with the same sessions, files and verification', async () => {
    const tsx = path.join(root, 'node_modules/.bin/tsx');
    const dbUrl = platform.database.url;
    const env = cliEnv;
    const verifyWith = (dataDir: string, databaseUrl: string | undefined) =>
      run(tsx, ['scripts/verify.ts', sessionId], { cwd: root, env: env(dataDir, databaseUrl) })
        .then(
          (r) => r.stdout,
          (e) => e.stdout as string,
        )
        .then((out) => JSON.parse(out));
    const before = await verifyWith(platform.dataDir, dbUrl);

    const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-backup-'));
    // The embedded database is dumped by the running platform itself (through its control file).
    const made = JSON.parse((await run(tsx, ['scripts/backup.ts', backupDir], { cwd: root, env: env(platform.dataDir, dbUrl) })).stdout);
    expect(made).toMatchObject({ database: testBackend });
    expect(made.files).toBeGreaterThan(5);

    const emptyDb = testBackend === 'postgres' ? await createEmptyDatabase() : { url: undefined, drop: async () => {} };
    const newDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-restored-'));
    await run(tsx, ['scripts/restore.ts', backupDir], { cwd: root, env: env(newDataDir, emptyDb.url) });
    const after = await verifyWith(newDataDir, emptyDb.url);
    expect(after).toEqual(before);
    const filesOf = (dir: string) => [...walkFiles(path.join(dir, 'sessions'))].map((f) => path.relative(dir, f)).sort();
    expect(filesOf(newDataDir)).toEqual(filesOf(platform.dataDir));
    // A second restore into the now non-empty data dir is refused.
    const again = await run(tsx, ['scripts/restore.ts', backupDir], { cwd: root, env: env(newDataDir, emptyDb.url) }).catch((e) => e);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/empty data dir/);
    await emptyDb.drop();
    fs.rmSync(backupDir, { recursive: true, force: true });
    fs.rmSync(newDataDir, { recursive: true, force: true });
  }, 90_000);
});
