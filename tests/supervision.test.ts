/**
 * Farm supervision without a booking: a camera in supervision mode is live on its own, one ingest per
 * camera whoever watches it (a booked session of its farm shares it), analysed continuously (its counts to
 * the port's officers, a frozen picture raised at the site), restarted when its ffmpeg dies, reported
 * offline to the port's officers at the site, and let go when administration turns it off.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, eq, isNotNull } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { alarms, cameraFootage } from '../server/db/schema.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameTap } from '../media/index.ts';
import { freeUdpPortPair } from '../media/network.ts';
import { startCameraSimulator } from '../scripts/camera-simulator.ts';
import type { Principal } from '../server/services/access.ts';
import { SUPERVISION_HOLDER as SUPERVISION } from '../server/live/camera-feeds.ts';
import { HttpClient, startTestPlatform, type TestPlatform } from './support/platform.ts';
import { connectClient, type TestSocketClient } from './support/socket-client.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, PASSWORD, startLiveInspection, type UserKey, type World } from './support/world.ts';

let platform: TestPlatform;
let world: World;
let simulator: ReturnType<typeof startCameraSimulator>;
let siteId: string;
let penCamera: string;
let silentCamera: string;
let countedCamera: string;
let pigs: ReturnType<typeof startCameraSimulator>;
/** Connected before any camera comes up: an officer of the farm's port, and one of another port. */
let colleague: TestSocketClient;
let elsewhere: TestSocketClient;
const sockets: Socket[] = [];
const principals = {} as Record<UserKey, Principal>;

/** An HTTP client logged in as `key`. */
const as = async (key: UserKey) => {
  const http = new HttpClient(platform.url);
  await http.login(key, PASSWORD);
  return http;
};

const supervised = (cameraId: string) => platform.media.supervision.states().find((s) => s.cameraId === cameraId);

beforeAll(async () => {
  platform = await startTestPlatform({ env: { CAMERA_OFFLINE_SECONDS: '3', CAMERA_FROZEN_SECONDS: '6', INFERENCE_WORKERS: '1', RECORDING_SEGMENT_SECONDS: '2', LOG_LEVEL: 'warn' } });
  world = await createWorld(platform.services);
  for (const key of ['entA', 'officer1', 'admin'] as UserKey[]) principals[key] = (await platform.services.auth.login(key, PASSWORD)).principal;
  colleague = await connectClient(platform.url, 'officer2', sockets);
  elsewhere = await connectClient(platform.url, 'officerOtherPort', sockets);
  const site = await platform.services.admin.createSite(principals.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Supervised farm', kind: 'farm' });
  siteId = site.id;
  const { rtpPort } = await freeUdpPortPair();
  simulator = startCameraSimulator({ to: `udp://127.0.0.1:${rtpPort}`, width: 640, height: 360, fps: 25 });
  penCamera = (await platform.services.admin.createCamera(principals.admin, { siteId, name: 'Pen 3', sourceUrl: `udp://127.0.0.1:${rtpPort}`, supervision: true, recording: 'continuous' })).id;
  const silent = await freeUdpPortPair();
  silentCamera = (await platform.services.admin.createCamera(principals.admin, { siteId, name: 'Back gate', sourceUrl: `udp://127.0.0.1:${silent.rtpPort}`, supervision: true })).id;
  // A pen whose animals are counted all day: a still picture of pigs (so it also freezes).
  const pen = await freeUdpPortPair();
  pigs = startCameraSimulator({ to: `udp://127.0.0.1:${pen.rtpPort}`, file: path.join(import.meta.dirname, 'fixtures/vision/pigs-pen.jpg'), width: 960, height: 540, fps: 10 });
  countedCamera = (
    await platform.services.admin.createCamera(principals.admin, {
      siteId,
      name: 'Pen 4',
      sourceUrl: `udp://127.0.0.1:${pen.rtpPort}`,
      supervision: true,
      recording: 'continuous',
      analysis: ['count'],
    })
  ).id;
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await simulator?.stop();
  await pigs?.stop();
  await platform?.stop();
});

describe('farm supervision', () => {
  it('brings a supervised camera live without any session', async () => {
    await waitFor(() => supervised(penCamera)?.online === true, 'the supervised pen camera online', 30_000);
    expect(platform.media.feeds.holders(penCamera)).toEqual([SUPERVISION]);
    expect(await platform.media.feeds.pid(penCamera)).toBeGreaterThan(0);
  });

  it('shows the camera on the wall of those who may see its farm, and to nobody else', async () => {
    const list = async (key: UserKey) => (await (await as(key)).get('/api/supervision/cameras')).body as Array<{ cameraId: string; live: boolean; online: boolean; siteName: string }>;
    expect((await list('officer2')).find((c) => c.cameraId === penCamera)).toMatchObject({ live: true, online: true, siteName: 'Supervised farm' });
    expect((await list('entA')).map((c) => c.cameraId)).toContain(penCamera);
    expect(await list('officerOtherPort')).toEqual([]);
    expect(await list('entB')).toEqual([]);

    const viewer = await connectClient(platform.url, 'officer2', sockets);
    const wall = await viewer.send('wall:join', { sessionId: 'wall' });
    expect(wall.ok, JSON.stringify(wall)).toBe(true);
    if (!wall.ok) return;
    const pen = wall.data.producers.find((p: { cameraId: string }) => p.cameraId === penCamera);
    expect(pen).toBeDefined();
    const transport = await viewer.send('media:createTransport', { sessionId: 'wall', direction: 'recv' });
    expect(transport.ok).toBe(true);
    const consumed = await viewer.send('media:consume', { sessionId: 'wall', transportId: transport.ok && transport.data.id, producerId: pen.producerId, rtpCapabilities: wall.data.rtpCapabilities });
    expect(consumed.ok, JSON.stringify(consumed)).toBe(true);
    // Nobody sends on the wall.
    expect(await viewer.send('media:createTransport', { sessionId: 'wall', direction: 'send' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    // An officer of another port joins the wall but sees none of it, and cannot take the camera by its id.
    const stranger = await connectClient(platform.url, 'officerOtherPort', sockets);
    const theirs = await stranger.send('wall:join', { sessionId: 'wall' });
    expect(theirs.ok && theirs.data.producers).toEqual([]);
    const theirTransport = await stranger.send('media:createTransport', { sessionId: 'wall', direction: 'recv' });
    const taken = await stranger.send('media:consume', {
      sessionId: 'wall',
      transportId: theirTransport.ok && theirTransport.data.id,
      producerId: pen.producerId,
      rtpCapabilities: wall.data.rtpCapabilities,
    });
    expect(taken).toMatchObject({ ok: false, error: { code: 'producer_not_found' } });
    // Media messages for the wall before joining it are refused.
    const late = await connectClient(platform.url, 'officer1', sockets);
    expect(await late.send('media:createTransport', { sessionId: 'wall', direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('counts a supervised pen continuously, for the port officers only, and raises a frozen picture at the site', async () => {
    const counted = await waitFor(
      () => colleague.events.find(([event, r]) => event === 'vision:result' && r.cameraId === countedCamera && r.task === 'count' && r.count > 0),
      'a live count of the supervised pen',
      90_000,
    );
    expect(counted[1].count).toBeGreaterThan(10);
    expect(elsewhere.events.some(([event]) => event === 'vision:result')).toBe(false);
    const frozen = await waitFor(
      async () =>
        (
          await platform.database.db
            .select()
            .from(alarms)
            .where(and(eq(alarms.cameraId, countedCamera), eq(alarms.rule, 'camera_frozen')))
        )[0],
      'camera_frozen at the farm',
      60_000,
    );
    expect(frozen).toMatchObject({ sessionId: null, siteId, status: 'open' });
    // The pen is recorded: the seconds around the alarm are cut into a clip kept (and hashed) with it.
    const clipped = await waitFor(
      async () =>
        (
          await platform.database.db
            .select()
            .from(alarms)
            .where(and(eq(alarms.id, frozen.id), isNotNull(alarms.clipPath)))
        )[0],
      'the clip of the frozen alarm',
      40_000,
    );
    const officer = await as('officer2');
    const clip = await fetch(`${platform.url}/api/alarms/${frozen.id}/clip`, { headers: { cookie: officer.cookieHeader() } });
    expect(clip.status).toBe(200);
    const bytes = Buffer.from(await clip.arrayBuffer());
    expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(clipped.clipSha256);
    expect(bytes.length).toBeGreaterThan(1000);
    expect((await fetch(`${platform.url}/api/alarms/${frozen.id}/clip`, { headers: { cookie: (await as('officerOtherPort')).cookieHeader() } })).status).toBe(404);
    // (A starved test machine may also see the pen briefly offline: the frozen item is looked up by id.)
    expect((await officer.get(`/api/review/alarms?cameraId=${countedCamera}`)).body.items.find((a: { id: string }) => a.id === frozen.id)).toMatchObject({ hasClip: true });
  }, 150_000);

  it('names the counting model version on each result; an administrator switches versions without a restart, and back', async () => {
    const admin = await as('admin');
    const officer = await as('officer1');
    const listed = await admin.get('/api/admin/models');
    expect(listed.status).toBe(200);
    expect(listed.body.count).toMatchObject({ active: 'count-ab-r6', default: 'count-ab-r6' });
    expect(listed.body.count.versions.map((v: { id: string }) => v.id)).toEqual([
      'count-ab-r6',
      'count-ab-r6-flip',
      'count-ab-r5',
      'count-r9r7-mean',
      'count-r7',
      'count-ab-r1',
      'count-ab-r3',
      'count-ab-r4',
    ]);
    expect((await officer.get('/api/admin/models')).status).toBe(403);
    expect((await officer.request('PUT', '/api/admin/models/count', { version: 'count-r7' })).status).toBe(403);
    expect((await admin.request('PUT', '/api/admin/models/count', { version: 'count-r99' })).status).toBe(404);
    expect((await admin.request('PUT', '/api/admin/models/count', {})).status).toBe(400);
    const resultsFrom = (since: number, model: string) =>
      colleague.events.slice(since).find(([event, r]) => event === 'vision:result' && r.cameraId === countedCamera && r.task === 'count' && r.model === model);
    await waitFor(() => resultsFrom(0, 'count-ab-r6'), 'a count by the default version', 30_000);
    const workers = await platform.inferencePids();

    expect((await admin.request('PUT', '/api/admin/models/count', { version: 'count-r7' })).body).toEqual({ active: 'count-r7' });
    const since = colleague.events.length;
    const counted = await waitFor(() => resultsFrom(since, 'count-r7'), 'a count by the version made active', 30_000);
    expect(counted[1].count).toBeGreaterThan(10);
    expect(await platform.inferencePids()).toEqual(workers);
    expect((await admin.get('/api/admin/models')).body.count.active).toBe('count-r7');

    expect((await admin.request('PUT', '/api/admin/models/count', { version: 'count-ab-r6' })).status).toBe(200);
    const back = colleague.events.length;
    await waitFor(() => resultsFrom(back, 'count-ab-r6'), 'a count by the default version again', 30_000);
  });

  it('draws zones over a camera: an isolation pen with pigs in it raises an alarm, a motion mask hides what is under it', async () => {
    const admin = await as('admin');
    const zones = `/api/admin/cameras/${countedCamera}/zones`;
    const left = {
      name: 'Isolation pen 2',
      kind: 'isolation_pen',
      polygon: [
        [0, 0],
        [0.5, 0],
        [0.5, 1],
        [0, 1],
      ],
    };
    // Bad zones change nothing: a line, too few corners, corners off the picture, an unknown kind, not an admin.
    for (const bad of [
      {
        ...left,
        polygon: [
          [0, 0],
          [0.5, 0.5],
          [1, 1],
        ],
      },
      {
        ...left,
        polygon: [
          [0, 0],
          [1, 1],
        ],
      },
      {
        ...left,
        polygon: [
          [0, 0],
          [1.5, 0],
          [0, 1],
        ],
      },
      { ...left, kind: 'swimming_pool' },
      { ...left, name: ' ' },
    ]) {
      expect((await admin.post(zones, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect((await (await as('officer1')).post(zones, left)).status).toBe(403);
    expect((await admin.post(`/api/admin/cameras/${crypto.randomUUID()}/zones`, left)).status).toBe(404);
    // The picture to draw on: the live camera's still (a pushed camera cannot be opened a second time).
    const still = await fetch(`${platform.url}/api/admin/cameras/${countedCamera}/live-still`, { headers: { cookie: admin.cookieHeader() } });
    expect([still.status, still.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    expect((await still.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const silentStill = await admin.get(`/api/admin/cameras/${silentCamera}/live-still`);
    expect([silentStill.status, silentStill.body.error.reason]).toEqual([409, 'camera_not_live']);
    // The administrator's camera test shows the same live picture: the pushed port is the feed's and cannot be
    // opened again (it failed with "no picture" before). A silent pushed camera is still reported unreachable.
    const tested = await fetch(`${platform.url}/api/admin/cameras/${countedCamera}/preview`, { headers: { cookie: admin.cookieHeader() } });
    expect([tested.status, tested.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    expect((await tested.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    // Said as what it is, not as the port's failure to open twice.
    const silentTest = (await admin.get(`/api/admin/cameras/${silentCamera}/preview`)).body.error;
    expect([silentTest.code, silentTest.reason]).toEqual(['camera_unreachable', 'camera_silent']);
    const created = await admin.post(zones, left);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const again = await admin.post(zones, left);
    expect([again.status, again.body.error.reason]).toEqual([409, 'name_taken']);
    // Officers of the port see them (drawn over the picture); another port does not see the camera.
    expect((await (await as('officer2')).get(`/api/cameras/${countedCamera}/zones`)).body).toEqual([expect.objectContaining({ name: 'Isolation pen 2', kind: 'isolation_pen' })]);
    expect((await (await as('officerOtherPort')).get(`/api/cameras/${countedCamera}/zones`)).status).toBe(404);

    // The pen in the picture's left half has pigs: animals_in_isolation, with its frame, at the farm.
    const alarm = await waitFor(
      async () =>
        (
          await platform.database.db
            .select()
            .from(alarms)
            .where(and(eq(alarms.cameraId, countedCamera), eq(alarms.rule, 'animals_in_isolation')))
        )[0],
      'animals_in_isolation',
      60_000,
    );
    expect(alarm).toMatchObject({ sessionId: null, siteId, status: 'open', details: expect.objectContaining({ zone: 'Isolation pen 2', zoneId: created.body.id }) });
    expect((alarm.details as { animals: number }).animals).toBeGreaterThan(0);
    expect(alarm.evidencePath).toBeTruthy();

    // A mask over the whole picture: nothing is counted any more (the camera is not restarted for it).
    const pid = await platform.media.feeds.pid(countedCamera);
    const mask = await admin.post(zones, {
      name: 'Clock overlay',
      kind: 'motion_mask',
      polygon: [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ],
    });
    expect(mask.status).toBe(201);
    await platform.media.supervision.refresh(countedCamera);
    const since = colleague.events.length;
    await waitFor(() => colleague.events.slice(since).filter(([e, r]) => e === 'vision:result' && r.cameraId === countedCamera).length >= 3, 'results after the mask', 30_000);
    const after = colleague.events.slice(since).filter(([e, r]) => e === 'vision:result' && r.cameraId === countedCamera);
    expect(after.slice(1).every(([, r]) => r.count === 0)).toBe(true);
    expect(await platform.media.feeds.pid(countedCamera)).toBe(pid);
    for (const z of [created.body, mask.body]) expect((await admin.delete(`${zones}/${z.id}`)).status).toBe(200);
    expect((await admin.delete(`${zones}/${created.body.id}`)).status).toBe(404);
  }, 120_000);

  it('reports a silent supervised camera offline at its site, to the port officers only', async () => {
    const openOfSilent = () =>
      platform.database.db
        .select()
        .from(alarms)
        .where(and(eq(alarms.cameraId, silentCamera), eq(alarms.status, 'open')));
    await waitFor(async () => (await openOfSilent()).length === 1, 'camera_offline of the silent camera', 30_000);
    const [alarm] = await openOfSilent();
    expect(alarm).toMatchObject({ rule: 'camera_offline', sessionId: null, siteId });
    await waitFor(() => colleague.events.some(([event, payload]) => event === 'alarm:changed' && payload.alarm.cameraId === silentCamera), 'the alarm pushed to the port', 10_000);
    expect(elsewhere.events.some(([event]) => event === 'alarm:changed')).toBe(false);
    expect(supervised(silentCamera)).toMatchObject({ online: false });
    // The wall counts it for the port's officers; the farm's own wall counts no alarms (they are the officers').
    const tile = async (user: UserKey) => (await (await as(user)).get('/api/supervision/cameras')).body.find((c: { cameraId: string }) => c.cameraId === silentCamera);
    expect((await tile('officer2')).openAlarms).toBeGreaterThanOrEqual(1);
    expect(await tile('entA')).toMatchObject({ cameraId: silentCamera, openAlarms: 0 });
  });

  it('puts the farm incidents in the review queue of the port, where an officer marks them reviewed', async () => {
    const officer = await as('officer2');
    const queue = await officer.get(`/api/review/alarms?state=unreviewed&siteId=${siteId}`);
    expect(queue.status).toBe(200);
    const offline = queue.body.items.find((a: any) => a.cameraId === silentCamera && a.rule === 'camera_offline');
    expect(offline).toMatchObject({ siteName: 'Supervised farm', cameraName: 'Back gate', cameraRecording: 'off', enterpriseName: 'Alpha Foods', status: 'open', reviewedByName: null });
    expect((await (await as('officerOtherPort')).get('/api/review/alarms')).body).toEqual({ items: [], total: 0 });
    expect((await (await as('entA')).get('/api/review/alarms')).status).toBe(403);
    expect((await officer.get('/api/review/alarms?state=forgotten')).status).toBe(400);
    // Another port's officer may not review it (it does not exist for them); the port's officer does, once.
    expect((await (await as('officerOtherPort')).post(`/api/alarms/${offline.id}/acknowledge`)).status).toBe(404);
    expect((await officer.post(`/api/alarms/${offline.id}/acknowledge`)).status).toBe(200);
    expect((await officer.post(`/api/alarms/${offline.id}/acknowledge`)).body.error.reason).toBe('alarm_already_acknowledged');
    const reviewed = await officer.get(`/api/review/alarms?state=reviewed&cameraId=${silentCamera}`);
    expect(reviewed.body.items.map((a: any) => [a.id, a.reviewedByName])).toEqual([[offline.id, 'officer2']]);
  });

  it("keeps an officer's correction of a farm camera's count as a labelled sample: the frame, the model's points and the truth; exported, expired", async () => {
    const officer = await as('officer1');
    // Bad requests change nothing and hold nothing.
    expect((await officer.post('/api/vision/frames', { cameraId: countedCamera, task: 'animals' })).status).toBe(400);
    expect((await officer.post('/api/vision/frames', { cameraId: crypto.randomUUID(), task: 'count' })).status).toBe(404);
    expect((await (await as('officerOtherPort')).post('/api/vision/frames', { cameraId: countedCamera, task: 'count' })).status).toBe(404);
    expect((await (await as('entA')).post('/api/vision/frames', { cameraId: countedCamera, task: 'count' })).status).toBe(403);
    const notRead = await officer.post('/api/vision/frames', { cameraId: countedCamera, task: 'plate' });
    expect([notRead.status, notRead.body.error.reason]).toEqual([409, 'no_analysed_frame']);
    const held = await officer.post('/api/vision/frames', { cameraId: countedCamera, task: 'count' });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    expect(held.body).toMatchObject({ task: 'count', cameraId: countedCamera, sessionId: null, width: 640, height: 360, model: expect.any(String), predicted: { task: 'count' } });
    const { frameId, predicted } = held.body;
    expect(predicted.points).toHaveLength(predicted.count);
    // The picture as analysed, for the officer holding it and nobody else.
    const image = await fetch(`${platform.url}/api/vision/frames/${frameId}/image`, { headers: { cookie: officer.cookieHeader() } });
    expect(image.status).toBe(200);
    const jpeg = Buffer.from(await image.arrayBuffer());
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect((await (await as('officer2')).get(`/api/vision/frames/${frameId}/image`)).status).toBe(404);
    // The officer removes the model's first point and adds one it missed.
    const points = [...predicted.points.slice(1), [0.5, 0.5]];
    const url = `/api/vision/frames/${frameId}/label`;
    expect((await officer.post(url, { label: { task: 'plate', reads: [] } })).body.error.reason).toBe('label_task_mismatch');
    expect((await officer.post(url, { label: { task: 'count', points: [[1.5, 0.2]] } })).status).toBe(400);
    expect((await officer.post(url, { label: { task: 'count', points: Array.from({ length: 401 }, () => [0.1, 0.1]) } })).status).toBe(400);
    const saved = await officer.post(url, { label: { task: 'count', points } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body).toMatchObject({ task: 'count', cameraId: countedCamera, siteId, sessionId: null, hasImage: true, label: { task: 'count', points }, predicted: { count: predicted.count } });
    // A frame is labelled once.
    expect((await officer.post(url, { label: { task: 'count', points } })).status).toBe(404);
    // Administrators and supervisors see what was collected; officers do not list it.
    expect((await officer.get('/api/vision/samples')).status).toBe(403);
    const summary = await (await as('admin')).get('/api/vision/samples');
    expect(summary.body.counts).toMatchObject({ count: 1, plate: 0, seal: 0, crossing: 0 });
    const stored = await fetch(`${platform.url}/api/vision/samples/${saved.body.id}/image`, { headers: { cookie: (await as('admin')).cookieHeader() } });
    expect(Buffer.from(await stored.arrayBuffer()).equals(jpeg)).toBe(true);
    // The dataset export: pictures and labels in pixels, in the documented format.
    const dir = fs.mkdtempSync(path.join(platform.dataDir, 'export-'));
    expect(await platform.services.samples.exportTo(dir)).toMatchObject({ samples: 1, images: 1, counts: { count: 1 } });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'dataset.json'), 'utf8'))).toMatchObject({ format: 'watchpost-samples/1', samples: 1 });
    const [line] = fs
      .readFileSync(path.join(dir, 'samples.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(line).toMatchObject({ id: saved.body.id, task: 'count', image: `images/${saved.body.id}.jpg`, width: 640, height: 360, label: { count: points.length }, model: held.body.model });
    expect(line.label.points.at(-1)).toEqual([320, 180]);
    expect(fs.readFileSync(path.join(dir, line.image)).equals(jpeg)).toBe(true);
    // A farm's samples are kept VISION_SAMPLE_DAYS: past it, the picture and the row go, audited.
    expect(await platform.services.samples.expireFarmSamples(1)).toBe(0);
    expect(await platform.services.samples.expireFarmSamples(-1 / 86_400)).toBe(1);
    expect((await (await as('admin')).get('/api/vision/samples')).body.counts.count).toBe(0);
    expect(fs.existsSync(path.join(platform.dataDir, 'samples', `${saved.body.id}.jpg`))).toBe(false);
  });

  it('records a supervised camera continuously: footage found by time, played as MP4 by the port, expired by retention', async () => {
    const officer = await as('officer2');
    const moment = new Date(Date.now() - 1000).toISOString();
    const found = await waitFor(async () => (await officer.get(`/api/cameras/${penCamera}/footage?at=${encodeURIComponent(moment)}`)).body, 'footage of the pen', 30_000);
    expect(found.offsetMs).toBeGreaterThanOrEqual(0);
    const video = await fetch(`${platform.url}/api/footage/${found.footageId}/video`, { headers: { cookie: officer.cookieHeader() } });
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect(
      Buffer.from(await video.arrayBuffer())
        .subarray(4, 8)
        .toString(),
    ).toBe('ftyp');
    const other = await as('officerOtherPort');
    expect((await other.get(`/api/cameras/${penCamera}/footage?at=${encodeURIComponent(moment)}`)).status).toBe(404);
    expect((await fetch(`${platform.url}/api/footage/${found.footageId}/video`, { headers: { cookie: other.cookieHeader() } })).status).toBe(404);
    expect((await (await as('entA')).get(`/api/cameras/${penCamera}/footage?at=${encodeURIComponent(moment)}`)).status).toBe(403);
    expect((await officer.get(`/api/cameras/${penCamera}/footage?at=yesterday`)).status).toBe(400);
    // Before anything was recorded: nothing to show.
    expect((await officer.get(`/api/cameras/${penCamera}/footage?at=2020-01-01T00:00:00Z`)).body).toBeNull();

    // A segment written by a platform killed before storing it is salvaged at the next start.
    const [row] = await platform.database.db.select().from(cameraFootage).where(eq(cameraFootage.id, found.footageId));
    const file = path.join(platform.dataDir, row!.path);
    const killedRun = path.join(platform.dataDir, 'cameras', penCamera, '2026-11-30T08-00-00-000Z');
    fs.mkdirSync(killedRun, { recursive: true });
    fs.copyFileSync(file, path.join(killedRun, 'segment-00000.mkv'));
    expect(await platform.media.supervision.salvageFootage()).toBe(1);
    expect(await platform.media.supervision.salvageFootage()).toBe(0);
    expect((await officer.get(`/api/cameras/${penCamera}/footage?at=2026-11-30T08:00:00.500Z`)).body).toMatchObject({ startedAt: '2026-11-30T08:00:00.000Z' });

    // Retention: footage older than its days goes, files and rows, audited; what is newer stays.
    expect(fs.existsSync(file)).toBe(true);
    expect((await platform.services.footage.expire(1)).segments).toBe(1); // the salvaged one, two days old
    expect(fs.existsSync(path.join(killedRun, 'segment-00000.mkv'))).toBe(false);
    const expired = await platform.services.footage.expire(0);
    expect(expired.segments).toBeGreaterThan(0);
    expect(fs.existsSync(file)).toBe(false);
    expect(await platform.database.db.select().from(cameraFootage).where(eq(cameraFootage.id, found.footageId))).toEqual([]);
  });

  it('shares the one ingest with a booked session of the farm, and keeps it when the session ends', async () => {
    const before = await platform.media.feeds.pid(penCamera);
    const { sessionId } = await startLiveInspection(platform.services, principals as never, world, {
      declaration: { number: '530120261000000321', siteId, goodsDescription: 'Live pigs', declaredQuantity: 40, quantityUnit: 'head', sealNumbers: [] },
      type: 'routine_supervision',
    });
    await platform.media.live.room(sessionId, (await platform.services.inspections.authorizeJoin(principals.officer1, sessionId)).declarationId);
    const inSession = platform.media.live.processes(sessionId).cameras.find((c) => c.cameraId === penCamera);
    expect(inSession?.pid).toBe(before);
    expect(platform.media.feeds.holders(penCamera).sort()).toEqual([SUPERVISION, sessionId].sort());
    // The session's room has the camera (piped in, its own producer id), as a participant would see it.
    const room = platform.media.live.existingRoom(sessionId)!;
    expect(room.producerInfos().some((p) => p.cameraId === penCamera && p.kind === 'video')).toBe(true);
    await platform.media.live.close(sessionId);
    expect(platform.media.feeds.holders(penCamera)).toEqual([SUPERVISION]);
    expect(await platform.media.feeds.pid(penCamera)).toBe(before);
  });

  it('restarts the camera when its ffmpeg is killed, and it comes back online, its analysis seeing new frames', async () => {
    // A frame tap as the analysis has one: across the restart the stream's timestamps jump (a new ffmpeg).
    const feed = await waitFor(() => platform.media.supervision.feed(penCamera), 'the pen camera held');
    const tap = await FrameTap.open(feed.room, feed.producer, { width: 320, height: 180, fps: 5 });
    expect(await tap.next(10_000)).not.toBeNull();
    const pid = (await platform.media.feeds.pid(penCamera))!;
    process.kill(pid, 'SIGKILL');
    await waitFor(
      async () => {
        const now = await platform.media.feeds.pid(penCamera);
        return now !== undefined && now !== pid;
      },
      'a new ffmpeg for the camera',
      20_000,
    );
    await waitFor(() => supervised(penCamera)?.online === true, 'the camera online again', 30_000);
    // New pictures keep coming (the camera's test pattern moves): not the last one repeated, not none.
    const after: Buffer[] = [];
    for (let i = 0; i < 4; i++) {
      const frame = await tap.next(5000);
      expect(frame, `frame ${i} after the restart`).not.toBeNull();
      after.push(frame!.data);
    }
    expect(after.slice(1).every((f, i) => !f.equals(after[i]!))).toBe(true);
    tap.close('done');
  });

  it('takes a camera off the wall with its live view, still supervised (recorded), and back, without restarting it', async () => {
    const admin = await as('admin');
    const onWall = async () => (await platform.media.supervision.wallStreams()).some((s) => s.producer.cameraId === penCamera);
    expect(await onWall()).toBe(true);
    const pid = await platform.media.feeds.pid(penCamera);
    expect((await admin.request('PATCH', `/api/admin/cameras/${penCamera}`, { liveView: 'no' })).status).toBe(400);
    expect((await admin.request('PATCH', `/api/admin/cameras/${penCamera}`, { liveView: false })).status).toBe(200);
    await platform.media.supervision.refresh(penCamera);
    expect(await onWall()).toBe(false);
    expect(supervised(penCamera)).toBeDefined();
    const tile = ((await admin.get('/api/supervision/cameras')).body as Array<{ cameraId: string; liveView: boolean; live: boolean }>).find((c) => c.cameraId === penCamera);
    expect(tile).toMatchObject({ liveView: false, live: true });
    expect((await admin.request('PATCH', `/api/admin/cameras/${penCamera}`, { liveView: true })).status).toBe(200);
    await platform.media.supervision.refresh(penCamera);
    expect(await onWall()).toBe(true);
    // Its recording and analysis change on the same feed too: the camera's ingest goes on.
    expect((await admin.request('PATCH', `/api/admin/cameras/${penCamera}`, { recording: 'off', analysis: ['count'] })).status).toBe(200);
    await platform.media.supervision.refresh(penCamera);
    expect(await platform.media.supervision.isCounting(penCamera)).toBe(true);
    expect((await admin.request('PATCH', `/api/admin/cameras/${penCamera}`, { recording: 'continuous', analysis: [] })).status).toBe(200);
    await platform.media.supervision.refresh(penCamera);
    expect(await platform.media.supervision.isCounting(penCamera)).toBe(false);
    expect(await platform.media.feeds.pid(penCamera)).toBe(pid);
    // The same ingest throughout (the pid); on two loaded cores its frames may pause past the 3 s offline mark.
    await waitFor(() => supervised(penCamera)?.online === true, 'the camera online', 20_000);
  });

  it("follows a camera's schedule in its port's time zone: let go outside its windows, a session of the farm ingests it itself", async () => {
    const admin = await as('admin');
    const patch = (body: unknown) => admin.request('PATCH', `/api/admin/cameras/${silentCamera}`, body);
    const setZone = (timeZone: unknown) => admin.request('PATCH', `/api/admin/ports/${world.ports.main}`, { timeZone });
    const tile = async () =>
      ((await admin.get('/api/supervision/cameras')).body as Array<{ cameraId: string; onSchedule: boolean; scheduleChangeAt: string | null; live: boolean }>).find((c) => c.cameraId === silentCamera);
    expect(supervised(silentCamera)).toBeDefined();
    expect(await tile()).toMatchObject({ onSchedule: true, scheduleChangeAt: null });
    expect((await setZone('Mars/Olympus')).status).toBe(400);
    expect((await setZone('UTC')).status).toBe(200);
    for (const bad of [
      { windows: [] },
      { windows: [{ days: [8], from: '08:00', to: '18:00' }] },
      { windows: [{ days: [1], from: '8 am', to: '18:00' }] },
      { windows: [{ days: [1], from: '08:00', to: '08:00' }] },
    ]) {
      expect((await patch({ schedule: bad })).status, JSON.stringify(bad)).toBe(400);
    }
    expect(supervised(silentCamera)).toBeDefined();

    // Only the day after tomorrow (UTC): let go now, back at that day's midnight.
    const now = new Date();
    const isoDay = (d: Date) => ((d.getUTCDay() + 6) % 7) + 1;
    const inTwoDays = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 2));
    expect((await patch({ schedule: { windows: [{ days: [isoDay(inTwoDays)], from: '00:00', to: '23:59' }] } })).status).toBe(200);
    await waitFor(() => supervised(silentCamera) === undefined, 'the camera let go outside its schedule', 10_000);
    expect(platform.media.feeds.holders(silentCamera)).toEqual([]);
    expect(await tile()).toMatchObject({ onSchedule: false, scheduleChangeAt: inTwoDays.toISOString(), live: false });

    // Outside its hours a booked session of the farm still has the camera: it ingests it itself.
    const colleaguePrincipal = (await platform.services.auth.login('officer2', PASSWORD)).principal;
    const { sessionId } = await startLiveInspection(platform.services, { ...principals, officer1: colleaguePrincipal } as never, world, {
      declaration: { number: '530120261000000654', siteId, goodsDescription: 'Live pigs', declaredQuantity: 40, quantityUnit: 'head', sealNumbers: [] },
      type: 'routine_supervision',
    });
    await platform.media.live.room(sessionId, (await platform.services.inspections.authorizeJoin(colleaguePrincipal, sessionId)).declarationId);
    expect(platform.media.feeds.holders(silentCamera)).toEqual([sessionId]);
    await platform.media.live.close(sessionId);
    expect(platform.media.feeds.holders(silentCamera)).toEqual([]);

    // Every day from an hour ago to an hour from now (UTC): supervised again as soon as it is saved.
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const around = { windows: [{ days: [1, 2, 3, 4, 5, 6, 7], from: hhmm(new Date(Date.now() - 3600_000)), to: hhmm(new Date(Date.now() + 3600_000)) }] };
    expect((await patch({ schedule: around })).status).toBe(200);
    await waitFor(() => supervised(silentCamera) !== undefined, 'the camera back within its schedule', 10_000);
    expect((await tile())?.onSchedule).toBe(true);
    // The port's clock moves twelve hours on: outside the window there, let go at the next check (the
    // 30-second one may come first).
    expect((await setZone('Etc/GMT-12')).status).toBe(200);
    await platform.media.supervision.followSchedules();
    expect(supervised(silentCamera)).toBeUndefined();
    expect((await tile())?.onSchedule).toBe(false);

    expect((await setZone('Asia/Shanghai')).status).toBe(200);
    expect((await patch({ schedule: null })).status).toBe(200);
    await waitFor(() => supervised(silentCamera) !== undefined, 'the camera supervised always again', 10_000);
  });

  it('lets go of a camera administration turns out of supervision; refuses a malformed change', async () => {
    const admin = await as('admin');
    const bad = await admin.request('PATCH', `/api/admin/cameras/${silentCamera}`, { supervision: 'yes' });
    expect(bad.status).toBe(400);
    expect(supervised(silentCamera)).toBeDefined();
    expect((await admin.request('PATCH', `/api/admin/cameras/${silentCamera}`, { supervision: false })).status).toBe(200);
    await waitFor(() => supervised(silentCamera) === undefined, 'supervision to let go', 10_000);
    expect(platform.media.feeds.holders(silentCamera)).toEqual([]);
    expect(await platform.media.feeds.pid(silentCamera)).toBeUndefined();
  });

  it('copies a pushed camera that was silent when supervision started it, once it sends (its feed started again), instead of transcoding it', async () => {
    const { rtpPort } = await freeUdpPortPair();
    const late = (await platform.services.admin.createCamera(principals.admin, { siteId, name: 'Late gate', sourceUrl: `udp://127.0.0.1:${rtpPort}`, supervision: true })).id;
    // Probed while silent: transcoding is all it can plan.
    await waitFor(async () => (await platform.media.feeds.mode(late)) === 'vp8', 'the silent camera ingested, unprobed', 20_000);
    const camera = startCameraSimulator({ to: `udp://127.0.0.1:${rtpPort}`, width: 320, height: 240, fps: 25 });
    try {
      await waitFor(async () => (await platform.media.feeds.mode(late)) === 'copy' && supervised(late)?.online === true, 'the camera copied once it sends', 40_000);
      expect(platform.media.feeds.holders(late)).toEqual([SUPERVISION]);
    } finally {
      await camera.stop();
      await (await as('admin')).request('PATCH', `/api/admin/cameras/${late}`, { supervision: false });
    }
  }, 90_000);
});
