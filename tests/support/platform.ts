/** Starts the real platform (express, socket.io, BullMQ) on a fresh test database and the test Redis. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { startPlatform, type Platform } from '../../server/platform.ts';
import { createTestDatabase } from './database.ts';

export interface TestClock {
  now(): Date;
  set(date: Date): void;
  advance(ms: number): void;
}

export function testClock(start = new Date()): TestClock & { fn: () => Date } {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    fn: () => new Date(current),
    set: (d) => {
      current = d.getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

/** The environment of a command-line tool run against a test platform: its database URL, or (PGlite) its control file. */
export function cliEnv(dataDir: string, databaseUrl: string | undefined): Record<string, string> {
  return { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', DATA_DIR: dataDir, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
}

export type TestPlatform = Platform & {
  database: Platform['database'] & { url?: string };
  redisPrefix: string;
  /** Leave the database and data dir to a platform restarted on them. */
  keepData(): void;
};

/**
 * `restartOf`: start again on that platform's database, data dir and Redis prefix (as after a crash); the
 * first platform's stop() then only stops its own process parts, the last one cleans up.
 */
export async function startTestPlatform(options: { clock?: () => Date; env?: Record<string, string>; restartOf?: TestPlatform; database?: TestPlatform['database'] } = {}): Promise<TestPlatform> {
  const reused = options.restartOf;
  const database = reused?.database ?? options.database ?? (await createTestDatabase());
  const dataDir = reused?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-data-'));
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: reused?.redisPrefix ?? `t${crypto.randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'silent',
    // One mediasoup worker per test platform: test files run two at a time on two cores.
    MEDIA_WORKERS: '1',
    // Cameras may play the test fixtures as file sources, nothing else on disk.
    CAMERA_MEDIA_DIR: path.resolve(import.meta.dirname, '..', 'fixtures'),
    ...options.env,
  });
  const platform = await startPlatform(config, { database, clock: options.clock });
  let cleanUp = true;
  return {
    ...platform,
    database,
    redisPrefix: config.REDIS_PREFIX,
    keepData: () => {
      cleanUp = false;
    },
    async stop() {
      await platform.stop();
      if (!cleanUp) return;
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A REST client that keeps its session cookie, as a browser would. */
export class HttpClient {
  private cookie: string | null = null;
  constructor(private readonly baseUrl: string) {}

  async request<T = any>(method: string, urlPath: string, body?: unknown, rawBody?: string) {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined || rawBody !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${urlPath}`, {
      method,
      headers,
      body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const [pair] = setCookie.split(';');
      this.cookie = pair!.endsWith('=') ? null : pair!;
    }
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers, setCookie };
  }

  /** The session cookie as a `cookie` header value, for a plain fetch (a download). */
  cookieHeader(): string {
    return this.cookie ?? '';
  }

  get = <T = any>(p: string) => this.request<T>('GET', p);
  post = <T = any>(p: string, body: unknown = {}) => this.request<T>('POST', p, body);
  put = <T = any>(p: string, body: unknown = {}) => this.request<T>('PUT', p, body);
  delete = <T = any>(p: string) => this.request<T>('DELETE', p);

  async login(username: string, password: string) {
    const res = await this.post('/api/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  }
}

/** A logged-in client per test user, logged in once (against whatever platform `url()` names now). */
export function loggedInClients(url: () => string, password: string) {
  const clients = new Map<string, HttpClient>();
  return {
    async as(username: string): Promise<HttpClient> {
      let http = clients.get(username);
      if (!http) {
        http = new HttpClient(url());
        await http.login(username, password);
        clients.set(username, http);
      }
      return http;
    },
    /** Forgets every login (the platform was restarted). */
    clear: () => clients.clear(),
  };
}
