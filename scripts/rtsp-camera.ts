/**
 * A simulated IP camera behind a real RTSP server (GStreamer's, scripts/rtsp-server.py): the camera
 * simulator encodes a main stream and a sub-stream, as IP cameras do, and the server serves them as
 * rtsp://127.0.0.1:PORT/<name>/main and …/sub, over TCP or UDP, with a login when asked.
 *
 *   npm run camera:rtsp -- [--name farm] [--file pigs.mp4] [--port 8554] [--user viewer --password secret]
 *
 * Register the printed URLs as the camera's main stream and sub-stream.
 */
import { once } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { freeUdpPortPair } from '../media/network.ts';
import { spawnTied, stopProcess } from '../media/tied-process.ts';
import type { FfmpegProcess } from '../media/ffmpeg.ts';
import { startCameraSimulator, type SimulatorOptions } from './camera-simulator.ts';

const SERVER = path.join(import.meta.dirname, 'rtsp-server.py');
/** Debian's Python: GStreamer's bindings (python3-gi) are installed for it, not for another Python on PATH. */
const PYTHON = '/usr/bin/python3';

export interface RtspServer {
  port: number;
  /** The URL of a mount, with the login when given. */
  url(mount: string, login?: { user: string; password: string }): string;
  stop(): Promise<void>;
}

/** Starts the RTSP server with its mounts (`/path` → the local UDP port its MPEG-TS arrives on). */
export async function startRtspServer(o: { mounts: Record<string, number>; port?: number; user?: string; password?: string }): Promise<RtspServer> {
  const args = [SERVER, '--port', String(o.port ?? 0), ...Object.entries(o.mounts).flatMap(([mount, udp]) => ['--mount', `${mount}=${udp}`])];
  if (o.user) args.push('--user', o.user, '--password', o.password ?? '');
  const child = spawnTied(PYTHON, args, { stdout: 'pipe', onParentDeath: 'SIGTERM' });
  const port = await readyPort(child);
  return {
    port,
    url: (mount, login) => `rtsp://${login ? `${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}@` : ''}127.0.0.1:${port}${mount}`,
    stop: () => stopProcess(child, 2000),
  };
}

function readyPort(child: ChildProcess): Promise<number> {
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('The RTSP server did not start within 10 s')), 10_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.stdout!.on('data', (c: Buffer) => {
      const m = c.toString().match(/ready (\d+)/);
      if (!m) return;
      clearTimeout(timer);
      resolve(Number(m[1]));
    });
    void once(child, 'exit').then(() =>
      fail(new Error(`The RTSP server exited: ${stderr.trim() || 'no message'} (needs gir1.2-gst-rtsp-server-1.0, python3-gi, gstreamer1.0-plugins-good/bad: npm run setup)`)),
    );
  });
}

export interface RtspCameraOptions {
  /** Mounts are /<name>/main and /<name>/sub. */
  name: string;
  file?: string;
  copy?: boolean;
  main?: Partial<Pick<SimulatorOptions, 'width' | 'height' | 'bitrate' | 'fps' | 'gopSeconds' | 'file' | 'copy'>>;
  /** The sub-stream; false: a camera with a main stream only. */
  sub?: Partial<Pick<SimulatorOptions, 'width' | 'height' | 'bitrate' | 'fps' | 'gopSeconds' | 'file' | 'copy'>> | false;
  port?: number;
  user?: string;
  password?: string;
  sway?: boolean;
}

export interface RtspCamera {
  server: RtspServer;
  mainUrl: string;
  subUrl: string | null;
  stop(): Promise<void>;
}

/** A simulated camera publishing its main stream (and sub-stream) through a real RTSP server. */
export async function startRtspCamera(o: RtspCameraOptions): Promise<RtspCamera> {
  const mainPort = (await freeUdpPortPair()).rtpPort;
  const subPort = o.sub === false ? null : (await freeUdpPortPair()).rtpPort;
  const mounts: Record<string, number> = { [`/${o.name}/main`]: mainPort };
  if (subPort !== null) mounts[`/${o.name}/sub`] = subPort;
  const server = await startRtspServer({ mounts, port: o.port, user: o.user, password: o.password });
  const sims: FfmpegProcess[] = [startCameraSimulator({ to: `udp://127.0.0.1:${mainPort}`, file: o.file, copy: o.copy, sway: o.sway, width: 1920, height: 1080, bitrate: '4000k', ...o.main })];
  if (subPort !== null && o.sub !== false) sims.push(startCameraSimulator({ to: `udp://127.0.0.1:${subPort}`, file: o.file, sway: o.sway, width: 640, height: 360, bitrate: '500k', ...o.sub }));
  const login = o.user ? { user: o.user, password: o.password ?? '' } : undefined;
  return {
    server,
    mainUrl: server.url(`/${o.name}/main`, login),
    subUrl: subPort === null ? null : server.url(`/${o.name}/sub`, login),
    stop: async () => {
      await Promise.all(sims.map((s) => s.stop()));
      await server.stop();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      name: { type: 'string', default: 'farm' },
      file: { type: 'string' },
      port: { type: 'string', default: '8554' },
      user: { type: 'string' },
      password: { type: 'string' },
    },
  });
  const camera = await startRtspCamera({ name: values.name!, file: values.file, port: Number(values.port), user: values.user, password: values.password, sway: !values.file });
  console.log(`RTSP camera ${values.name}:\n  main stream (1920x1080): ${camera.mainUrl}\n  sub-stream (640x360):    ${camera.subUrl}\n(Ctrl+C stops)`);
  process.on('SIGINT', () => void camera.stop().then(() => process.exit(0)));
}
