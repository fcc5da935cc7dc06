/**
 * `npm start` with no configuration: embedded PGlite in the data dir, its own redis-server, and the CLI
 * tools working against the running server. Runs the real entry point as a child process.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_CAMERAS } from '../server/maintenance/seed-demo.ts';
import { startNpmStart } from './support/npm-start.ts';
import { HttpClient } from './support/platform.ts';
import { waitFor } from './support/wait.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-start-'));
// Only what a user would have: no DATABASE_URL, no REDIS_URL.
const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };

const backupDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-backup-')), 'backup');
let bookingId = '';

const startServer = (serverEnv: Record<string, string> = env) => startNpmStart(serverEnv);

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('npm start', () => {
  it('runs with no configuration; seed:demo and the admin CLI work against it; it stops cleanly', async () => {
    const { child, url } = await startServer();
    try {
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(true);
      expect(fs.statSync(path.join(dataDir, 'control.json')).mode & 0o777).toBe(0o600);

      const seeded = await run(tsx, ['scripts/seed-demo.ts'], { cwd: root, env });
      expect(JSON.parse(seeded.stdout)).toMatchObject({ seeded: true, password: 'watchpost-demo' });
      const again = await run(tsx, ['scripts/seed-demo.ts'], { cwd: root, env });
      expect(JSON.parse(again.stdout)).toMatchObject({ seeded: false });

      await run(tsx, ['scripts/admin.ts', 'create-admin', '--username', 'root'], {
        cwd: root,
        env: { ...env, WATCHPOST_ADMIN_PASSWORD: 'a long admin password' },
      });
      const admin = new HttpClient(url);
      expect((await admin.login('root', 'a long admin password')).body.role).toBe('admin');
      // The demo farm's cameras are the ones `npm run demo` streams to, analysed as it says.
      const cameras = (await admin.get('/api/admin/cameras')).body as Array<{ name: string; sourceUrl: string; analysis: string[] }>;
      for (const demo of DEMO_CAMERAS) {
        expect(cameras).toContainEqual(expect.objectContaining({ name: demo.name, sourceUrl: `udp://127.0.0.1:${demo.port}`, analysis: [...demo.analysis] }));
        expect(fs.existsSync(path.join(root, 'tests', 'fixtures', 'vision', demo.picture))).toBe(true);
      }

      // The README's walk-through: the enterprise books, the officer confirms.
      const enterprise = new HttpClient(url);
      await enterprise.login('demo.enterprise', 'watchpost-demo');
      const declaration = (await enterprise.get('/api/declarations')).body.items[0];
      const slotStart = new Date(Date.now() + 86_400_000);
      const booking = await enterprise.post('/api/bookings', {
        declarationId: declaration.id,
        type: 'routine_supervision',
        slotStart: slotStart.toISOString(),
        slotEnd: new Date(slotStart.getTime() + 3_600_000).toISOString(),
      });
      expect(booking.status).toBe(201);
      const officer = new HttpClient(url);
      await officer.login('demo.officer', 'watchpost-demo');
      const confirmed = await officer.post(`/api/bookings/${booking.body.id}/confirm`);
      expect(confirmed.body).toMatchObject({ status: 'confirmed', officerName: 'Officer Wang' });
      bookingId = booking.body.id;

      // Then the whole inspection, as the README walks through it, on the defaults (PGlite, own Redis):
      // start, verdict, the session sealed, verified, exported; the platform keeps answering throughout.
      const soon = new Date(Date.now() + 3 * 60_000);
      const now = await enterprise.post('/api/bookings', {
        declarationId: declaration.id,
        type: 'routine_supervision',
        slotStart: soon.toISOString(),
        slotEnd: new Date(soon.getTime() + 30 * 60_000).toISOString(),
      });
      expect((await officer.post(`/api/bookings/${now.body.id}/confirm`)).status).toBe(200);
      const started = await officer.post(`/api/bookings/${now.body.id}/start`);
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      const sessionId = started.body.sessionId as string;
      expect((await officer.post(`/api/sessions/${sessionId}/verdict`, { outcome: 'pass' })).status).toBe(201);
      const verified = await waitFor(
        async () => {
          const report = (await officer.get(`/api/sessions/${sessionId}/verify`)).body;
          return report.ok ? report : null;
        },
        'the session sealed and verified',
        30_000,
      );
      expect(verified).toMatchObject({ sessionId, ok: true, problems: [] });
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const cli = JSON.parse((await run(tsx, ['scripts/verify.ts', sessionId], { cwd: root, env })).stdout);
      expect(cli).toMatchObject({ sessionId, ok: true });
      const supervisor = new HttpClient(url);
      await supervisor.login('demo.supervisor', 'watchpost-demo');
      const exported = await supervisor.post(`/api/sessions/${sessionId}/exports`, { locale: 'zh-CN' });
      expect(exported.status, JSON.stringify(exported.body)).toBe(202);
      const done = await waitFor(
        async () => {
          const status = (await supervisor.get(`/api/exports/${exported.body.exportId}`)).body;
          return status.state === 'completed' ? status : null;
        },
        'the evidence package',
        30_000,
      );
      const zip = await fetch(`${url}/api/exports/${done.exportId}/file`, { headers: { cookie: supervisor.cookieHeader() } });
      expect(zip.status).toBe(200);
      const zipFile = path.join(dataDir, 'package.zip');
      fs.writeFileSync(zipFile, Buffer.from(await zip.arrayBuffer()));
      expect(JSON.parse((await run(tsx, ['scripts/verify.ts', zipFile], { cwd: root, env })).stdout)).toMatchObject({ ok: true, sessionId });
      expect((await enterprise.get('/api/bookings')).status).toBe(200);

      // A backup while it runs: the embedded database is dumped by the server itself.
      const made = JSON.parse((await run(tsx, ['scripts/backup.ts', backupDir], { cwd: root, env })).stdout);
      expect(made).toMatchObject({ database: 'pglite' });
      // Restoring over a running platform is refused.
      const refused = await run(tsx, ['scripts/restore.ts', backupDir], { cwd: root, env }).catch((e) => e);
      expect(refused.stderr).toMatch(/running on this data dir/);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(fs.existsSync(path.join(dataDir, 'control.json'))).toBe(false);
  }, 300_000);

  it('restores that backup into an empty data dir and runs on it with the same data', async () => {
    const restoredDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-restored-'));
    const restoredEnv = { ...env, DATA_DIR: restoredDir };
    await run(tsx, ['scripts/restore.ts', backupDir], { cwd: root, env: restoredEnv });
    // In a process group of its own, as in a terminal: Ctrl-C signals the whole group.
    const { child, url } = await startNpmStart(restoredEnv, { detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const enterprise = new HttpClient(url);
      await enterprise.login('demo.enterprise', 'watchpost-demo');
      expect((await enterprise.get(`/api/bookings/${bookingId}`)).body).toMatchObject({ status: 'confirmed', officerName: 'Officer Wang' });
      const keyBefore = fs.readFileSync(path.join(dataDir, 'keys', 'platform-ed25519.pem'), 'utf8');
      expect(fs.readFileSync(path.join(restoredDir, 'keys', 'platform-ed25519.pem'), 'utf8')).toBe(keyBefore);
    } finally {
      // Ctrl-C: the signal reaches the server several times (directly and passed on by tsx) and reaches its
      // children too; it stops in order, at once, without errors (it used to exit at the second copy, or
      // hang 20 s with its redis-server restarted under it).
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const stopping = Date.now();
      process.kill(-child.pid!, 'SIGINT');
      expect(await exited).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(15_000);
      expect(output).not.toMatch(/"level":(50|60)|second signal|missing 'error' handler/);
      fs.rmSync(restoredDir, { recursive: true, force: true });
    }
  }, 240_000);

  it('refuses to start with a bad setting and names it', async () => {
    const failed = await run(tsx, ['server/main.ts'], { cwd: root, env: { ...env, PORT: 'eighty' } }).catch((e) => e);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/PORT: /);
  }, 60_000);
});
