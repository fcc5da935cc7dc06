import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../server/platform.ts';
import { HttpClient, startTestPlatform } from './support/platform.ts';
import { createWorld, PASSWORD } from './support/world.ts';

let platform: Platform;

beforeAll(async () => {
  platform = await startTestPlatform();
  await createWorld(platform.services);
});
afterAll(() => platform?.stop());

describe('login and logout', () => {
  it('logs in with the right password and sets an httpOnly, SameSite session cookie', async () => {
    const client = new HttpClient(platform.url);
    const res = await client.login('officer1', PASSWORD);
    expect(res.body).toMatchObject({ username: 'officer1', role: 'officer' });
    expect(res.body).not.toHaveProperty('passwordHash');
    expect(res.setCookie).toMatch(/^wp_session=[A-Za-z0-9_-]{43};/);
    expect(res.setCookie).toMatch(/HttpOnly/);
    expect(res.setCookie).toMatch(/SameSite=Lax/);
    expect((await client.get('/api/auth/me')).body).toMatchObject({ username: 'officer1' });
  });

  it('accepts the username in any case', async () => {
    const client = new HttpClient(platform.url);
    expect((await client.post('/api/auth/login', { username: 'OFFICER1', password: PASSWORD })).status).toBe(200);
  });

  it('refuses a wrong password and an unknown user with the same answer, and sets no cookie', async () => {
    const client = new HttpClient(platform.url);
    const wrong = await client.post('/api/auth/login', { username: 'entA', password: 'wrong password!' });
    const unknown = await client.post('/api/auth/login', { username: 'nobody', password: 'wrong password!' });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body.error).toEqual({ code: 'invalid_credentials', message: 'Wrong username or password' });
      expect(res.setCookie).toBeNull();
    }
    expect((await client.get('/api/auth/me')).status).toBe(401);
  });

  it('locks an account for a while after five wrong passwords, even for the right one', async () => {
    const client = new HttpClient(platform.url);
    for (let i = 0; i < 5; i++) {
      expect((await client.post('/api/auth/login', { username: 'entB', password: `guess number ${i}` })).status).toBe(401);
    }
    const locked = await client.post('/api/auth/login', { username: 'entB', password: PASSWORD });
    expect(locked.status).toBe(423);
    expect(locked.body.error.code).toBe('account_locked');
  });

  it('logs out: the cookie is cleared and the old token no longer works', async () => {
    const client = new HttpClient(platform.url);
    const login = await client.login('supervisor', PASSWORD);
    const oldCookie = login.setCookie!.split(';')[0]!;
    const out = await client.post('/api/auth/logout');
    expect(out.status).toBe(200);
    expect(out.setCookie).toMatch(/wp_session=;/);
    const replay = await fetch(`${platform.url}/api/auth/me`, { headers: { cookie: oldCookie } });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as any).error.code).toBe('unauthenticated');
  });

  it('answers 401 to a missing or forged session cookie', async () => {
    for (const cookie of [undefined, 'wp_session=forged-token', 'wp_session=%E0%A4%A']) {
      const res = await fetch(`${platform.url}/api/bookings`, { headers: cookie ? { cookie } : {} });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).error.code).toBe('unauthenticated');
    }
  });
});

describe('health, readiness, metrics, OpenAPI', () => {
  it('reports health and readiness of the database and Redis', async () => {
    expect((await fetch(`${platform.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${platform.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok', storage: 'ok' } });
  });

  it('exposes Prometheus metrics including request durations by route', async () => {
    await fetch(`${platform.url}/api/auth/me`);
    const text = await (await fetch(`${platform.url}/metrics`)).text();
    expect(text).toMatch(/watchpost_process_cpu_seconds_total/);
    expect(text).toMatch(/watchpost_http_request_duration_seconds_count\{method="GET",route="\/api\/auth\/me",status="401"\} \d+/);
  });

  it('serves an OpenAPI document describing every booking route', async () => {
    const doc = (await (await fetch(`${platform.url}/api/openapi.json`)).json()) as any;
    expect(doc.openapi).toBe('3.0.3');
    for (const action of ['confirm', 'propose', 'accept', 'cancel', 'no-show', 'start', 'complete']) {
      expect(doc.paths[`/bookings/{id}/${action}`]?.post, action).toBeDefined();
    }
    expect(doc.paths['/bookings'].post.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['declarationId', 'type', 'slotStart', 'slotEnd']));
  });
});
