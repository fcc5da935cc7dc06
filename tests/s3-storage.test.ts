/**
 * Evidence in an S3-compatible bucket (s3rver on loopback): a finished recording, its poster, a snapshot
 * and the sealed exports go to the bucket; the session verifies from it; playback serves byte ranges from
 * it; the evidence package is built from it; changes made in the bucket are found; backup downloads the
 * bucket and restore puts it back; retention deletes from it. A supervised camera's footage and alarm clips
 * are kept there too.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFfmpeg } from '../media/index.ts';
import { hashFile, walkFiles } from '../media/files.ts';
import { verifyEvidencePackage } from '../server/archive/evidence-package.ts';
import { openPostgres } from '../server/db/database.ts';
import { evidenceStoreFor, FETCHED_COPIES_DIR, hashStored, type s3EvidenceStore } from '../server/infra/evidence-store.ts';
import { siteAlarmClipBase } from '../server/archive/evidence-paths.ts';
import { finaliseRecording } from '../server/jobs/recording-finalise.ts';
import { storeSegment } from '../server/live/recording-segments.ts';
import { backup, restore } from '../server/maintenance/backup.ts';
import type { Platform } from '../server/platform.ts';
import type { Principal } from '../server/services/access.ts';
import { createServices } from '../server/services/index.ts';
import { loadConfig } from '../server/config.ts';
import { createEmptyDatabase } from './support/database.ts';
import { startTestPlatform } from './support/platform.ts';
import { startTestS3, type TestS3 } from './support/s3-server.ts';
import { connectClient, type TestSocketClient } from './support/socket-client.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, PASSWORD, startLiveInspection, type UserKey, type World } from './support/world.ts';
import type { Socket } from 'socket.io-client';

let s3: TestS3;
let platform: Platform;
let sessionId: string;
let recordingId: string;
let world: World;
let officer: TestSocketClient;
let supervisor: TestSocketClient;
let outsider: TestSocketClient;
const sockets: Socket[] = [];
const principals = {} as Record<UserKey, Principal>;
const client = () => (platform.services.store as ReturnType<typeof s3EvidenceStore>).client;
const objectBytes = async (key: string) => Buffer.from(await (await client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToByteArray());

beforeAll(async () => {
  s3 = await startTestS3();
  platform = await startTestPlatform({ env: { ...s3.env, LOG_LEVEL: 'warn' } });
  expect(platform.services.store.kind).toBe('s3');
  const { services } = platform;
  world = await createWorld(services);
  for (const key of ['entA', 'officer1', 'admin'] as UserKey[]) principals[key] = (await services.auth.login(key, PASSWORD)).principal;
  ({ sessionId } = await startLiveInspection(services, principals, world, {
    declaration: { number: '530120261000000777', goodsDescription: 'Frozen pork', declaredQuantity: 20, quantityUnit: 't', sealNumbers: [] },
    type: 'label_rectification',
  }));

  // A recording of 3 s, as the recorder would have left it: one segment on local disk.
  recordingId = await services.inspections.createRecording(sessionId, 'camera:test', 'video');
  const segment = path.join('sessions', sessionId, 'recordings', recordingId, 'segment-00000.mkv');
  fs.mkdirSync(path.dirname(path.join(platform.dataDir, segment)), { recursive: true });
  const encode = startFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=25',
    '-t',
    '3',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    '-f',
    'matroska',
    path.join(platform.dataDir, segment),
  ]);
  expect((await encode.exited).code).toBe(0);
  const { sha256, sizeBytes } = await hashFile(path.join(platform.dataDir, segment));
  // Stored as it closed: into the bucket, and gone from local disk (a node without the file finalises it).
  await storeSegment({ inspections: services.inspections, store: services.store, dataDir: platform.dataDir }, recordingId, {
    seq: 0,
    path: path.join(platform.dataDir, segment),
    startedAt: new Date(),
    durationMs: 3000,
    sizeBytes,
    sha256,
    gapBeforeMs: 0,
  });
  expect(fs.existsSync(path.join(platform.dataDir, segment))).toBe(false);
  await services.inspections.recordingStopped(recordingId);
  // A snapshot, stored as the live session stores one.
  const jpeg = fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'vision', 'seal.jpg'));
  const snapshot = path.posix.join('sessions', sessionId, 'snapshots', 'snap-1.jpg');
  await services.store.write(snapshot, jpeg);
  await services.timeline.append({
    sessionId,
    kind: 'snapshot',
    actorId: principals.officer1.userId,
    payload: { file: snapshot, sha256: crypto.createHash('sha256').update(jpeg).digest('hex'), sizeBytes: jpeg.length, width: 960, height: 540, source: 'upload', label: 'photo' },
  });

  officer = await connectClient(platform.url, 'officer1', sockets);
  supervisor = await connectClient(platform.url, 'supervisor', sockets);
  outsider = await connectClient(platform.url, 'entB', sockets);
  const verdict = await officer.http.post(`/api/sessions/${sessionId}/verdict`, { outcome: 'pass', findings: 'Labels corrected', followUp: '' });
  expect(verdict.status, JSON.stringify(verdict.body)).toBe(201);
  // The finaliser's job, run here directly: the recording goes to the bucket and the session is sealed.
  expect(await finaliseRecording({ dataDir: platform.dataDir, store: services.store, inspections: services.inspections, archive: services.archive }, recordingId)).toMatchObject({ status: 'ready' });
}, 90_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await platform?.stop();
  await s3?.stop();
});

/** What is left of the copies fetched from the bucket for ffmpeg (each use removes its own). */
const fetchedCopies = () => {
  const root = path.join(platform.dataDir, FETCHED_COPIES_DIR);
  return fs.existsSync(root) ? fs.readdirSync(root, { recursive: true }) : [];
};

describe('evidence in S3-compatible storage', () => {
  it('moves finished evidence into the bucket and seals the session from it', async () => {
    const stored = (await platform.services.store.list(`sessions/${sessionId}`)).sort();
    const base = `sessions/${sessionId}`;
    expect(stored).toEqual(
      [
        `${base}/evidence/manifest.json`,
        `${base}/evidence/manifest.sig`,
        `${base}/evidence/timeline.json`,
        `${base}/evidence/verdict.json`,
        `${base}/recordings/${recordingId}/recording.poster.jpg`,
        `${base}/recordings/${recordingId}/recording.mp4`,
        `${base}/recordings/${recordingId}/segment-00000.mkv`,
        `${base}/snapshots/snap-1.jpg`,
      ].sort(),
    );
    // No local copy is left: the finished recording was uploaded, the segment fetched from the bucket and dropped again.
    expect(fs.existsSync(path.join(platform.dataDir, base, 'recordings', recordingId, 'recording.mp4'))).toBe(false);
    expect(fs.existsSync(path.join(platform.dataDir, base, 'recordings', recordingId, 'segment-00000.mkv'))).toBe(false);
    expect(fetchedCopies()).toEqual([]);
    // Byte for byte what the finaliser produced (hashed on local disk before the upload).
    const [row] = await platform.services.inspections.recordingsOf(principals.officer1, sessionId);
    const uploaded = await objectBytes(`${base}/recordings/${recordingId}/recording.mp4`);
    expect(crypto.createHash('sha256').update(uploaded).digest('hex')).toBe(row!.sha256);
    const verified = await supervisor.http.get(`/api/sessions/${sessionId}/verify`);
    expect(verified.body).toMatchObject({ ok: true, checkedArtefacts: 5, checkedSegments: 1, problems: [] });
  });

  it('plays a recording from the bucket with range requests, behind the access check', async () => {
    const url = `${platform.url}/api/sessions/${sessionId}/recordings/${recordingId}/file`;
    const whole = await objectBytes(`sessions/${sessionId}/recordings/${recordingId}/recording.mp4`);
    const get = (headers: Record<string, string>, cookie = supervisor.cookie) => fetch(url, { headers: { cookie, ...headers } });
    const full = await get({});
    expect([full.status, full.headers.get('content-type'), full.headers.get('accept-ranges')]).toEqual([200, 'video/mp4', 'bytes']);
    expect(Buffer.from(await full.arrayBuffer()).equals(whole)).toBe(true);
    const part = await get({ range: 'bytes=100-299' });
    expect([part.status, part.headers.get('content-range'), part.headers.get('content-length')]).toEqual([206, `bytes 100-299/${whole.length}`, '200']);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(100, 300))).toBe(true);
    const tail = await get({ range: 'bytes=-10' });
    expect(Buffer.from(await tail.arrayBuffer()).equals(whole.subarray(whole.length - 10))).toBe(true);
    const beyond = await get({ range: `bytes=${whole.length + 5}-` });
    expect([beyond.status, beyond.headers.get('content-range')]).toEqual([416, `bytes */${whole.length}`]);
    expect((await get({}, outsider.cookie)).status).toBe(404);
  });

  it('builds the evidence package from the bucket, and it verifies offline', async () => {
    const requested = await supervisor.http.post(`/api/sessions/${sessionId}/exports`, { locale: 'zh-CN' });
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    const exportId = requested.body.exportId;
    await waitFor(() => supervisor.events.find(([e, p]) => e === 'export:done' && p.exportId === exportId), 'export:done', 40_000);
    const download = await fetch(`${platform.url}/api/exports/${exportId}/file`, { headers: { cookie: supervisor.cookie } });
    expect(download.status).toBe(200);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pkg-')), 'package.zip');
    fs.writeFileSync(file, Buffer.from(await download.arrayBuffer()));
    expect(await verifyEvidencePackage(file)).toMatchObject({ ok: true, problems: [] });
  });

  it("keeps a ticket's attachment in the bucket, where any node serves it from", async () => {
    const ticket = await platform.services.tickets.create(principals.entA, world.enterprises.a, { subject: 'general', portId: world.ports.main, title: 'Labels', text: 'Is this label right?' });
    const bytes = fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'vision', 'seal.jpg'));
    const replied = await platform.services.tickets.reply(principals.entA, ticket.id, 'The label', { name: 'label.jpg', contentType: 'image/jpeg', bytes });
    const messageId = replied.messages.at(-1)!.id;
    const keys = await platform.services.store.list(`tickets/${ticket.id}`);
    expect(keys).toHaveLength(1);
    expect(fs.existsSync(path.join(platform.dataDir, keys[0]!))).toBe(false);
    const served = await fetch(`${platform.url}/api/tickets/${ticket.id}/attachments/${messageId}`, { headers: { cookie: officer.cookie } });
    expect([served.status, served.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("keeps a supervised camera's footage in the bucket: played as MP4 and cut into an alarm clip from it, and expired from it", async () => {
    const { services } = platform;
    const site = await services.admin.createSite(principals.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Farm S3', kind: 'farm' });
    const cameraId = (await services.admin.createCamera(principals.admin, { siteId: site.id, name: 'Pen', sourceUrl: 'udp://127.0.0.1:5998' })).id;
    // A segment as the recorder closes it, then stored: into the bucket, and gone from this disk.
    const run = '2026-12-03T08-00-00-000Z';
    const segment = path.join(platform.dataDir, 'cameras', cameraId, run, 'segment-00000.mkv');
    fs.mkdirSync(path.dirname(segment), { recursive: true });
    const encode = startFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-f', 'matroska', segment]);
    expect((await encode.exited).code).toBe(0);
    const { sha256, sizeBytes } = await hashFile(segment);
    const startedAt = new Date('2026-12-03T08:00:00.000Z');
    await services.footage.addSegment(cameraId, run, { seq: 0, path: segment, startedAt, durationMs: 4000, sizeBytes, sha256, gapBeforeMs: 0 });
    const relative = path.relative(platform.dataDir, segment);
    expect(fs.existsSync(segment)).toBe(false);
    expect(await services.store.size(relative)).toBe(sizeBytes);

    // Reviewed from the bucket: found by time, played as MP4 (remuxed once, kept in the bucket too).
    const found = (await officer.http.get(`/api/cameras/${cameraId}/footage?at=2026-12-03T08:00:01.000Z`)).body;
    expect(found).toMatchObject({ startedAt: startedAt.toISOString(), offsetMs: 1000 });
    const video = await fetch(`${platform.url}/api/footage/${found.footageId}/video`, { headers: { cookie: officer.cookie } });
    expect([video.status, video.headers.get('content-type')]).toEqual([200, 'video/mp4']);
    expect(
      Buffer.from(await video.arrayBuffer())
        .subarray(4, 8)
        .toString(),
    ).toBe('ftyp');
    const mp4 = relative.replace(/\.mkv$/, '.mp4');
    expect(await services.store.size(mp4)).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(platform.dataDir, mp4))).toBe(false);
    expect(fs.existsSync(segment)).toBe(false);
    expect(fetchedCopies()).toEqual([]); // the working copy fetched for it is gone

    // An alarm's clip is cut from the bucket's footage and kept there, hashed as stored.
    const clip = await services.footage.clip(cameraId, new Date('2026-12-03T08:00:02.000Z'), { beforeMs: 1000, afterMs: 1000 }, siteAlarmClipBase(site.id, crypto.randomUUID()));
    expect(clip).not.toBeNull();
    expect(fs.existsSync(path.join(platform.dataDir, clip!.path))).toBe(false);
    expect((await hashStored(services.store, clip!.path)).sha256).toBe(clip!.sha256);

    // Retention deletes the segment and its MP4 from the bucket.
    expect((await services.footage.expire(0)).segments).toBe(1);
    expect([await services.store.size(relative), await services.store.size(mp4)]).toEqual([null, null]);
  });

  it('backs up the bucket with the database, and restores both into an empty data dir, database and bucket prefix', async () => {
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-backup-'));
    const info = await backup(platform.database, { dataDir: platform.dataDir, databaseUrl: (platform.database as { url?: string }).url, store: platform.services.store, target });
    expect(info).toMatchObject({ database: 'postgres', storage: 's3' });
    expect(fs.existsSync(path.join(target, 'objects', 'sessions', sessionId, 'recordings', recordingId, 'recording.mp4'))).toBe(true);
    expect(fs.readdirSync(path.join(target, 'objects', 'tickets'))).toHaveLength(1);
    // A farm alarm's clip (the footage test's) is evidence too; the footage itself is not backed up.
    expect([...walkFiles(path.join(target, 'objects', 'sites'))].some((f) => f.endsWith('-clip.mp4'))).toBe(true);
    expect(fs.existsSync(path.join(target, 'objects', 'cameras'))).toBe(false);

    const emptyDb = await createEmptyDatabase();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-restored-'));
    const config = loadConfig({ ...s3.env, DATA_DIR: dataDir, DATABASE_URL: emptyDb.url, S3_PREFIX: 'restored/' });
    const store = evidenceStoreFor(config);
    await restore({ source: target, dataDir, databaseUrl: emptyDb.url, store });
    expect((await store.list(`sessions/${sessionId}`)).sort()).toEqual((await platform.services.store.list(`sessions/${sessionId}`)).sort());
    const database = await openPostgres(emptyDb.url);
    try {
      const services = createServices({ db: database.db, sessionTtlMs: 0, signingKey: platform.services.signingKey, dataDir, store });
      const report = await services.archive.verify(null, sessionId);
      expect(report, JSON.stringify(report.problems)).toMatchObject({ ok: true, checkedArtefacts: 5 });
    } finally {
      await database.close();
      await emptyDb.drop();
      fs.rmSync(target, { recursive: true, force: true });
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('names what was changed, removed or added in the bucket', async () => {
    const base = `sessions/${sessionId}`;
    const snapshotKey = `${base}/snapshots/snap-1.jpg`;
    const posterKey = `${base}/recordings/${recordingId}/recording.poster.jpg`;
    const original = await objectBytes(snapshotKey);
    const changed = Buffer.from(original);
    changed.writeUInt8(changed.readUInt8(changed.length >> 1) ^ 0xff, changed.length >> 1);
    await client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: snapshotKey, Body: changed }));
    await client().send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: posterKey }));
    await client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${base}/snapshots/planted.jpg`, Body: original }));
    const report = (await supervisor.http.get(`/api/sessions/${sessionId}/verify`)).body;
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ item: snapshotKey, problem: 'changed' }),
        expect.objectContaining({ item: posterKey, problem: 'missing' }),
        expect.objectContaining({ item: `${base}/snapshots/planted.jpg`, problem: 'added' }),
      ]),
    );
    expect(report.problems).toHaveLength(3);
  });

  it('retention deletes the expired recording from the bucket', async () => {
    const { services } = platform;
    await services.retention.setPolicy(principals.admin, 'label_rectification', 1);
    // Pretend the session ended two days ago.
    const { inspectionSessions } = await import('../server/db/schema.ts');
    const { eq } = await import('drizzle-orm');
    await platform.database.db
      .update(inspectionSessions)
      .set({ endedAt: new Date(Date.now() - 2 * 86_400_000) })
      .where(eq(inspectionSessions.id, sessionId));
    const run = await services.retention.run();
    expect(run.deleted).toEqual([expect.objectContaining({ recordingId, sessionId })]);
    expect(await services.store.size(`sessions/${sessionId}/recordings/${recordingId}/recording.mp4`)).toBeNull();
    expect(await services.store.size(`sessions/${sessionId}/recordings/${recordingId}/segment-00000.mkv`)).toBeNull();
    const report = await services.archive.verify(null, sessionId);
    expect(report.deletedByRetention).toContain(`sessions/${sessionId}/recordings/${recordingId}/recording.mp4`);
  });
});
