/**
 * The loading record (全链条监管) through the real platform, no booking: two supervised farm cameras behind a
 * real RTSP server, each with a main stream and a sub-stream (one over UDP with a login, one over TCP), one
 * counting pigs across the loading line, one at the bay reading the lorry's plate and then its seals. An
 * officer opens the record; the plate is read and matched to the expected vehicle; a checklist tick keeps
 * a still; a deck is counted across the line; the declared seal is read and matched, a wrong one raises
 * seal_mismatch with its frame and clip; a release needs a reason when a declared seal was never read; the
 * record seals and verifies, and a tampered clip is named by verification. Bad input changes nothing.
 */
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarms, cameraFootage, loadingRecordEvents } from '../server/db/schema.ts';
import { StorageGuard } from '../server/jobs/storage-guard.ts';
import { startRtspCamera, type RtspCamera } from '../scripts/rtsp-camera.ts';
import type { Principal } from '../server/services/access.ts';
import { HttpClient, startTestPlatform, type TestPlatform } from './support/platform.ts';
import { connectClient, type TestSocketClient } from './support/socket-client.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, PASSWORD, type UserKey, type World } from './support/world.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures', 'vision');
const labels = JSON.parse(fs.readFileSync(path.join(fixtures, 'labels.json'), 'utf8')) as Record<string, { text?: string }>;
const PLATE = labels['plate-hong-kong.jpg']!.text!;
const SEAL = labels['seal.jpg']!.text!;
const WRONG_SEAL = labels['seal-other.jpg']!.text!;
/** Declared but never shown: a release must say why. */
const UNSEEN_SEAL = 'CN7777777';

let platform: TestPlatform;
let world: World;
let siteId: string;
let rampCamera: string;
let bayCamera: string;
let declarationId: string;
let recordId: string;
let colleague: TestSocketClient;
let elsewhere: TestSocketClient;
const cameras: RtspCamera[] = [];
const sockets: Socket[] = [];
const principals = {} as Record<UserKey, Principal>;
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-loading-'));

const as = async (key: UserKey) => {
  const http = new HttpClient(platform.url);
  await http.login(key, PASSWORD);
  return http;
};
const recordOf = async (key: UserKey = 'officer1') => (await (await as(key)).get(`/api/loading-records/${recordId}`)).body;
const eventsOf = async (kind: string) => (await platform.database.db.select().from(loadingRecordEvents).where(eq(loadingRecordEvents.recordId, recordId))).filter((e) => e.kind === kind);

beforeAll(async () => {
  platform = await startTestPlatform({ env: { CAMERA_FROZEN_SECONDS: '120', INFERENCE_WORKERS: '1', RECORDING_SEGMENT_SECONDS: '2', LOG_LEVEL: 'warn' } });
  world = await createWorld(platform.services);
  const { services } = platform;
  for (const key of ['entA', 'officer1', 'admin'] as UserKey[]) principals[key] = (await services.auth.login(key, PASSWORD)).principal;
  colleague = await connectClient(platform.url, 'officer2', sockets);
  elsewhere = await connectClient(platform.url, 'officerOtherPort', sockets);
  siteId = (await services.admin.createSite(principals.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Lychee Hill pig farm', kind: 'farm' })).id;
  await services.admin.createVehicle(principals.admin, { enterpriseId: world.enterprises.a, plate: PLATE });

  // The bay: the lorry's plate, then its declared seal, then a seal nobody declared (12 s each, looping: a still
  // picture is analysed every few seconds, and a read must repeat to count).
  const bayVideo = path.join(workDir, 'bay.mp4');
  const stills = ['plate-hong-kong.jpg', 'seal.jpg', 'seal-other.jpg'].flatMap((f) => ['-loop', '1', '-t', '12', '-i', path.join(fixtures, f)]);
  // Not execFileSync: the platform runs in this process, and a blocked event loop drops its connections.
  await promisify(execFile)('ffmpeg', ['-loglevel', 'error', '-y', ...stills, '-filter_complex', '[0][1][2]concat=n=3:v=1:a=0,fps=10,format=yuv420p', '-c:v', 'libx264', '-g', '10', bayVideo]);
  // Each camera as an IP camera is reached: a real RTSP server serving its main stream (recorded, stills) and a
  // sub-stream (analysed, wall tiles). The bay's needs a login and sends over UDP; the ramp's over TCP.
  const bay = await startRtspCamera({
    name: 'bay',
    file: bayVideo,
    main: { width: 1280, height: 720, fps: 10, bitrate: '1500k' },
    sub: { width: 960, height: 540, fps: 10, bitrate: '1000k' },
    user: 'viewer',
    password: 'bay s3cret',
  });
  cameras.push(bay);
  bayCamera = (
    await services.admin.createCamera(principals.admin, {
      siteId,
      name: 'Loading bay',
      sourceUrl: bay.mainUrl,
      subSourceUrl: bay.subUrl,
      rtspTransport: 'udp',
      supervision: true,
      recording: 'continuous',
      analysis: ['plate', 'seal'],
    })
  ).id;
  // The ramp: pigs walking up over the loading line (a clip of the crossing generator, looping).
  const ramp = await startRtspCamera({
    name: 'ramp',
    file: path.join(fixtures, 'pigs-crossing.mp4'),
    main: { width: 1280, height: 720, fps: 5, bitrate: '1000k' },
    sub: { width: 640, height: 360, fps: 5 },
  });
  cameras.push(ramp);
  rampCamera = (await services.admin.createCamera(principals.admin, { siteId, name: 'Ramp', sourceUrl: ramp.mainUrl, subSourceUrl: ramp.subUrl, supervision: true, analysis: ['count'] })).id;

  declarationId = (
    await services.declarations.create(principals.admin, {
      number: '530120261000000777',
      enterpriseId: world.enterprises.a,
      portId: world.ports.main,
      siteId,
      goodsDescription: 'Live pigs for Hong Kong',
      declaredQuantity: 6,
      quantityUnit: 'head',
      sealNumbers: [SEAL, UNSEEN_SEAL],
    })
  ).id;
}, 90_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all(cameras.map((c) => c.stop()));
  await platform?.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe('loading record', () => {
  it('takes both farm cameras from their RTSP server: sub-streams analysed and tiled, main streams recorded and full size', async () => {
    const { supervision } = platform.media;
    await waitFor(() => [bayCamera, rampCamera].every((id) => supervision.feed(id)?.online), 'both cameras live from RTSP (main and sub-stream)', 30_000);
    for (const id of [bayCamera, rampCamera]) {
      const feed = supervision.feed(id)!;
      expect([feed.producer.input, feed.lowProducer.input]).toEqual(['main', 'sub']);
      // The wall offers each camera's sub-stream for its tile and its main stream for opening it full size.
      expect((await supervision.wallStreams()).filter((s) => s.producer.cameraId === id).map((s) => s.producer.input)).toEqual(['sub', 'main']);
    }
    // The bay records its main stream: footage at the main stream's size.
    const footage = await waitFor(async () => (await platform.database.db.select().from(cameraFootage).where(eq(cameraFootage.cameraId, bayCamera)).limit(1))[0], 'bay footage', 30_000);
    const { stdout } = await promisify(execFile)('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=width,height',
      '-of',
      'csv=p=0',
      path.join(platform.dataDir, footage.path),
    ]);
    expect(stdout.trim()).toBe('1280,720');
  }, 60_000);

  it('is opened by an officer of the port for a declaration at its farm; bad requests change nothing', async () => {
    const officer = await as('officer1');
    expect((await (await as('entA')).post('/api/loading-records', { declarationId })).status).toBe(403);
    expect((await (await as('officerOtherPort')).post('/api/loading-records', { declarationId })).status).toBe(404);
    expect((await officer.post('/api/loading-records', { declarationId: 'not-a-uuid' })).status).toBe(400);
    // A declaration without a farm cannot be loaded anywhere.
    const nowhere = await officer.post('/api/loading-records', { declarationId: world.declarations.a });
    expect([nowhere.status, nowhere.body.error.reason]).toEqual([409, 'declaration_without_site']);
    expect((await officer.get('/api/loading-records')).body).toEqual({ items: [], total: 0 });

    const opened = await officer.post('/api/loading-records', { declarationId, vehiclePlate: PLATE.toLowerCase() });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(opened.body).toMatchObject({ status: 'open', expectedPlate: PLATE, declaredQuantity: 6, declaredSeals: [SEAL, UNSEEN_SEAL], siteName: 'Lychee Hill pig farm', counted: 0, sealed: false });
    recordId = opened.body.id;
    const again = await (await as('officer2')).post('/api/loading-records', { declarationId });
    expect([again.status, again.body.error.reason]).toEqual([409, 'loading_record_open']);
    await waitFor(() => colleague.events.some(([e, p]) => e === 'loading:event' && p.recordId === recordId && p.event.kind === 'opened'), 'the opening pushed to the port', 10_000);
  });

  it('reads the vehicle at the bay and matches it to the expected plate', async () => {
    await waitFor(async () => (await recordOf()).record.matchedPlate === PLATE, 'the expected plate read and matched', 120_000);
    const [vehicle] = (await eventsOf('vehicle')).filter((e) => (e.payload as { plate: string }).plate === PLATE);
    expect(vehicle!.payload).toMatchObject({ plate: PLATE, matched: true, registered: true, cameraId: bayCamera, camera: 'Loading bay' });
    // Read again and again: on the record once.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await eventsOf('vehicle')).filter((e) => (e.payload as { plate: string }).plate === PLATE)).toHaveLength(1);
  }, 130_000);

  it('keeps a still with each checklist tick, and notes', async () => {
    const officer = await as('officer1');
    const ticked = await officer.post(`/api/loading-records/${recordId}/checks`, { item: 'vehicle_disinfected', cameraId: bayCamera });
    expect(ticked.status, JSON.stringify(ticked.body)).toBe(201);
    expect(ticked.body.payload.still).toMatchObject({ cameraId: bayCamera, camera: 'Loading bay', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const still = await fetch(`${platform.url}/api/loading-records/${recordId}/stills/${ticked.body.id}`, { headers: { cookie: officer.cookieHeader() } });
    expect(still.status).toBe(200);
    const jpeg = Buffer.from(await still.arrayBuffer());
    expect(crypto.createHash('sha256').update(jpeg).digest('hex')).toBe(ticked.body.payload.still.sha256);
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    const twice = await officer.post(`/api/loading-records/${recordId}/checks`, { item: 'vehicle_disinfected' });
    expect([twice.status, twice.body.error.reason]).toEqual([409, 'check_done']);
    expect((await officer.post(`/api/loading-records/${recordId}/checks`, { item: 'teleported' })).status).toBe(400);
    // A camera of another farm is not this record's.
    expect((await officer.post(`/api/loading-records/${recordId}/checks`, { item: 'loading_bay_disinfected', cameraId: crypto.randomUUID() })).status).toBe(404);
    expect((await officer.post(`/api/loading-records/${recordId}/checks`, { item: 'clinical_inspection_passed' })).status).toBe(201);
    expect((await officer.post(`/api/loading-records/${recordId}/notes`, { text: 'Clinical inspection: no cough, no lameness; temperatures normal.' })).status).toBe(201);
    expect((await officer.post(`/api/loading-records/${recordId}/notes`, { text: '   ' })).status).toBe(400);
    // Only the port's officers conduct it; the enterprise reads it.
    expect((await (await as('entA')).post(`/api/loading-records/${recordId}/notes`, { text: 'hello' })).status).toBe(403);
    expect((await (await as('officerOtherPort')).post(`/api/loading-records/${recordId}/notes`, { text: 'hello' })).status).toBe(404);
    expect((await recordOf()).record.checks).toEqual(['vehicle_disinfected', 'clinical_inspection_passed']);
  });

  it('counts a deck across the loading line on the ramp camera', async () => {
    const officer = await as('officer1');
    const url = `/api/loading-records/${recordId}/decks`;
    const line = { a: [0, 0.5], b: [1, 0.5] };
    expect((await officer.post(url, { cameraId: bayCamera, line })).body.error?.reason).toBe('camera_not_counting');
    expect((await officer.post(url, { cameraId: rampCamera, line: { a: [0.5, 0.5], b: [0.51, 0.5] } })).status).toBe(400);
    expect((await officer.post(`${url}/close`)).body.error?.reason).toBe('no_open_deck');
    const deck = await waitFor(
      async () => {
        const opened = await officer.post(url, { cameraId: rampCamera, line });
        return opened.status === 201 ? opened : opened.body.error?.reason === 'camera_not_live' ? null : Promise.reject(new Error(JSON.stringify(opened.body)));
      },
      'the ramp camera counting',
      60_000,
    );
    expect(deck.body.payload).toMatchObject({ deck: 1, cameraId: rampCamera, camera: 'Ramp' });
    expect((await officer.post(url, { cameraId: rampCamera, line })).body.error?.reason).toBe('deck_open');
    await waitFor(() => colleague.events.some(([e, b]) => e === 'vision:batch' && b.batchId === `${recordId}:deck:1` && b.net > 0), 'pigs counted over the line, pushed to the port', 90_000);
    const closed = await officer.post(`${url}/close`);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.payload.net).toBeGreaterThan(0);
    expect((await recordOf()).record).toMatchObject({ counted: closed.body.payload.net, openDeck: null });
    expect(elsewhere.events.some(([e]) => e === 'vision:batch' || e === 'loading:event')).toBe(false);

    // Fault: the camera's analysis restarts while a deck is counted (administration changed it): the deck's
    // count is lost, and it closes as interrupted, counting nothing, instead of leaving the record stuck.
    expect((await officer.post(url, { cameraId: rampCamera, line })).status).toBe(201);
    await platform.services.admin.update(principals.admin, 'camera', rampCamera, { analysis: ['count', 'seal'] });
    // Changes to one camera apply in order: once this one is applied, so is administration's.
    await platform.media.supervision.refresh(rampCamera);
    const interrupted = await officer.post(`${url}/close`);
    expect(interrupted.status, JSON.stringify(interrupted.body)).toBe(200);
    expect(interrupted.body.payload).toMatchObject({ deck: 2, net: 0, interrupted: true });
    expect((await recordOf()).record).toMatchObject({ counted: closed.body.payload.net, openDeck: null });
    await platform.services.admin.update(principals.admin, 'camera', rampCamera, { analysis: ['count'] });
  }, 160_000);

  it('matches the declared seal, and raises seal_mismatch with its frame and clip for a seal nobody declared', async () => {
    await waitFor(async () => (await recordOf()).record.sealsMatched.includes(SEAL), 'the declared seal read', 120_000);
    const wrong = await waitFor(async () => (await eventsOf('seal')).find((e) => (e.payload as { seal: string }).seal === WRONG_SEAL), 'the undeclared seal read', 120_000);
    expect(wrong.payload).toMatchObject({ matched: false, cameraId: bayCamera });
    const linked = await waitFor(
      async () => (await eventsOf('alarm')).find((e) => (e.payload as { rule: string; details: { read?: string } }).details.read === WRONG_SEAL),
      'seal_mismatch on the record',
      30_000,
    );
    const alarmId = (linked.payload as { alarmId: string }).alarmId;
    const [alarm] = await platform.database.db.select().from(alarms).where(eq(alarms.id, alarmId));
    expect(alarm).toMatchObject({ rule: 'seal_mismatch', siteId, sessionId: null, details: expect.objectContaining({ read: WRONG_SEAL }) });
    expect(alarm!.evidencePath).toBeTruthy();
    // The enterprise reads the record without its alarms.
    const theirs = await recordOf('entA');
    expect(theirs.events.some((e: { kind: string }) => e.kind === 'alarm')).toBe(false);
    expect(theirs.events.some((e: { kind: string }) => e.kind === 'seal')).toBe(true);
    expect((await (await as('officerOtherPort')).get(`/api/loading-records/${recordId}`)).status).toBe(404);
  }, 260_000);

  it('is released with a reason, sealed with its stills, frames and clips, and verified; a tampered clip is named', async () => {
    const officer = await as('officer1');
    const decide = (body: unknown) => officer.post(`/api/loading-records/${recordId}/decision`, body);
    expect((await decide({ decision: 'release' })).body.error?.reason).toBe('reason_required');
    expect((await decide({ decision: 'waved-through', reason: 'x' })).status).toBe(400);
    expect((await (await as('entA')).post(`/api/loading-records/${recordId}/decision`, { decision: 'release', reason: 'ok' })).status).toBe(403);
    const released = await decide({ decision: 'release', reason: 'Seal CN7777777 was replaced at the farm; the new seal is recorded in the note.' });
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body).toMatchObject({ status: 'released', decidedByName: 'officer1' });
    expect((await decide({ decision: 'hold', reason: 'again' })).body.error?.reason).toBe('loading_record_decided');
    expect((await officer.post(`/api/loading-records/${recordId}/notes`, { text: 'late' })).body.error?.reason).toBe('loading_record_decided');
    const [decision] = await eventsOf('decision');
    expect(decision!.payload).toMatchObject({ decision: 'release', declared: 6, sealsMatched: [SEAL], sealsMissing: [UNSEEN_SEAL] });

    // Sealed once the seal_mismatch clip is cut from the bay's footage.
    await waitFor(async () => (await recordOf()).record.sealed, 'the record sealed', 60_000);
    const report = await officer.get(`/api/loading-records/${recordId}/verification`);
    expect(report.body, JSON.stringify(report.body)).toMatchObject({ recordId, ok: true, problems: [] });
    const [mismatch] = await platform.database.db.select().from(alarms).where(sql`${alarms.details}->>'read' = ${WRONG_SEAL}`);
    expect(mismatch!.clipPath).toBeTruthy();
    expect(report.body.checkedArtefacts).toBeGreaterThanOrEqual(4); // a still, a frame, a clip, record.json
    expect(await platform.services.loadingArchive.verify(null, recordId)).toMatchObject({ ok: true });

    // Found in the archive of the port by declaration number; not by another port.
    expect((await officer.get('/api/loading-records?q=0777&status=released')).body).toMatchObject({ total: 1, items: [{ id: recordId }] });
    expect((await (await as('officerOtherPort')).get('/api/loading-records?q=0777')).body.total).toBe(0);
    expect((await officer.get('/api/loading-records?status=lost')).status).toBe(400);

    // The clip changed on disk: verification names it.
    const clip = path.join(platform.dataDir, mismatch!.clipPath!);
    fs.appendFileSync(clip, Buffer.from('tampered'));
    const tampered = await officer.get(`/api/loading-records/${recordId}/verification`);
    expect(tampered.body.ok).toBe(false);
    expect(tampered.body.problems).toEqual([expect.objectContaining({ item: mismatch!.clipPath, problem: 'changed' })]);
  }, 120_000);

  it('loses footage to a full disk oldest first, keeping held footage and the sealed record; bad holds change nothing', async () => {
    const officer = await as('officer1');
    const holds = `/api/cameras/${bayCamera}/footage-holds`;
    const bayFootage = async () => platform.database.db.select().from(cameraFootage).where(eq(cameraFootage.cameraId, bayCamera)).orderBy(cameraFootage.startedAt);
    const [oldest, second] = await bayFootage();
    const span = { from: oldest!.startedAt.toISOString(), to: new Date(oldest!.startedAt.getTime() + 1000).toISOString() };
    expect((await (await as('entA')).post(holds, { ...span, reason: 'mine' })).status).toBe(403);
    expect((await (await as('officerOtherPort')).post(holds, { ...span, reason: 'theirs' })).status).toBe(404);
    expect((await officer.post(holds, { from: span.to, to: span.from, reason: 'backwards' })).status).toBe(400);
    expect((await officer.post(holds, { ...span, reason: '  ' })).status).toBe(400);
    const held = await officer.post(holds, { ...span, reason: 'Case 12: the lorry at arrival' });
    expect(held.status, JSON.stringify(held.body)).toBe(201);

    // The disk is full: the oldest footage that may go goes (the held one stays), and the admins are told.
    const told: string[] = [];
    const guard = new StorageGuard({
      db: platform.database.db,
      footage: platform.services.footage,
      disk: () => ({ totalBytes: 1000, freeBytes: 0 }),
      maxUsedPercent: 90,
      notify: (_users, n) => told.push(n.kind),
      logger: platform.logger,
    });
    await guard.check();
    const left = (await bayFootage()).map((f) => f.id);
    expect(left).toContain(oldest!.id);
    expect(left).not.toContain(second!.id);
    expect(told).toEqual(['storage.pressure']);
    // A moment only the deleted segment showed (segments of one run may overlap by a few milliseconds).
    const moment = new Date(Math.max(oldest!.startedAt.getTime() + oldest!.durationMs + 1, second!.startedAt.getTime() + 1));
    expect(moment.getTime()).toBeLessThan(second!.startedAt.getTime() + second!.durationMs);
    const review = await officer.get(`/api/cameras/${bayCamera}/footage?at=${encodeURIComponent(moment.toISOString())}`);
    expect(review.body).toMatchObject({ deleted: { reason: 'disk_pressure' } });
    // The sealed record is evidence, not footage: its verification still names only the tampered clip.
    const report = await officer.get(`/api/loading-records/${recordId}/verification`);
    expect(report.body.problems).toHaveLength(1);
    // The storage view is the admin's.
    expect((await officer.get('/api/admin/storage')).status).toBe(403);
    const storage = await (await as('admin')).get('/api/admin/storage');
    expect(storage.body.cameras).toEqual(expect.arrayContaining([expect.objectContaining({ cameraId: bayCamera, site: 'Lychee Hill pig farm', segments: expect.any(Number) })]));
    expect(storage.body.disk).toMatchObject({ maxUsedPercent: 90 });
  }, 60_000);
});
