/**
 * Starts a redis-server child process on a free loopback port, for `npm start` without REDIS_URL and for
 * tests. The process is ours: it is stopped when we stop.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnTied, stopProcess } from '../../media/tied-process.ts';
import fs from 'node:fs';
import net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`redis-server exited with code ${child.exitCode}`));
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not listen on ${port} in ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface LocalRedisOptions {
  dir: string;
  bin?: string;
  /** Keep an append-only file in dir so queued jobs survive a restart (off for tests). */
  persist?: boolean;
  /** Called when redis-server died and was started again (same port, same files). */
  onRestart?: (info: { exitCode: number | null; signal: string | null; restarts: number }) => void;
}

export interface LocalRedis {
  url: string;
  port: number;
  /** The running redis-server's pid (it changes when it is restarted). */
  pid(): number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts redis-server and keeps it running: if it dies, it is started again on the same port with the same
 * files (with `persist`, the append-only file brings back every acknowledged write, queued jobs included),
 * with back-off; clients (ioredis, BullMQ) reconnect by themselves.
 */
export async function startLocalRedis(options: LocalRedisOptions): Promise<LocalRedis> {
  fs.mkdirSync(options.dir, { recursive: true });
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    options.dir,
    '--save',
    '',
    '--appendonly',
    options.persist ? 'yes' : 'no',
    // Every acknowledged write is on disk before the answer: a killed redis-server loses no queued job.
    '--appendfsync',
    'always',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    // BullMQ requires that Redis never evicts its keys.
    '--maxmemory-policy',
    'noeviction',
  ];
  let child = await spawnRedis(options.bin ?? 'redis-server', args, port);
  let stopping = false;
  let restarts = 0;
  const supervise = (running: ChildProcess) => {
    running.once('exit', (exitCode, signal) => {
      if (stopping) return;
      restarts += 1;
      const restart = async (attempt: number): Promise<void> => {
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(attempt, 5))));
        if (stopping) return;
        try {
          child = await spawnRedis(options.bin ?? 'redis-server', args, port);
          supervise(child);
          options.onRestart?.({ exitCode, signal, restarts });
        } catch {
          // The port may still be held for a moment, or the disk full: keep trying.
          return restart(attempt + 1);
        }
      };
      void restart(0);
    });
  };
  supervise(child);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => child.pid,
    stop: () => {
      stopping = true;
      return stopProcess(child);
    },
  };
}

async function spawnRedis(bin: string, args: string[], port: number): Promise<ChildProcess> {
  // Tied to us: redis-server stops when we do, even if we are killed.
  const child = spawnTied(bin, args, { onParentDeath: 'SIGTERM' });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new Error(`cannot start redis-server: ${err.message} (run npm run setup)`)));
  });
  try {
    await waitForPort(port, child, 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return child;
}
