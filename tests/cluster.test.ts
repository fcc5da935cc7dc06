/**
 * Several platform nodes sharing one PostgreSQL, one Redis and one data dir, as `npm start` runs on
 * several machines: nodes A, B and C in this process, node D as a child process (`npm start`, so it can be
 * SIGKILLed). A session's media lives on one home node; participants whose connection reached another
 * node are served there, with streams piped between the nodes through mediasoup pipe transports.
 *
 * Without browsers, media crossing is read from RTP counters: the bytes a piped producer has received on
 * the node a participant is connected to. The enterprise's phone is stood in for by an RTP stream produced
 * in node A's edge of the session (what the phone's WebRTC producer would be there).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { eq } from 'drizzle-orm';
import { CameraIngest } from '../media/index.ts';
import { freeUdpPortPair } from '../media/network.ts';
import { startCameraSimulator } from '../scripts/camera-simulator.ts';
import { inspectionSessions, recordingSegments, recordings } from '../server/db/schema.ts';
import { ABANDONED_AFTER_MS } from '../server/jobs/recovery.ts';
import { startNpmStart } from './support/npm-start.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { connectClient, type Reply, type TestSocketClient } from './support/socket-client.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, inspectionActors, startLiveInspection, type UserKey, type World } from './support/world.ts';

const nodes: Record<'a' | 'b' | 'c', TestPlatform> = {} as never;
let nodeD: { child: ChildProcessWithoutNullStreams; url: string } | null = null;
/** An inference node: it analyses the other nodes' frames and holds nothing of its own. */
let nodeE: TestPlatform | null = null;
let world: World;
const sockets: Socket[] = [];
const simulators: Array<{ stop: () => Promise<unknown> }> = [];
const ingests: CameraIngest[] = [];
let sessionId: string;
let databaseUrl: string;

const env = { RECORDING_SEGMENT_SECONDS: '2', LOG_LEVEL: 'warn', INFERENCE_WORKERS: '1' };
const client = (node: { url: string }, username: UserKey) => connectClient(node.url, username, sockets);

/** A camera at `siteId`: a simulator streaming to a UDP port the camera's source URL names. */
async function camera(siteId: string, name: string, analysis: Array<'count'> = []) {
  const { rtpPort } = await freeUdpPortPair();
  const sourceUrl = `udp://127.0.0.1:${rtpPort}`;
  simulators.push(startCameraSimulator({ to: sourceUrl, width: 640, height: 360, fps: 25 }));
  const admin = (await inspectionActors(nodes.a.services)).admin;
  await nodes.a.services.admin.createCamera(admin, { siteId, name, sourceUrl, analysis });
  return sourceUrl;
}

/** Bytes a node's copy of a stream has received (its producer, piped from another node or produced there). */
async function bytesOn(node: TestPlatform, sessionId: string, producerId: string): Promise<number> {
  const room = node.media.live.existingRoom(sessionId);
  if (!room) return 0;
  const stats = await room.producer(producerId).producer.getStats();
  return stats.reduce((sum, s) => sum + s.byteCount, 0);
}

/** Receiving grows: the stream crosses to `node` now. */
async function flowing(node: TestPlatform, sessionId: string, producerId: string, what: string) {
  const before = await waitFor(async () => (await bytesOn(node, sessionId, producerId)) || false, `${what}: first bytes`, 20_000);
  await waitFor(async () => (await bytesOn(node, sessionId, producerId)) > before + 20_000, `${what}: bytes growing`, 20_000);
}

/** Consumes a stream after joining, as the web app does (a receiving transport, then consume). */
async function watch(participant: TestSocketClient, joined: Reply, producerId: string) {
  const recv = await participant.send('media:createTransport', { sessionId, direction: 'recv' });
  expect(recv.ok, JSON.stringify(recv)).toBe(true);
  const consumed = await participant.send('media:consume', { sessionId, transportId: recv.ok ? recv.data.id : '', producerId, rtpCapabilities: joined.ok ? joined.data.rtpCapabilities : {} });
  expect(consumed, JSON.stringify(consumed)).toMatchObject({ ok: true, data: { producerId } });
}

const cameraOf = (reply: { ok: boolean; data?: any }) =>
  (reply.ok ? (reply.data.producers as Array<{ producerId: string; cameraId: string | null; label: string }>) : []).find((p) => p.label === 'Yard');

beforeAll(async () => {
  nodes.a = await startTestPlatform({ env: { ...env, NODE_ID: 'node-a' } });
  databaseUrl = nodes.a.database.url!;
  nodes.b = await startTestPlatform({ restartOf: nodes.a, env: { ...env, NODE_ID: 'node-b' } });
  nodes.c = await startTestPlatform({ restartOf: nodes.a, env: { ...env, NODE_ID: 'node-c' } });
  // The platform parts stop one by one; the database and data dir are cleaned up at the end.
  for (const node of Object.values(nodes)) node.keepData();
  world = await createWorld(nodes.a.services);
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const ingest of ingests) await ingest.stop().catch(() => {});
  for (const sim of simulators) await sim.stop();
  if (nodeD && nodeD.child.exitCode === null && nodeD.child.signalCode === null) process.kill(-nodeD.child.pid!, 'SIGKILL');
  for (const node of Object.values(nodes)) await node.stop();
  await nodeE?.stop();
  await nodes.a.database.close();
  fs.rmSync(nodes.a.dataDir, { recursive: true, force: true });
}, 120_000);

describe('several nodes as one platform', () => {
  it('registers every node with its load, and refuses internal calls without the cluster secret and a node with keys of its own', async () => {
    const live = await nodes.b.node.liveNodes();
    expect(live.map((n) => n.id).sort()).toEqual(['node-a', 'node-b', 'node-c']);
    expect(live.every((n) => n.workers === 1 && !n.draining && n.url.startsWith('http://127.0.0.1:'))).toBe(true);

    const call = (headers: Record<string, string>) =>
      fetch(`${nodes.a.url}/internal/cluster/rooms/${crypto.randomUUID()}/producers`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    expect((await call({})).status).toBe(401);
    expect((await call({ authorization: 'Bearer not-the-secret', 'x-watchpost-node': 'node-b' })).status).toBe(401);
    // The public app does not serve it, and a browser's cookie is worth nothing there.
    const admin = await client(nodes.a, 'admin');
    expect((await call({ cookie: admin.cookie })).status).toBe(401);

    // Administration lists the nodes, naming the one that answered; an enterprise may not look.
    const listed = (await admin.http.get('/api/admin/nodes')).body as Array<{ id: string; self: boolean; workers: number; draining: boolean }>;
    expect(listed.map((n) => [n.id, n.self, n.workers, n.draining])).toEqual([
      ['node-a', true, 1, false],
      ['node-b', false, 1, false],
      ['node-c', false, 1, false],
    ]);
    expect((await (await client(nodes.a, 'entA')).http.get('/api/admin/nodes')).status).toBe(403);

    // A node with a data dir, and so keys, of its own would sign seals nobody can verify and could not open
    // the secrets the database holds: it refuses to join, naming the settings to share.
    const joining = startTestPlatform({ database: nodes.a.database, env: { ...env, NODE_ID: 'node-x', REDIS_PREFIX: nodes.a.redisPrefix } });
    await expect(joining).rejects.toThrow(/same SIGNING_KEY_FILE .* and SECRETS_KEY_FILE/);
    expect((await nodes.a.node.liveNodes()).map((n) => n.id)).not.toContain('node-x');
  });

  it('serves one session through three nodes: the camera ingested on C, the phone on A, the officer on B', async () => {
    const actors = await inspectionActors(nodes.a.services);
    const site = await nodes.a.services.admin.createSite(actors.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Farm A', kind: 'farm' });
    await camera(site.id, 'Yard', ['count']);
    ({ sessionId } = await startLiveInspection(nodes.a.services, actors, world, {
      declaration: { number: '530120261000000501', siteId: site.id, goodsDescription: 'Live pigs', declaredQuantity: 40, quantityUnit: 'head', sealNumbers: [] },
      type: 'routine_supervision',
    }));

    // The supervisor's console reaches node C first: every node is as loaded, so the session's media is placed there.
    const supervisor = await client(nodes.c, 'supervisor');
    const first = await supervisor.send('session:join', { sessionId });
    expect(first, JSON.stringify(first)).toMatchObject({ ok: true });
    expect((await nodes.a.node.homeOf(sessionId)).home?.id).toBe('node-c');
    expect(nodes.c.media.live.processes(sessionId).cameras).toHaveLength(1);

    // The officer on node B sees the camera C ingests, piped to B once.
    const officer = await client(nodes.b, 'officer1');
    const joined = await officer.send('session:join', { sessionId });
    const yard = cameraOf(joined);
    expect(yard, JSON.stringify(joined)).toBeTruthy();
    await watch(officer, joined, yard!.producerId);
    await flowing(nodes.b, sessionId, yard!.producerId, 'the camera from node C at node B');
    expect(nodes.b.media.live.processes(sessionId).cameras).toHaveLength(0); // B ingests nothing itself

    // The enterprise joins through node A; its stream there is sent to the home and on to the officer on B.
    const enterprise = await client(nodes.a, 'entA');
    expect(await enterprise.send('session:join', { sessionId })).toMatchObject({ ok: true, data: { role: 'enterprise' } });
    const edgeRoom = nodes.a.media.live.existingRoom(sessionId)!;
    const { rtpPort } = await freeUdpPortPair();
    simulators.push(startCameraSimulator({ to: `udp://127.0.0.1:${rtpPort}`, width: 480, height: 270, fps: 25 }));
    ingests.push(await CameraIngest.start(edgeRoom, { cameraId: 'phone-of-entA', name: 'Phone', sourceUrl: `udp://127.0.0.1:${rtpPort}` }));
    const announced = await waitFor(() => officer.events.find(([e, p]) => e === 'media:newProducer' && p.label === 'Phone')?.[1], 'the phone announced to the officer on B');
    await watch(officer, joined, announced.producerId);
    await flowing(nodes.c, sessionId, announced.producerId, 'the phone from node A at home C');
    await flowing(nodes.b, sessionId, announced.producerId, 'the phone from A through C at node B');
    // The home records it.
    await waitFor(() => nodes.c.media.live.processes(sessionId).recorders.some((r) => r.source.includes('phone-of-entA')), 'the phone recorded at the home');

    // A command from B reaches the enterprise on A, and its acknowledgement comes back.
    const command = await officer.send('session:command', { sessionId, preset: 'open_carton', params: { n: 2 } });
    expect(command.ok).toBe(true);
    const pushed = await waitFor(() => enterprise.events.find(([e, p]) => e === 'session:timeline' && p.kind === 'command')?.[1], 'the command at node A');
    expect(await enterprise.send('session:acknowledge', { sessionId, commandId: pushed.id })).toMatchObject({ ok: true });
    await waitFor(() => officer.events.find(([e, p]) => e === 'session:timeline' && p.kind === 'acknowledgement'), 'the acknowledgement at node B');

    // A loading batch opened and closed through node B is counted by the analysis on the home, C.
    const batches = `/api/sessions/${sessionId}/loading-batches`;
    const line = { a: [0.1, 0.6], b: [0.9, 0.6] };
    const opened = await waitFor(async () => {
      const res = await officer.http.post(batches, { cameraId: yard!.cameraId, line });
      return res.status === 201 ? res : undefined;
    }, 'a batch opened through node B (the camera counted on C)');
    const closed = await officer.http.post(`${batches}/${opened.body.id}/close`);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.counted).toEqual({ forward: expect.any(Number), backward: expect.any(Number), net: expect.any(Number) });
    supervisor.socket.disconnect();
  }, 120_000);

  it('moves the session off a stopping node: participants are told, join again, and the camera comes back', async () => {
    const officer = await client(nodes.b, 'officer1');
    const enterprise = await client(nodes.a, 'entA');
    for (const p of [officer, enterprise]) expect(await p.send('session:join', { sessionId })).toMatchObject({ ok: true });
    const stopped = Date.now();
    await nodes.c.stop(); // what SIGTERM runs: drain, then stop
    for (const p of [officer, enterprise]) await waitFor(() => p.events.find(([e, r]) => e === 'media:reset' && r.reason === 'node_draining'), 'told the media moved');
    expect((await nodes.a.node.liveNodes()).map((n) => n.id).sort()).toEqual(['node-a', 'node-b']);

    // The web app joins again on media:reset: the session opens on a live node, with its camera.
    const again = await officer.send('session:join', { sessionId });
    const yard = cameraOf(again);
    expect(yard, JSON.stringify(again)).toBeTruthy();
    const home = (await nodes.a.node.homeOf(sessionId)).home!;
    expect(['node-a', 'node-b']).toContain(home.id);
    await watch(officer, again, yard!.producerId);
    await flowing(nodes.b, sessionId, yard!.producerId, 'the camera after the move');
    console.log(`[cluster] drained node C: camera flowing again at the officer's node ${((Date.now() - stopped) / 1000).toFixed(1)} s after the stop began`);

    // What C recorded was closed and finalised (by whichever node's worker took the job).
    await waitFor(
      async () => {
        const rows = await nodes.a.database.db.select().from(recordings).where(eq(recordings.sessionId, sessionId));
        return rows.length >= 2 && rows.filter((r) => r.status === 'ready').length >= 2;
      },
      'the first home’s recordings finalised',
      60_000,
    );
    const timeline = (await officer.http.get(`/api/sessions/${sessionId}/timeline`)).body as Array<{ kind: string; payload: { kind?: string; reason?: string; fromNode?: string } }>;
    expect(timeline.some((e) => e.kind === 'note' && e.payload.kind === 'media_moved' && e.payload.reason === 'node_draining' && e.payload.fromNode === 'node-c')).toBe(true);
  }, 120_000);

  it('brings the session back on a live node when its home is killed, and notes the gap', async () => {
    // Node D, an `npm start` of its own on the same database, Redis and data dir.
    nodeD = await startNpmStart(
      {
        PATH: process.env.PATH!,
        HOME: process.env.HOME ?? '/root',
        PORT: '0',
        NODE_ID: 'node-d',
        DATABASE_URL: databaseUrl,
        REDIS_URL: inject('redisUrl'),
        REDIS_PREFIX: nodes.a.redisPrefix,
        DATA_DIR: nodes.a.dataDir,
        MEDIA_WORKERS: '1',
        LOG_LEVEL: 'warn',
        RECORDING_SEGMENT_SECONDS: '2',
      },
      { detached: true },
    );
    // Everybody leaves; the session's media closes on its home and the officer's console reaches D first.
    for (const s of sockets) s.disconnect();
    await waitFor(async () => (await nodes.a.node.liveNodes()).some((n) => n.id === 'node-d'), 'node D registered');
    for (const node of [nodes.a, nodes.b]) await node.media.live.close(sessionId);
    await waitFor(async () => !(await nodes.a.node.homeOf(sessionId)).home, 'the session without a home');
    const onD = await client(nodeD, 'officer1');
    expect(await onD.send('session:join', { sessionId })).toMatchObject({ ok: true });
    expect((await nodes.a.node.homeOf(sessionId)).home?.id).toBe('node-d');
    const officer = await client(nodes.b, 'officer1');
    const joined = await officer.send('session:join', { sessionId });
    await watch(officer, joined, cameraOf(joined)!.producerId);
    await flowing(nodes.b, sessionId, cameraOf(joined)!.producerId, 'the camera from node D at node B');

    // D has recorded something by then (a segment stored), which must outlive it.
    await waitFor(
      async () =>
        (
          await nodes.a.database.db
            .select({ id: recordingSegments.id })
            .from(recordingSegments)
            .innerJoin(recordings, eq(recordings.id, recordingSegments.recordingId))
            .where(eq(recordings.nodeId, 'node-d'))
        ).length > 0,
      'a segment recorded on node D',
    );
    const killed = Date.now();
    process.kill(-nodeD.child.pid!, 'SIGKILL');
    // A join the moment the home died, while the registry still holds it (its beat is not stale yet): it
    // waits the dead home out and is placed on a live node, rather than failing.
    const early = await client(nodes.a, 'officer1');
    const joinedEarly = await early.send('session:join', { sessionId });
    expect(joinedEarly, JSON.stringify(joinedEarly)).toMatchObject({ ok: true });
    console.log(`[cluster] a join sent as node D was killed answered after ${((Date.now() - killed) / 1000).toFixed(1)} s`);
    await waitFor(() => officer.events.find(([e, r]) => e === 'media:reset' && r.reason === 'media_failed'), 'told its media was lost', 20_000);
    const toldAfter = Date.now() - killed;
    const again = await officer.send('session:join', { sessionId });
    expect(again, JSON.stringify(again)).toMatchObject({ ok: true });
    expect(['node-a', 'node-b']).toContain((await nodes.a.node.homeOf(sessionId)).home?.id);
    const yard = cameraOf(again)!;
    await watch(officer, again, yard.producerId);
    await flowing(nodes.b, sessionId, yard.producerId, 'the camera after node D was killed');
    console.log(`[cluster] killed node D: participants told after ${(toldAfter / 1000).toFixed(1)} s, camera flowing again after ${((Date.now() - killed) / 1000).toFixed(1)} s`);
    const timeline = (await officer.http.get(`/api/sessions/${sessionId}/timeline`)).body as Array<{
      kind: string;
      payload: { kind?: string; reason?: string; fromNode?: string; silentMs?: number | null };
    }>;
    const moved = timeline.find((e) => e.kind === 'note' && e.payload.kind === 'media_moved' && e.payload.reason === 'node_lost');
    expect(moved?.payload).toMatchObject({ fromNode: 'node-d' });
    expect(moved?.payload.silentMs).toBeGreaterThan(0);

    // What D was recording stays open until a sweep finds it silent past ABANDONED_AFTER_MS (looked ahead
    // here): then it is closed with what D wrote and finalised; the new home's recordings are left alone.
    const rows = () => nodes.a.database.db.select().from(recordings).where(eq(recordings.sessionId, sessionId));
    const openBefore = (await rows()).filter((r) => r.status === 'recording');
    expect(await nodes.b.sweepRecordings(Date.now() + ABANDONED_AFTER_MS)).toBeGreaterThanOrEqual(1);
    expect(await nodes.a.sweepRecordings(Date.now() + ABANDONED_AFTER_MS)).toBe(0); // closed once
    const stillOpen = (await rows()).filter((r) => r.status === 'recording');
    expect(stillOpen.length).toBeGreaterThanOrEqual(1);
    expect(stillOpen.length).toBeLessThan(openBefore.length);
    const abandoned = openBefore.filter((r) => !stillOpen.some((s) => s.id === r.id)).map((r) => r.id);
    await waitFor(async () => (await rows()).filter((r) => abandoned.includes(r.id)).every((r) => r.status === 'ready'), 'the killed node’s recordings finalised', 60_000);

    // The session ends, and its home misses the one message saying so: its periodic check closes the media.
    const home = (await nodes.a.node.homeOf(sessionId)).home!.id === 'node-a' ? nodes.a : nodes.b;
    expect(await home.media.live.closeEnded()).toEqual([]);
    await nodes.a.database.db.update(inspectionSessions).set({ status: 'closed', endedAt: new Date() }).where(eq(inspectionSessions.id, sessionId));
    expect(await home.media.live.closeEnded()).toEqual([sessionId]);
    expect(home.media.live.live(sessionId)).toBeNull();
    await waitFor(async () => (await rows()).every((r) => r.status !== 'recording'), 'its recordings stopped');
  }, 240_000);

  it('holds a supervised camera on one node, analysed on an inference node, shows it on the wall of every node, and hands it over when that node stops', async () => {
    // Node E only analyses: it takes no session and no camera, and the others send it their frames.
    nodeE = await startTestPlatform({ restartOf: nodes.a, env: { ...env, NODE_ID: 'node-e', NODE_ROLE: 'inference' } });
    nodeE.keepData();
    await waitFor(async () => (await nodes.a.node.liveNodes()).some((n) => n.id === 'node-e' && n.role === 'inference'), 'node E registered');
    expect((await nodes.a.node.placement())?.id).not.toBe('node-e');
    const secret = await nodes.a.node.sharedSecret(undefined);
    const infer = (task: string, body: Buffer, headers: Record<string, string> = { authorization: `Bearer ${secret}`, 'x-watchpost-node': 'node-a' }) =>
      fetch(`${nodeE!.url}/internal/cluster/inference/${task}`, { method: 'POST', headers: { 'content-type': 'image/jpeg', ...headers }, body: new Blob([new Uint8Array(body)]) });
    expect((await infer('count', Buffer.from('not a picture'), {})).status).toBe(401);
    expect((await infer('teleport', Buffer.from('x'))).status).toBe(404);
    expect((await infer('count', Buffer.from('not a picture'))).status).toBe(422);
    const actors = await inspectionActors(nodes.a.services);
    const site = await nodes.a.services.admin.createSite(actors.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Farm B', kind: 'farm' });
    const { rtpPort } = await freeUdpPortPair();
    simulators.push(startCameraSimulator({ to: `udp://127.0.0.1:${rtpPort}`, width: 640, height: 360, fps: 10 }));
    // Registered through node A: every node hears of it, and the first to claim it holds it (A or B).
    const cameraId = (await nodes.a.services.admin.createCamera(actors.admin, { siteId: site.id, name: 'Pen 1', sourceUrl: `udp://127.0.0.1:${rtpPort}`, supervision: true, analysis: ['count'] })).id;
    const [holder, other] = await waitFor(
      () => (nodes.a.media.supervision.feed(cameraId)?.online ? [nodes.a, nodes.b] : nodes.b.media.supervision.feed(cameraId)?.online ? [nodes.b, nodes.a] : null),
      'the camera live on one node',
      40_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 4000)); // two checks of every node's schedule
    expect(other.media.supervision.feed(cameraId)).toBeNull(); // one ingest for the platform
    expect(await other.media.feeds.pid(cameraId)).toBeUndefined();

    // A supervisor whose console reached the other node sees it on the wall, piped from the holder.
    const viewer = await client(other, 'supervisor');
    const wallOf = async () => {
      const joined = await viewer.send('wall:join', { sessionId: 'wall' });
      expect(joined.ok, JSON.stringify(joined)).toBe(true);
      return joined.ok ? (joined.data.producers as Array<{ producerId: string; cameraId: string }>).find((p) => p.cameraId === cameraId) : undefined;
    };
    const tile = await waitFor(wallOf, 'the camera on the wall at node B');
    const watchWall = async (producerId: string) => {
      const recv = await viewer.send('media:createTransport', { sessionId: 'wall', direction: 'recv' });
      const caps = (await other.media.supervision.wallRoom()).rtpCapabilities;
      expect(await viewer.send('media:consume', { sessionId: 'wall', transportId: recv.ok ? recv.data.id : '', producerId, rtpCapabilities: caps })).toMatchObject({ ok: true });
      const bytes = async () => (await (await other.media.supervision.wallRoom()).producer(producerId).producer.getStats()).reduce((sum, s) => sum + s.byteCount, 0);
      const before = await waitFor(async () => (await bytes()) || false, 'wall bytes at node B');
      await waitFor(async () => (await bytes()) > before + 20_000, 'wall bytes growing at node B');
    };
    await watchWall(tile.producerId);
    const listed = async () => ((await viewer.http.get('/api/supervision/cameras')).body as Array<{ cameraId: string; live: boolean; online: boolean }>).find((c) => c.cameraId === cameraId);
    expect(await listed()).toMatchObject({ live: true, online: true });

    // Changed through the other node: the holder applies it (off the wall, and back).
    const admin = await client(other, 'admin');
    expect((await admin.http.request('PATCH', `/api/admin/cameras/${cameraId}`, { liveView: false })).status).toBe(200);
    await waitFor(async () => !(await other.media.supervision.wallStreams()).some((s) => s.producer.cameraId === cameraId), 'taken off the wall by its holder');
    expect((await admin.http.request('PATCH', `/api/admin/cameras/${cameraId}`, { liveView: true })).status).toBe(200);
    await waitFor(async () => (await other.media.supervision.wallStreams()).some((s) => s.producer.cameraId === cameraId), 'back on the wall');

    // A loading record's still and its deck counts, asked through the other node, are taken on the holder.
    const still = await other.media.supervision.still(cameraId);
    expect([still.jpeg.subarray(0, 2).toString('hex'), still.width, still.height]).toEqual(['ffd8', 640, 360]);
    await waitFor(() => holder.media.supervision.isCounting(cameraId), 'the holder counting', 60_000);
    // Its frames were analysed on E: results at the holder, and no inference worker of its own.
    await waitFor(() => holder.media.supervision.latestFrame(cameraId, 'count'), 'a counted frame at the holder', 60_000);
    // A correction with no stickiness: the frame is held through the node without the camera (fetched from the
    // holder), its picture read and its label given through the holder, and a second label refused on the first.
    const officerThere = await client(other, 'officer1');
    const officerHere = await client(holder, 'officer1');
    const held = await officerThere.http.post('/api/vision/frames', { cameraId, task: 'count' });
    expect(held.status).toBe(201);
    expect(held.body).toMatchObject({ cameraId, task: 'count', width: 640, height: 360, predicted: { task: 'count' } });
    const picture = await fetch(`${holder.url}/api/vision/frames/${held.body.frameId}/image`, { headers: { cookie: officerHere.cookie } });
    expect([
      picture.status,
      Buffer.from(await picture.arrayBuffer())
        .subarray(0, 2)
        .toString('hex'),
    ]).toEqual([200, 'ffd8']);
    const label = { label: { task: 'count', points: [[0.5, 0.5]] } };
    expect((await (await client(holder, 'supervisor')).http.post(`/api/vision/frames/${held.body.frameId}/label`, label)).status).toBe(404); // held by another user
    expect((await officerHere.http.post(`/api/vision/frames/${held.body.frameId}/label`, label)).status).toBe(201);
    expect((await officerThere.http.post(`/api/vision/frames/${held.body.frameId}/label`, label)).status).toBe(404);
    const jobsOnE = await nodeE.inferenceJobs();
    expect(jobsOnE).toBeGreaterThan(0);
    await waitFor(async () => (await nodeE!.inferenceJobs()) > jobsOnE + 3, 'more frames analysed on E');
    expect((await nodes.a.node.liveNodes()).find((n) => n.id === 'node-e')).toMatchObject({ sessions: 0, cameras: 0 });
    expect(await other.media.supervision.isCounting(cameraId)).toBe(true);
    expect(await other.media.supervision.startBatch(cameraId, 'deck-1', { a: [0, 0.5], b: [1, 0.5] })).toBe(true);
    expect(await other.media.supervision.endBatch(cameraId, 'deck-1')).toMatchObject({ forward: expect.any(Number), backward: expect.any(Number) });
    expect(await other.media.supervision.endBatch(cameraId, 'deck-1')).toBeNull(); // closed once, on the holder

    // The holder stops: the other node takes the camera over, and the wall viewer, told, sees it again.
    const stopping = Date.now();
    await holder.stop();
    await waitFor(() => other.media.supervision.feed(cameraId)?.online, 'the camera taken over by the other node', 30_000);
    const tookOver = Date.now() - stopping;
    await waitFor(() => viewer.events.some(([e]) => e === 'wall:changed'), 'the wall viewer told');
    const again = await waitFor(async () => {
      const t = await wallOf();
      return t && t.producerId !== tile.producerId ? t : undefined;
    }, 'the camera back on the wall');
    await watchWall(again.producerId);
    console.log(`[cluster] stopped ${holder.node.self.id}: its supervised camera live on ${other.node.self.id} after ${(tookOver / 1000).toFixed(1)} s`);
  }, 120_000);
});
