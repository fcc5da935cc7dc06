/**
 * The API the web app relies on beyond the domain tests: administration lists, risk class, officers for
 * the archive filter, a session's alarms (not for the enterprise), photos uploaded by the enterprise,
 * the camera test; and the web app's own copies of the server's enums and its three catalogues.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../server/db/schema.ts';
import { loadingChecks } from '../server/contracts/loading-record.ts';
import { isArgumentElement, isDateElement, isNumberElement, isPluralElement, isSelectElement, isTimeElement, parse, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { answerableCodes, errorReasons } from '../server/errors.ts';
import type { Platform } from '../server/platform.ts';
import type { Principal } from '../server/services/access.ts';
import * as web from '../web/src/api/types.ts';
import { formatMessage } from '../web/src/i18n/format.ts';
import { en } from '../web/src/i18n/en.ts';
import { ru } from '../web/src/i18n/ru.ts';
import { zhCN } from '../web/src/i18n/zh-CN.ts';
import { VISION_TASKS } from '../inference/index.ts';
import { startTestPlatform } from './support/platform.ts';
import { connectClient, type TestSocketClient } from './support/socket-client.ts';
import { createWorld, PASSWORD, startLiveInspection, type UserKey, type World } from './support/world.ts';
import sharp from 'sharp';

let platform: Platform;
let world: World;
let sessionId: string;
const sockets: Socket[] = [];
const clients = {} as Record<'admin' | 'supervisor' | 'officer1' | 'entA' | 'entB', TestSocketClient>;
const principals = {} as Record<UserKey, Principal>;
const jpeg = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/vision/seal.jpg'));

beforeAll(async () => {
  platform = await startTestPlatform();
  world = await createWorld(platform.services);
  for (const key of ['entA', 'officer1', 'admin'] as UserKey[]) principals[key] = (await platform.services.auth.login(key, PASSWORD)).principal;
  ({ sessionId } = await startLiveInspection(platform.services, principals, world, {
    declaration: { number: '530120261000000555', goodsDescription: 'Cartons', declaredQuantity: 10, quantityUnit: 'carton', sealNumbers: [] },
    type: 'label_rectification',
  }));
  for (const key of Object.keys({ admin: 0, supervisor: 0, officer1: 0, entA: 0, entB: 0 }) as Array<keyof typeof clients>) {
    clients[key] = await connectClient(platform.url, key, sockets);
  }
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await platform?.stop();
});

const upload = (who: TestSocketClient, body: Buffer, type = 'image/jpeg') =>
  fetch(`${platform.url}/api/sessions/${sessionId}/photos`, { method: 'POST', headers: { cookie: who.cookie, 'content-type': type }, body }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as any,
  }));

describe('the web app and the server agree', () => {
  it('on the enums the pages offer', () => {
    expect([...web.INSPECTION_TYPES]).toEqual([...schema.inspectionTypes]);
    expect([...web.BOOKING_STATUSES]).toEqual([...schema.bookingStatuses]);
    expect([...web.VERDICT_OUTCOMES]).toEqual([...schema.verdictOutcomes]);
    expect([...web.LOADING_CHECKS]).toEqual([...loadingChecks]);
    expect([...web.LOADING_RECORD_STATUSES]).toEqual([...schema.loadingRecordStatuses]);
    expect([...web.RISK_CLASSES]).toEqual([...schema.riskClasses]);
    expect([...web.ROLES]).toEqual([...schema.roles]);
    expect([...web.SITE_KINDS]).toEqual([...schema.siteKinds]);
    expect([...web.VISION_TASKS]).toEqual([...VISION_TASKS]);
  });

  it('on the words: every language has every message, with the same {placeholders}', () => {
    // Messages are ICU: every language must parse and use the same arguments (plural forms may differ).
    const argumentsOf = (elements: MessageFormatElement[]): string[] =>
      elements.flatMap((e) => {
        if (isPluralElement(e) || isSelectElement(e)) return [e.value, ...Object.values(e.options).flatMap((option) => argumentsOf(option.value))];
        return isArgumentElement(e) || isNumberElement(e) || isDateElement(e) || isTimeElement(e) ? [e.value] : [];
      });
    const placeholders = (s: string) => [...new Set(argumentsOf(parse(s, { ignoreTag: true })))].sort();
    for (const catalogue of [zhCN, ru] as Record<string, string>[]) {
      expect(Object.keys(catalogue).sort()).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(en)) {
        expect(catalogue[key]!.trim(), key).not.toBe('');
        expect(placeholders(catalogue[key]!), key).toEqual(placeholders(text));
      }
    }
    // Every error code the server can answer with has a message.
    for (const code of [...answerableCodes, 'network']) expect(Object.keys(en), code).toContain(`error.${code}`);
    for (const reason of errorReasons) expect(Object.keys(en), reason).toContain(`error.reason.${reason}`);
    // Counts in the language's plural forms (Russian has three), not "1 alarm(s)".
    const badge = (locale: string, catalogue: Record<string, string>, n: number) => formatMessage(locale, catalogue['console.alarmsBadge']!, { n });
    expect([1, 2].map((n) => badge('en', en, n))).toEqual(['1 alarm', '2 alarms']);
    expect([1, 3, 5, 21].map((n) => badge('ru', ru, n))).toEqual(['1 тревога', '3 тревоги', '5 тревог', '21 тревога']);
    expect(badge('zh-CN', zhCN, 2)).toBe('2 条告警');
    expect(formatMessage('en', en['console.occurrences'], { n: 1, time: '12:00' })).toBe('Seen once, last at 12:00');
  });
});

describe('administration lists', () => {
  it('lists sites, cameras, vehicles and delegations for the administrator; refuses others', async () => {
    const site = await platform.services.admin.createSite(principals.admin, { enterpriseId: world.enterprises.a, name: 'Dock 3', kind: 'warehouse' });
    await platform.services.admin.createCamera(principals.admin, { siteId: site.id, name: 'Dock camera', sourceUrl: 'udp://127.0.0.1:9', analysis: ['plate'] });
    await platform.services.admin.createVehicle(principals.admin, { enterpriseId: world.enterprises.a, plate: '粤B·12345' });
    const { admin, officer1, entA } = clients;
    expect((await admin.http.get('/api/admin/sites')).body).toEqual(expect.arrayContaining([expect.objectContaining({ id: site.id, name: 'Dock 3', kind: 'warehouse' })]));
    expect((await admin.http.get(`/api/admin/cameras?siteId=${site.id}`)).body).toMatchObject([{ name: 'Dock camera', analysis: ['plate'], siteId: site.id, sourceUrl: 'udp://127.0.0.1:9' }]);
    expect((await admin.http.get('/api/admin/vehicles')).body).toEqual(expect.arrayContaining([expect.objectContaining({ plate: '粤B12345' })]));
    expect((await admin.http.get('/api/admin/delegations')).body).toEqual([expect.objectContaining({ enterpriseId: world.enterprises.a, revokedAt: null })]);
    expect((await admin.http.get('/api/admin/cameras?siteId=nope')).status).toBe(400);
    // A camera's login in its RTSP URL is not shown back.
    await platform.services.admin.createCamera(principals.admin, { siteId: site.id, name: 'Gate', sourceUrl: 'rtsp://viewer:s3cret@192.0.2.7:554/stream1' });
    const listed = (await clients.supervisor.http.get(`/api/admin/cameras?siteId=${site.id}`)).body as Array<{ name: string; sourceUrl: string }>;
    expect(listed.find((c) => c.name === 'Gate')?.sourceUrl).toBe('rtsp://viewer:***@192.0.2.7:554/stream1');
    for (const client of [officer1, entA]) {
      expect((await client.http.get('/api/admin/sites')).status).toBe(403);
      expect((await client.http.get('/api/admin/delegations')).status).toBe(403);
    }
  });

  it("changes an enterprise's risk class (audited), refusing a bad class and non-administrators", async () => {
    const url = `/api/admin/enterprises/${world.enterprises.b}/risk-class`;
    const ok = await clients.admin.http.request('PUT', url, { riskClass: 'D' });
    expect(ok.body).toMatchObject({ id: world.enterprises.b, riskClass: 'D' });
    expect((await clients.admin.http.request('PUT', url, { riskClass: 'E' })).status).toBe(400);
    expect((await clients.supervisor.http.request('PUT', url, { riskClass: 'A' })).status).toBe(403);
    expect((await clients.admin.http.request('PUT', `/api/admin/enterprises/${crypto.randomUUID()}/risk-class`, { riskClass: 'A' })).status).toBe(404);
    const enterprises = (await clients.supervisor.http.get('/api/enterprises')).body as Array<{ id: string; riskClass: string }>;
    expect(enterprises.find((e) => e.id === world.enterprises.b)?.riskClass).toBe('D');
  });

  it('names the officers for the archive filter, to supervisors only', async () => {
    const officers = (await clients.supervisor.http.get('/api/officers')).body as Array<{ displayName: string }>;
    expect(officers.length).toBe(3);
    expect((await clients.entA.http.get('/api/officers')).status).toBe(403);
  });

  it('answers a camera test it cannot get a picture for with camera_unreachable', async () => {
    const site = await platform.services.admin.createSite(principals.admin, { enterpriseId: world.enterprises.a, name: 'Empty yard', kind: 'farm' });
    const camera = await platform.services.admin.createCamera(principals.admin, {
      siteId: site.id,
      name: 'Missing',
      sourceUrl: `file://${path.join(import.meta.dirname, 'fixtures/no-such-camera.mp4')}`,
    });
    const res = await clients.admin.http.get(`/api/admin/cameras/${camera.id}/preview`);
    expect([res.status, res.body.error.code]).toEqual([502, 'camera_unreachable']);
    // ffmpeg's reason quotes the source URL: the camera's password in it is masked, as in the lists.
    const locked = await platform.services.admin.createCamera(principals.admin, { siteId: site.id, name: 'Locked', sourceUrl: 'rtsp://viewer:s3cret@127.0.0.1:9/stream1' });
    const refused = await clients.admin.http.get(`/api/admin/cameras/${locked.id}/preview`);
    expect([refused.status, refused.body.error.code]).toEqual([502, 'camera_unreachable']);
    expect(refused.body.error.message).toContain('rtsp://viewer:***@127.0.0.1:9/stream1');
    expect(refused.body.error.message).not.toContain('s3cret');
    const still = await platform.services.admin.createCamera(principals.admin, {
      siteId: site.id,
      name: 'Still',
      sourceUrl: `file://${path.join(import.meta.dirname, 'fixtures/vision/pigs-few.jpg')}`,
    });
    const picture = await fetch(`${platform.url}/api/admin/cameras/${still.id}/preview`, { headers: { cookie: clients.admin.cookie } });
    expect(picture.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await picture.arrayBuffer()).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  }, 30_000);
});

describe('a session for the web app', () => {
  it('takes a photo from the enterprise onto the timeline, re-drawn from its pixels, and refuses what is not one', async () => {
    const res = await upload(clients.entA, jpeg);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const sent = await sharp(jpeg).metadata();
    expect(res.body).toMatchObject({ kind: 'snapshot', payload: { source: 'upload', width: sent.width, height: sent.height } });
    const file = await fetch(`${platform.url}/api/sessions/${sessionId}/snapshots/${res.body.id}`, { headers: { cookie: clients.officer1.cookie } });
    const stored = Buffer.from(await file.arrayBuffer());
    expect(stored.length).toBe(res.body.payload.sizeBytes);
    expect(await sharp(stored).metadata()).toMatchObject({ format: 'jpeg', width: sent.width, height: sent.height });

    // A JPEG that is also an HTML page and a ZIP: what comes back is a plain picture, not those bytes.
    const polyglot = Buffer.concat([jpeg, Buffer.from('<html><script>alert(1)</script></html>PK\u0003\u0004')]);
    const cleaned = await upload(clients.entA, polyglot);
    expect(cleaned.status).toBe(201);
    const served = Buffer.from(await (await fetch(`${platform.url}/api/sessions/${sessionId}/snapshots/${cleaned.body.id}`, { headers: { cookie: clients.officer1.cookie } })).arrayBuffer());
    expect(served.includes(Buffer.from('<script>'))).toBe(false);

    const before = (await clients.officer1.http.get(`/api/sessions/${sessionId}/timeline`)).body.length;
    expect(await upload(clients.entA, Buffer.from('not a picture at all'))).toMatchObject({ status: 400, body: { error: { code: 'invalid_image' } } });
    expect(await upload(clients.entA, jpeg, 'application/octet-stream')).toMatchObject({ status: 400, body: { error: { code: 'invalid_image' } } });
    expect(await upload(clients.entA, Buffer.alloc(13 * 1024 * 1024))).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    // Truncated halfway, and a tiny PNG that decodes to 49 megapixels.
    expect(await upload(clients.entA, jpeg.subarray(0, jpeg.length >> 1))).toMatchObject({ status: 400, body: { error: { code: 'invalid_image' } } });
    const bomb = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#000' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(await upload(clients.entA, bomb, 'image/png')).toMatchObject({ status: 400, body: { error: { code: 'invalid_image' } } });
    expect((await upload(clients.officer1, jpeg)).status).toBe(403);
    // Another enterprise's session is answered as a missing one (a 403 would tell it exists).
    expect((await upload(clients.entB, jpeg)).status).toBe(404);
    expect((await clients.officer1.http.get(`/api/sessions/${sessionId}/timeline`)).body.length).toBe(before);
  });

  it("lists a session's alarms with their evidence for its officer, not for the enterprise", async () => {
    const frameAt = new Date();
    const alarmId = await platform.services.alarms.raise(
      { rule: 'seal_mismatch', details: { read: 'XY1234567', declared: [] }, frameAt, dedupeKey: 'seal:XY1234567' },
      { sessionId, saveEvidence: async () => (await platform.services.store.write(`sessions/${sessionId}/alarms/a.jpg`, jpeg), `sessions/${sessionId}/alarms/a.jpg`) },
    );
    const listed = await clients.officer1.http.get(`/api/sessions/${sessionId}/alarms`);
    expect(listed.body).toMatchObject([{ id: alarmId, rule: 'seal_mismatch', status: 'open', hasEvidence: true }]);
    expect(listed.body[0]).not.toHaveProperty('evidencePath');
    const evidence = await fetch(`${platform.url}/api/alarms/${alarmId}/evidence`, { headers: { cookie: clients.officer1.cookie } });
    expect(Buffer.from(await evidence.arrayBuffer()).equals(jpeg)).toBe(true);
    expect((await clients.entA.http.get(`/api/sessions/${sessionId}/alarms`)).status).toBe(403);
    expect((await clients.entA.http.get(`/api/alarms/${alarmId}/evidence`)).status).toBe(403);
    expect((await clients.supervisor.http.get(`/api/sessions/${sessionId}/alarms`)).body).toHaveLength(1);
  });
});
