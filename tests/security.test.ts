/**
 * What a hostile client tried against the running platform (issue 17), each reproduced here: raced
 * logins, locking strangers out, cross-site requests, text the database cannot store, a compressed body
 * that does not decompress, sockets outliving their login, missing security headers.
 */
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import { connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, bookings, cameras } from '../server/db/schema.ts';
import { HttpClient, startTestPlatform, type TestPlatform } from './support/platform.ts';
import { connectClient } from './support/socket-client.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, PASSWORD, startLiveInspection, type World } from './support/world.ts';
import { redactError } from '../server/logger.ts';

let platform: TestPlatform;
let world: World;
const sockets: Socket[] = [];

beforeAll(async () => {
  platform = await startTestPlatform();
  world = await createWorld(platform.services);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await platform?.stop();
});

/** A login as if from another client address (the platform trusts X-Forwarded-For from its loopback proxy). */
const loginFrom = (address: string, username: string, password: string) =>
  fetch(`${platform.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ username, password }),
  }).then(async (res) => ({ status: res.status, code: res.ok ? null : ((await res.json()) as { error: { code: string } }).error.code }));

describe('login throttling', () => {
  it('cannot be raced: of 25 parallel wrong passwords at most 5 are checked, and the right one after them is refused', async () => {
    const burst = await Promise.all(Array.from({ length: 25 }, (_, i) => loginFrom('10.0.0.1', 'entA', `wrong guess ${i}`)));
    expect(burst.filter((r) => r.code === 'invalid_credentials').length).toBeLessThanOrEqual(5);
    expect(burst.filter((r) => r.code === 'account_locked').length).toBeGreaterThanOrEqual(20);
    expect(await loginFrom('10.0.0.1', 'entA', PASSWORD)).toEqual({ status: 423, code: 'account_locked' });
  });

  it('does not let a stranger lock the owner out: the same account from another address still logs in', async () => {
    expect(await loginFrom('10.0.0.2', 'entA', PASSWORD)).toEqual({ status: 200, code: null });
  });

  it('answers a name that does not exist exactly as one that does, so throttling tells no names', async () => {
    const real: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 7; i++) {
      real.push((await loginFrom('10.0.0.3', 'entB', `guess ${i}`)).code!);
      unknown.push((await loginFrom('10.0.0.4', 'no.such.user', `guess ${i}`)).code!);
    }
    expect(real).toEqual(unknown);
    expect(real.slice(-2)).toEqual(['account_locked', 'account_locked']);
  });

  it('stops one address spraying passwords over many accounts', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 32; i++) answers.push((await loginFrom('10.0.0.5', `sprayed.user.${i}`, 'Summer2026!')).code!);
    expect(answers.slice(0, 30).every((c) => c === 'invalid_credentials')).toBe(true);
    expect(answers.slice(30)).toEqual(['account_locked', 'account_locked']);
  }, 60_000);
});

describe('cross-site requests', () => {
  const bookingCount = async () => (await platform.database.db.select({ n: count() }).from(bookings))[0]!.n;

  it('refuses a state change sent from another site, in any body type, and changes nothing', async () => {
    const officer = new HttpClient(platform.url);
    const cookie = (await officer.login('officer1', PASSWORD)).setCookie!.split(';')[0]!;
    const before = await bookingCount();
    for (const [type, body] of [
      ['text/plain', '{}'],
      ['application/x-www-form-urlencoded', 'a=1'],
      ['application/json', JSON.stringify({ declarationId: world.declarations.a })],
    ]) {
      const res = await fetch(`${platform.url}/api/bookings`, { method: 'POST', headers: { cookie, 'content-type': type!, origin: 'http://evil.example' }, body });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('cross_site_request');
    }
    const logout = await fetch(`${platform.url}/api/auth/logout`, { method: 'POST', headers: { cookie, 'sec-fetch-site': 'cross-site' } });
    expect(logout.status).toBe(403);
    expect((await fetch(`${platform.url}/api/auth/me`, { headers: { cookie } })).status).toBe(200);
    expect(await bookingCount()).toBe(before);
  });

  it('accepts the platform’s own pages and tools without a browser', async () => {
    const { host } = new URL(platform.url);
    const same = await fetch(`${platform.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://${host}`, 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ username: 'officer2', password: PASSWORD }),
    });
    expect(same.status).toBe(200);
  });

  it('refuses a socket.io handshake from another site', async () => {
    const http = new HttpClient(platform.url);
    const cookie = (await http.login('officer2', PASSWORD)).setCookie!.split(';')[0]!;
    const socket = connect(platform.url, { transports: ['websocket'], extraHeaders: { cookie, origin: 'http://evil.example' }, reconnection: false });
    sockets.push(socket);
    const outcome = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', () => resolve('refused'));
    });
    expect(outcome).toBe('refused');
  });
});

describe('input the database cannot store', () => {
  it('answers 400 to a NUL character in any text, and to a compressed body that does not decompress', async () => {
    const client = new HttpClient(platform.url);
    await client.login('entA', PASSWORD);
    const nul = await client.post('/api/bookings', {
      declarationId: world.declarations.a,
      type: 'label_rectification',
      slotStart: new Date(Date.now() + 86_400_000).toISOString(),
      slotEnd: new Date(Date.now() + 90_000_000).toISOString(),
      note: 'carton\u0000 3',
    });
    expect([nul.status, nul.body.error.code]).toEqual([400, 'validation_failed']);
    const login = await fetch(`${platform.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: 'not brotli at all' });
    expect(login.status).toBeGreaterThanOrEqual(400);
    expect(login.status).toBeLessThan(500);
  });
});

describe('sockets follow their login', () => {
  it('closes a login’s open sockets when it logs out, and a broker’s when a delegation is revoked', async () => {
    const officer = await connectClient(platform.url, 'officer1', sockets);
    const officerElsewhere = await connectClient(platform.url, 'officer1', sockets);
    expect((await officer.http.post('/api/auth/logout')).status).toBe(200);
    await waitFor(() => !officer.socket.connected, 'the logged-out socket to close');
    // Another login of the same user is not this one: it stays.
    expect(officerElsewhere.socket.connected).toBe(true);

    const broker = await connectClient(platform.url, 'brokerA', sockets);
    const admin = new HttpClient(platform.url);
    await admin.login('admin', PASSWORD);
    const revoked = await admin.post('/api/admin/delegations/revoke', { brokerId: world.users.brokerA.id, enterpriseId: world.enterprises.a });
    expect(revoked.status, JSON.stringify(revoked.body)).toBeLessThan(300);
    await waitFor(() => !broker.socket.connected, 'the broker’s socket to close');
  });
});

describe('camera sources', () => {
  it('takes only camera protocols, and files only from the media folder; the login never reaches the audit trail', async () => {
    const admin = new HttpClient(platform.url);
    await admin.login('admin', PASSWORD);
    const site = await admin.post('/api/admin/sites', { enterpriseId: world.enterprises.a, name: 'Probe yard', kind: 'farm' });
    const cameraCount = async () => (await platform.database.db.select({ n: count() }).from(cameras))[0]!.n;
    const before = await cameraCount();
    for (const sourceUrl of [
      'file:///etc/passwd',
      `file://http://127.0.0.1:${new URL(platform.url).port}/api/keys/platform`,
      `file://${path.resolve(import.meta.dirname, 'fixtures')}/../../package.json`,
      'concat:/etc/passwd',
      'gopher://127.0.0.1:6379/_FLUSHALL',
      'subfile,,start,0,end,100,,:/etc/passwd',
    ]) {
      const res = await admin.post('/api/admin/cameras', { siteId: site.body.id, name: 'Probe', sourceUrl });
      expect([res.status, res.body.error.code], sourceUrl).toEqual([400, 'validation_failed']);
    }
    expect(await cameraCount()).toBe(before);

    const withLogin = await admin.post('/api/admin/cameras', { siteId: site.body.id, name: 'Gate', sourceUrl: 'rtsp://viewer:s3cret-pass@192.0.2.7:554/stream1' });
    expect(withLogin.status).toBe(201);
    const audit = await platform.database.db.select().from(auditLog).where(eq(auditLog.entityId, withLogin.body.id));
    expect(JSON.stringify(audit)).not.toContain('s3cret-pass');
    expect(JSON.stringify(audit)).toContain('rtsp://viewer@192.0.2.7:554/stream1');

    // The password is stored apart from the URL, encrypted; the platform still opens the camera with it.
    const [row] = await platform.database.db.select().from(cameras).where(eq(cameras.id, withLogin.body.id));
    expect(row!.sourceUrl).toBe('rtsp://viewer@192.0.2.7:554/stream1');
    expect(row!.sourcePassword).toMatch(/^v1\./);
    expect(row!.sourcePassword).not.toContain('s3cret');
    expect(platform.services.admin.liveSourceUrl(row!)).toBe('rtsp://viewer:s3cret-pass@192.0.2.7:554/stream1');
    const listed = (await admin.get(`/api/admin/cameras?siteId=${site.body.id}`)).body as Array<Record<string, unknown>>;
    expect(listed).toEqual([expect.objectContaining({ sourceUrl: 'rtsp://viewer:***@192.0.2.7:554/stream1' })]);
    expect(listed[0]).not.toHaveProperty('sourcePassword');

    // A camera registered before passwords were kept apart: moved out and encrypted at start-up.
    const [legacy] = await platform.database.db.insert(cameras).values({ siteId: site.body.id, name: 'Old gate', sourceUrl: 'rtsp://admin:old%40pass@192.0.2.8/live' }).returning();
    expect(await platform.services.admin.sealCameraPasswords()).toBe(1);
    const [moved] = await platform.database.db.select().from(cameras).where(eq(cameras.id, legacy!.id));
    expect(moved!.sourceUrl).toBe('rtsp://admin@192.0.2.8/live');
    expect(platform.services.admin.liveSourceUrl(moved!)).toBe('rtsp://admin:old%40pass@192.0.2.8/live');
    expect(await platform.services.admin.sealCameraPasswords()).toBe(0);
  });
});

describe('limits a client cannot drive past', () => {
  it('lets one user hold at most 3 connections of a session, and an officer send at most 30 commands a minute', async () => {
    const principals = {
      entA: (await platform.services.auth.login('entA', PASSWORD)).principal,
      officer1: (await platform.services.auth.login('officer1', PASSWORD)).principal,
      admin: (await platform.services.auth.login('admin', PASSWORD)).principal,
    };
    const { sessionId } = await startLiveInspection(platform.services, principals, world, {
      declaration: { number: '530120261000000321', goodsDescription: 'Frozen fish', declaredQuantity: 10, quantityUnit: 'carton', sealNumbers: [] },
      type: 'routine_supervision',
    });
    const phones = await Promise.all([0, 1, 2, 3].map(() => connectClient(platform.url, 'entA', sockets)));
    const joins = [];
    for (const phone of phones) joins.push(await phone.send('session:join', { sessionId }));
    expect(joins.slice(0, 3).every((r) => r.ok)).toBe(true);
    expect(joins[3]).toMatchObject({ ok: false, error: { code: 'too_many' } });
    // The officer still gets in: one user cannot fill the room.
    const officer = await connectClient(platform.url, 'officer1', sockets);
    expect((await officer.send('session:join', { sessionId })).ok).toBe(true);

    const replies = [];
    for (let i = 0; i < 32; i++) replies.push(await officer.send('session:command', { sessionId, preset: 'open_carton', params: { n: i } }));
    expect(replies.filter((r) => r.ok)).toHaveLength(30);
    expect(replies.slice(30)).toEqual([
      expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'too_many_requests' }) }),
      expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'too_many_requests' }) }),
    ]);
    const commands = (await platform.services.inspections.timeline(principals.officer1, sessionId)).filter((e) => e.kind === 'command');
    expect(commands).toHaveLength(30);
  }, 60_000);
});

describe('what the logs keep', () => {
  it('drops the parameters of a failed query and masks passwords in URLs from logged errors', () => {
    const failed = new Error('Failed query: update "users" set "password_hash" = $1 where "id" = $2\nparams: scrypt$32768$8$1$c2FsdA$aGFzaA,42');
    (failed as Error & { cause?: unknown }).cause = new Error('connect ECONNREFUSED rtsp://viewer:s3cret@192.0.2.7/stream1');
    const logged = JSON.stringify(redactError(failed));
    expect(logged).not.toContain('scrypt$');
    expect(logged).not.toContain('s3cret');
    expect(logged).toContain('params: (not logged)');
    expect(logged).toContain('rtsp://viewer:***@192.0.2.7/stream1');
  });
});

describe('what an officer may list', () => {
  it('lists the enterprises at the officer’s own port, not every port’s with their risk class', async () => {
    const names = async (username: string) => {
      const http = new HttpClient(platform.url);
      await http.login(username, PASSWORD);
      return ((await http.get('/api/enterprises')).body as Array<{ id: string }>).map((e) => e.id).sort();
    };
    // Both world enterprises have a declaration at the main port and nothing at the other one.
    expect(await names('officer1')).toEqual([world.enterprises.a, world.enterprises.b].sort());
    expect(await names('officerOtherPort')).toEqual([]);
    expect((await names('supervisor')).length).toBeGreaterThanOrEqual(2);
  });
});

describe('security headers', () => {
  it('sends a content security policy and the usual protections on pages and API answers', async () => {
    for (const urlPath of ['/', '/api/auth/me', '/healthz']) {
      const res = await fetch(`${platform.url}${urlPath}`);
      expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });
});
