/**
 * Alarms are incidents, not a flood: a repeat of an open alarm (same rule, camera and value) counts as an
 * occurrence of it; it closes when acknowledged (several at once) or when its condition clears; a
 * camera's rule can be muted for a while (audited). The officers hear every change; the enterprise none.
 */
import { and, eq } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarms, auditLog, timelineEvents } from '../server/db/schema.ts';
import type { Platform } from '../server/platform.ts';
import type { Principal } from '../server/services/access.ts';
import { startTestPlatform } from './support/platform.ts';
import { connectClient, type TestSocketClient } from './support/socket-client.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, PASSWORD, startLiveInspection, type UserKey, type World } from './support/world.ts';

let platform: Platform;
let world: World;
let sessionId: string;
let siteId: string;
let cameraId: string;
const sockets: Socket[] = [];
const principals = {} as Record<UserKey, Principal>;
const clients = {} as Record<'officer1' | 'officer2' | 'entA' | 'supervisor', TestSocketClient>;
// The platform's clock, moved on by the test: cooldowns and mutes are measured on it.
let now = Date.now();
const COOLDOWN_MS = 60_000;

beforeAll(async () => {
  platform = await startTestPlatform({ clock: () => new Date(now), env: { ALARM_COOLDOWN_SECONDS: String(COOLDOWN_MS / 1000) } });
  world = await createWorld(platform.services);
  const { services } = platform;
  for (const key of ['entA', 'officer1', 'officer2', 'admin', 'supervisor'] as UserKey[]) principals[key] = (await services.auth.login(key, PASSWORD)).principal;
  siteId = (await services.admin.createSite(principals.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Farm A', kind: 'farm' })).id;
  cameraId = (await services.admin.createCamera(principals.admin, { siteId, name: 'Pen 1', sourceUrl: 'udp://127.0.0.1:9', analysis: [] })).id;
  ({ sessionId } = await startLiveInspection(services, principals, world, {
    declaration: { number: '530120261000000888', siteId, goodsDescription: 'Live pigs', declaredQuantity: 40, quantityUnit: 'head', sealNumbers: [] },
    type: 'routine_supervision',
  }));
  for (const key of Object.keys({ officer1: 0, officer2: 0, entA: 0, supervisor: 0 }) as Array<keyof typeof clients>) clients[key] = await connectClient(platform.url, key, sockets);
  for (const key of ['officer1', 'entA'] as const) expect((await clients[key].send('session:join', { sessionId })).ok).toBe(true);
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await platform?.stop();
});

const frozen = () => ({ rule: 'camera_frozen' as const, details: { cameraId, unchangedMs: 40_000, camera: 'Pen 1' }, frameAt: new Date(now), dedupeKey: `frozen:${cameraId}` });
const plate = (text: string) => ({ rule: 'plate_not_registered' as const, details: { plate: text }, frameAt: new Date(now), dedupeKey: `plate:${text}` });
const raise = (candidate: ReturnType<typeof frozen> | ReturnType<typeof plate>) => platform.services.alarms.raise(candidate, { sessionId, siteId, cameraId });
const changesOf = (client: TestSocketClient, alarmId: string) => client.events.filter(([e, p]) => e === 'alarm:changed' && p.alarm.id === alarmId).map(([, p]) => p);
const rowOf = async (id: string) => (await platform.database.db.select().from(alarms).where(eq(alarms.id, id)))[0]!;

describe('alarm incidents', () => {
  it('counts a repeat as an occurrence of the open incident, once per cooldown, and puts only the first on the timeline', async () => {
    const first = await raise(frozen());
    expect(first).toEqual(expect.any(String));
    expect(await raise(frozen())).toBeNull(); // within the cooldown: not even counted
    now += COOLDOWN_MS;
    expect(await raise(frozen())).toBe(first);
    now += COOLDOWN_MS;
    expect(await raise(frozen())).toBe(first);
    expect(await rowOf(first!)).toMatchObject({ status: 'open', occurrences: 3 });
    const onTimeline = await platform.database.db
      .select()
      .from(timelineEvents)
      .where(and(eq(timelineEvents.sessionId, sessionId), eq(timelineEvents.kind, 'alarm')));
    expect(onTimeline.filter((e) => (e.payload as { alarmId?: string }).alarmId === first)).toHaveLength(1);
    const changes = await waitFor(() => (changesOf(clients.officer1, first!).length === 3 ? changesOf(clients.officer1, first!) : null), 'three changes pushed');
    expect(changes.map((c) => [c.change, c.alarm.occurrences])).toEqual([
      ['raised', 1],
      ['repeated', 2],
      ['repeated', 3],
    ]);
    // The enterprise is told of no alarm: neither pushed nor in the timeline it reads.
    expect(clients.entA.events.filter(([e]) => e === 'alarm:changed')).toHaveLength(0);
    await waitFor(() => clients.officer1.events.find(([e, p]) => e === 'session:timeline' && p.kind === 'alarm'), 'the alarm on the officer timeline');
    expect(clients.entA.events.filter(([e, p]) => e === 'session:timeline' && p.kind === 'alarm')).toHaveLength(0);
    const kinds = async (who: TestSocketClient) => ((await who.http.get(`/api/sessions/${sessionId}/timeline`)).body as Array<{ kind: string }>).map((e) => e.kind);
    expect(await kinds(clients.officer1)).toContain('alarm');
    expect(await kinds(clients.entA)).not.toContain('alarm');
  });

  it('closes by itself when its condition clears; the next occurrence is a new incident', async () => {
    const [open] = await platform.database.db
      .select()
      .from(alarms)
      .where(and(eq(alarms.sessionId, sessionId), eq(alarms.rule, 'camera_frozen'), eq(alarms.status, 'open')));
    await platform.services.alarms.clear({ sessionId, siteId, cameraId }, { dedupeKey: `frozen:${cameraId}` });
    expect(await rowOf(open!.id)).toMatchObject({ status: 'cleared', clearedAt: expect.any(Date) });
    await waitFor(() => changesOf(clients.officer1, open!.id).find((c) => c.change === 'cleared'), 'the clearing pushed');
    expect((await clients.officer1.http.post(`/api/alarms/${open!.id}/acknowledge`)).status).toBe(409);
    const again = await raise(frozen()); // no cooldown wait: the condition had cleared
    expect(again).not.toBe(open!.id);
    expect(await rowOf(again!)).toMatchObject({ status: 'open', occurrences: 1 });
  });

  it('acknowledges several at once (the officer conducting it or a supervisor), skipping those already closed', async () => {
    now += COOLDOWN_MS;
    const a = (await raise(plate('粤B11111')))!;
    const b = (await raise(plate('粤B22222')))!;
    const url = '/api/alarms/acknowledge';
    expect((await clients.entA.http.post(url, { alarmIds: [a] })).status).toBe(403);
    expect((await clients.officer2.http.post(url, { alarmIds: [a] })).status).toBe(403); // same port, not conducting it
    expect((await clients.officer1.http.post(url, { alarmIds: [] })).status).toBe(400);
    expect((await clients.officer1.http.post(url, { alarmIds: Array.from({ length: 201 }, () => a) })).status).toBe(400);
    expect((await clients.officer1.http.post(url, { alarmIds: ['not-an-id'] })).status).toBe(400);
    await clients.officer1.http.post(`/api/alarms/${a}/acknowledge`);
    const both = await clients.officer1.http.post(url, { alarmIds: [a, b] });
    expect(both.status, JSON.stringify(both.body)).toBe(200);
    expect(both.body).toEqual({ acknowledged: [b], skipped: [a] });
    expect(await rowOf(b)).toMatchObject({ status: 'acknowledged', acknowledgedBy: world.users.officer1.id });
    await waitFor(() => changesOf(clients.officer1, b).find((c) => c.change === 'acknowledged'), 'the acknowledgement pushed');
  });

  it("mutes a camera's rule for a while, audited; nothing is raised or counted until it ends", async () => {
    const url = `/api/sessions/${sessionId}/alarm-mutes`;
    const mute = { cameraId, rule: 'plate_not_registered', minutes: 30, reason: 'Known visitor vehicle' };
    expect((await clients.entA.http.post(url, mute)).status).toBe(403);
    expect((await clients.officer2.http.post(url, mute)).status).toBe(403);
    expect((await clients.officer1.http.post(url, { ...mute, minutes: 0 })).status).toBe(400);
    expect((await clients.officer1.http.post(url, { ...mute, reason: '  ' })).status).toBe(400);
    expect((await clients.officer1.http.post(url, { ...mute, cameraId: crypto.randomUUID() })).status).toBe(404);
    const created = await clients.officer1.http.post(url, mute);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ cameraId, rule: 'plate_not_registered', mutedBy: world.users.officer1.id, until: new Date(now + 30 * 60_000).toISOString() });
    expect((await clients.supervisor.http.get(url)).body).toMatchObject([{ id: created.body.id }]);
    const [audit] = await platform.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'alarm.mute'), eq(auditLog.entityId, cameraId)));
    expect(audit).toMatchObject({ actorId: world.users.officer1.id });
    now += COOLDOWN_MS;
    expect(await raise(plate('粤B33333'))).toBeNull();
    expect(await raise(frozen())).not.toBeNull(); // another rule of the same camera still raises
    now += 31 * 60_000;
    expect(await raise(plate('粤B33333'))).toEqual(expect.any(String));
    expect((await clients.officer1.http.get(url)).body).toEqual([]);
  });
});
