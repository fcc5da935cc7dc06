/**
 * Vision on a live inspection through the real platform: two site cameras (the simulator streaming
 * generated scenes) are analysed; the officer receives plate and seal reads with boxes, alarms with the
 * frame as evidence, and a frozen-camera alarm; the enterprise hears none of it. A loading batch is
 * opened and closed with the count compared to the declaration.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPortPair } from '../media/network.ts';
import { startCameraSimulator } from '../scripts/camera-simulator.ts';
import { alarms, loadingBatches } from '../server/db/schema.ts';
import type { Platform } from '../server/platform.ts';
import type { Principal } from '../server/services/access.ts';
import { HttpClient, startTestPlatform } from './support/platform.ts';
import { connectClient, type TestSocketClient } from './support/socket-client.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, PASSWORD, startLiveInspection, type UserKey, type World } from './support/world.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures', 'vision');
const labels = JSON.parse(fs.readFileSync(path.join(fixtures, 'labels.json'), 'utf8')) as Record<string, { text?: string }>;

let platform: Platform;
let world: World;
let sessionId: string;
const cameraIds = {} as Record<'gate' | 'ramp' | 'yard', string>;
const simulators: Array<ReturnType<typeof startCameraSimulator>> = [];
const sockets: Socket[] = [];
const principals = {} as Record<UserKey, Principal>;
let officer: TestSocketClient;
let enterprise: TestSocketClient;

beforeAll(async () => {
  platform = await startTestPlatform({ env: { CAMERA_FROZEN_SECONDS: '6', ALARM_COOLDOWN_SECONDS: '900', INFERENCE_WORKERS: '1', LOG_LEVEL: 'warn' } });
  world = await createWorld(platform.services);
  const { services } = platform;
  for (const key of ['entA', 'officer1', 'admin'] as UserKey[]) principals[key] = (await services.auth.login(key, PASSWORD)).principal;
  const site = await services.admin.createSite(principals.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Farm A', kind: 'farm' });
  const cameras = [
    { key: 'gate' as const, name: 'Gate', file: 'plate-hong-kong.jpg', analysis: ['plate'] },
    { key: 'ramp' as const, name: 'Loading ramp', file: 'seal.jpg', analysis: ['seal', 'count'] },
    // A yard camera whose gate lane (a zone) is empty: the plate it reads is not at the gate.
    { key: 'yard' as const, name: 'Yard', file: 'plate-mainland.jpg', analysis: ['plate'] },
  ];
  for (const c of cameras) {
    const { rtpPort } = await freeUdpPortPair();
    const url = `udp://127.0.0.1:${rtpPort}`;
    simulators.push(startCameraSimulator({ to: url, file: path.join(fixtures, c.file), width: 960, height: 540, fps: 10 }));
    cameraIds[c.key] = (await services.admin.createCamera(principals.admin, { siteId: site.id, name: c.name, sourceUrl: url, analysis: c.analysis })).id;
  }
  await services.zones.create(principals.admin, cameraIds.yard, {
    name: 'Gate lane',
    kind: 'gate',
    polygon: [
      [0, 0],
      [0.1, 0],
      [0.1, 0.1],
      [0, 0.1],
    ],
  });
  // Registered, but not the plate the gate camera sees.
  await services.admin.createVehicle(principals.admin, { enterpriseId: world.enterprises.a, plate: '粤ZA123港' });
  ({ sessionId } = await startLiveInspection(services, principals, world, {
    declaration: { number: '530120261000000123', siteId: site.id, goodsDescription: 'Live pigs', declaredQuantity: 40, quantityUnit: 'head', sealNumbers: ['CN1234567'] },
    type: 'routine_supervision',
    vehiclePlate: '粤Z·A123港',
  }));
  officer = await connectClient(platform.url, 'officer1', sockets);
  enterprise = await connectClient(platform.url, 'entA', sockets);
  expect((await officer.send('session:join', { sessionId })).ok).toBe(true);
  expect((await enterprise.send('session:join', { sessionId })).ok).toBe(true);
}, 90_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all(simulators.map((s) => s.stop()));
  await platform?.stop();
});

const eventsOf = (client: TestSocketClient, name: string) => client.events.filter(([e]) => e === name).map(([, p]) => p);
/** Incidents as raised (pushed once each; repeats come as `repeated` changes of the same alarm). */
const raisedTo = (client: TestSocketClient) =>
  eventsOf(client, 'alarm:changed')
    .filter((c) => c.change === 'raised')
    .map((c) => c.alarm);

describe('vision on a live inspection', () => {
  it('pushes plate and seal reads with boxes to the officer only', async () => {
    // The first frames of a stream can be misread (the encoder is still settling); reads keep coming.
    const expected = labels['plate-hong-kong.jpg']!.text;
    const plate = await waitFor(() => eventsOf(officer, 'vision:result').find((r) => r.task === 'plate' && r.results[0]?.text === expected), 'the plate read', 120_000);
    expect(plate).toMatchObject({ cameraId: cameraIds.gate, camera: 'Gate', width: 960, height: 540, results: [{ text: labels['plate-hong-kong.jpg']!.text, box: expect.any(Array) }] });
    // Measured from capture to result: reading a plate takes some milliseconds, and far less than the wait here.
    expect(plate.latencyMs).toBeGreaterThan(0);
    expect(plate.latencyMs).toBeLessThan(30_000);
    expect(Math.abs(Date.parse(plate.capturedAt) - Date.now())).toBeLessThan(300_000);
    const seal = await waitFor(() => eventsOf(officer, 'vision:result').find((r) => r.task === 'seal' && r.results[0]?.text === labels['seal.jpg']!.text), 'the seal read', 60_000);
    expect(seal).toMatchObject({ cameraId: cameraIds.ramp, results: [{ text: labels['seal.jpg']!.text }] });
    const count = await waitFor(() => eventsOf(officer, 'vision:result').find((r) => r.task === 'count'), 'a count', 30_000);
    expect(count).toMatchObject({ cameraId: cameraIds.ramp, count: expect.any(Number), points: expect.any(Array) });
    expect(eventsOf(enterprise, 'vision:result')).toHaveLength(0);
    // Generous: the cameras are probed, decoded and read while other test files load the two cores too.
  }, 240_000);

  it('raises plate_not_registered and seal_mismatch once each (for reads repeated across frames), with the frame as evidence', async () => {
    // An early, half-decoded frame may be misread twice in a row and raise its own alarm: look for the true values.
    const plateText = labels['plate-hong-kong.jpg']!.text;
    const sealText = labels['seal.jpg']!.text;
    const [plateAlarm, sealAlarm] = await waitFor(
      () => {
        const raised = raisedTo(officer);
        const plate = raised.find((a) => a.rule === 'plate_not_registered' && a.details.plate === plateText);
        const seal = raised.find((a) => a.rule === 'seal_mismatch' && a.details.read === sealText);
        return plate && seal ? [plate, seal] : null;
      },
      'plate and seal alarms',
      90_000,
    );
    expect(plateAlarm).toMatchObject({
      cameraId: cameraIds.gate,
      status: 'open',
      occurrences: 1,
      hasEvidence: true,
      details: { plate: labels['plate-hong-kong.jpg']!.text, registered: ['粤ZA123港'], camera: 'Gate' },
    });
    // The evidence is a JPEG of the analysed frame, stored and served to the officer.
    const evidence = await fetch(`${platform.url}/api/alarms/${plateAlarm.id}/evidence`, { headers: { cookie: officer.cookie } });
    expect(evidence.status).toBe(200);
    const jpeg = Buffer.from(await evidence.arrayBuffer());
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(sealAlarm.details).toMatchObject({ read: labels['seal.jpg']!.text, declared: ['CN1234567'] });
    const [row] = await platform.database.db.select().from(alarms).where(eq(alarms.id, plateAlarm.id));
    expect(row).toMatchObject({ sessionId, cameraId: cameraIds.gate, rule: 'plate_not_registered', status: 'open' });
    expect(fs.readFileSync(path.join(platform.dataDir, row!.evidencePath!)).equals(jpeg)).toBe(true);
    // The cameras keep showing the same plate and seal: the cooldown (longer than this file runs) keeps them to one alarm each.
    await new Promise((r) => setTimeout(r, 3000));
    const rows = await platform.database.db.select().from(alarms).where(eq(alarms.sessionId, sessionId));
    const alarmsFor = (rule: string, key: string, value: string) => rows.filter((a) => a.rule === rule && (a.details as Record<string, unknown>)[key] === value);
    expect(alarmsFor('plate_not_registered', 'plate', plateText!)).toHaveLength(1);
    expect(alarmsFor('seal_mismatch', 'read', sealText!)).toHaveLength(1);
    expect(eventsOf(enterprise, 'alarm:changed')).toHaveLength(0);
    // The session applies the cameras' zones: the yard's plate, read again and again outside its gate lane, is not checked.
    const yardPlate = labels['plate-mainland.jpg']!.text!;
    await waitFor(
      () => eventsOf(officer, 'vision:result').filter((r) => r.cameraId === cameraIds.yard && r.results.some((x: { text: string }) => x.text === yardPlate)).length >= 3,
      'the yard plate read',
      60_000,
    );
    const all = await platform.database.db.select().from(alarms).where(eq(alarms.sessionId, sessionId));
    // Its still picture may well raise camera_frozen (every camera here streams a still): only plate alarms count.
    expect(all.filter((a) => a.cameraId === cameraIds.yard && a.rule.startsWith('plate_'))).toEqual([]);
  }, 180_000);

  it('reads plates with a format an administrator adds to the port, from the next frames, without a restart; bad formats change nothing', async () => {
    const admin = new HttpClient(platform.url);
    await admin.login('admin', PASSWORD);
    const officerHttp = new HttpClient(platform.url);
    await officerHttp.login('officer1', PASSWORD);
    const fleet = { name: 'Shaanxi fleet', pattern: '陕[A-Z]{4}[0-9]{2}', example: '陕C·MLY96', portId: world.ports.main, correctAnywhere: false };
    for (const bad of [
      { ...fleet, pattern: '陕[A-Z' },
      { ...fleet, example: 'AB1234' },
      { ...fleet, name: '' },
      { ...fleet, pattern: 'x'.repeat(201) },
    ]) {
      expect((await admin.post('/api/admin/plate-formats', bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect((await admin.post('/api/admin/plate-formats', { ...fleet, portId: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
    expect((await officerHttp.post('/api/admin/plate-formats', fleet)).status).toBe(403);
    expect(((await admin.get('/api/admin/plate-formats')).body as { formats: unknown[] }).formats).toEqual([]);
    const yardPlate = labels['plate-mainland.jpg']!.text!;
    const yardReads = () => eventsOf(officer, 'vision:result').filter((r) => r.cameraId === cameraIds.yard && r.results.some((x: { text: string }) => x.text === yardPlate));
    expect(yardReads().every((r) => r.results[0].format === 'mainland')).toBe(true);

    const created = await admin.post('/api/admin/plate-formats', fleet);
    expect(created.status).toBe(201);
    const seenBefore = yardReads().length;
    const read = await waitFor(
      () =>
        yardReads()
          .slice(seenBefore)
          .find((r) => r.results[0].format === 'Shaanxi fleet'),
      'a read with the new format',
      60_000,
    );
    expect(read.results[0]).toMatchObject({ text: yardPlate, format: 'Shaanxi fleet' });
    // Deleted: the built-in format again.
    expect((await admin.request('DELETE', `/api/admin/plate-formats/${created.body.id}`)).status).toBe(200);
    const after = yardReads().length;
    await waitFor(
      () =>
        yardReads()
          .slice(after)
          .find((r) => r.results[0].format === 'mainland'),
      'a read with the built-in format again',
      60_000,
    );
  }, 180_000);

  it('raises camera_frozen when a picture does not change', async () => {
    const frozen = await waitFor(() => raisedTo(officer).find((a) => a.rule === 'camera_frozen'), 'a camera_frozen alarm', 60_000);
    expect(Object.values(cameraIds)).toContain(frozen.cameraId);
    expect(frozen.details.unchangedMs).toBeGreaterThanOrEqual(6000);
  }, 90_000);

  it('counts a loading batch and raises count_mismatch on close; refuses bad batches', async () => {
    const url = `/api/sessions/${sessionId}/loading-batches`;
    const line = { a: [0.1, 0.6], b: [0.9, 0.6] };
    expect((await enterprise.http.post(url, { cameraId: cameraIds.ramp, line })).status).toBe(403);
    const tooShort = await officer.http.post(url, { cameraId: cameraIds.ramp, line: { a: [0.5, 0.5], b: [0.51, 0.5] } });
    expect(tooShort.status).toBe(400);
    const noCounting = await officer.http.post(url, { cameraId: cameraIds.gate, line });
    expect([noCounting.status, noCounting.body.error.code]).toEqual([409, 'conflict']);
    const opened = await officer.http.post(url, { cameraId: cameraIds.ramp, line });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(opened.body).toMatchObject({ cameraId: cameraIds.ramp, expected: 40, closedAt: null, counted: null });
    expect((await officer.http.post(url, { cameraId: cameraIds.ramp, line })).status).toBe(409);
    // The ramp shows a still seal, so nothing crosses: 0 counted against 40 declared.
    const closed = await officer.http.post(`${url}/${opened.body.id}/close`);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body).toMatchObject({ counted: { forward: 0, backward: 0, net: 0 }, alarmId: expect.any(String) });
    const [alarm] = await platform.database.db.select().from(alarms).where(eq(alarms.id, closed.body.alarmId));
    expect(alarm).toMatchObject({ rule: 'count_mismatch', details: { declared: 40, counted: 0, difference: -40, batchId: opened.body.id } });
    expect((await officer.http.post(`${url}/${opened.body.id}/close`)).status).toBe(409);
    const [row] = await platform.database.db.select().from(loadingBatches).where(eq(loadingBatches.id, opened.body.id));
    expect(row!.closedAt).not.toBeNull();
    const listed = await enterprise.http.get(url);
    expect(listed.body).toHaveLength(1);
    // The officer, who watched it, confirms the true total: a labelled sample of the line counter, once.
    const totalUrl = `${url}/${opened.body.id}/total`;
    expect((await enterprise.http.post(totalUrl, { total: 40 })).status).toBe(403);
    expect((await officer.http.post(totalUrl, { total: -1 })).status).toBe(400);
    expect((await officer.http.post(`${url}/${crypto.randomUUID()}/total`, { total: 40 })).status).toBe(404);
    const confirmed = await officer.http.post(totalUrl, { total: 38 });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(201);
    expect(confirmed.body).toMatchObject({ task: 'crossing', sessionId, batchId: opened.body.id, hasImage: false, predicted: { net: 0 }, label: { total: 38 } });
    expect((await officer.http.post(totalUrl, { total: 39 })).body.error.reason).toBe('sample_exists');
    // The console shows it as confirmed from then on.
    expect((await officer.http.get(url)).body[0]).toMatchObject({ id: opened.body.id, confirmedTotal: 38 });
  });

  it("keeps the officer's correction of a plate read in the session as a labelled sample; it goes with the session's recording", async () => {
    const plateText = labels['plate-hong-kong.jpg']!.text!;
    // Only the session's officer corrects its vision (the enterprise does not even see the reads).
    expect((await enterprise.http.post('/api/vision/frames', { sessionId, cameraId: cameraIds.gate, task: 'plate' })).status).toBe(403);
    const held = await officer.http.post('/api/vision/frames', { sessionId, cameraId: cameraIds.gate, task: 'plate' });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    expect(held.body).toMatchObject({ sessionId, task: 'plate', model: 'paddleocr-v4', predicted: { task: 'plate', reads: expect.any(Array) } });
    const reads = [{ text: plateText, box: held.body.predicted.reads[0]?.box ?? [0.1, 0.1, 0.2, 0.1] }];
    expect((await officer.http.post(`/api/vision/frames/${held.body.frameId}/label`, { label: { task: 'plate', reads: [{ text: '<script>' }] } })).status).toBe(400);
    const saved = await officer.http.post(`/api/vision/frames/${held.body.frameId}/label`, { label: { task: 'plate', reads } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body).toMatchObject({ task: 'plate', sessionId, hasImage: true, label: { task: 'plate', reads: [{ text: plateText }] } });
    // Retention deletes a session's samples with its recording (here called as the retention pass does).
    expect(await platform.services.samples.removeForSession(sessionId)).toBe(2);
  });
});
