/**
 * H.264 keyframe bursts into the SFU: a 1080p camera at 4 Mbit/s with a keyframe every 2 s (each one a
 * burst of a couple of hundred packets) is ingested as a supervised camera is, and a consumer of it loses
 * less than 0.5 % of the packets. The cure is in the worker (scripts/mediasoup-patches/0002: larger UDP
 * socket buffers); the figures with and without it are in scripts/bench/cameras.ts's output.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraIngest, MediaWorkerPool, Room } from '../media/index.ts';
import { freeUdpPortPair } from '../media/network.ts';
import { encodeCameraClip, startCameraSimulator } from '../scripts/camera-simulator.ts';
import { measureConsumerLoss } from '../scripts/bench/rtp-loss.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-burst-'));
let pool: MediaWorkerPool;
let room: Room;
let simulator: ReturnType<typeof startCameraSimulator>;
let ingest: CameraIngest;

beforeAll(async () => {
  const clip = await encodeCameraClip(path.join(dir, 'camera-1080p.mp4'), { width: 1920, height: 1080, fps: 25, bitrate: '4000k', gopSeconds: 2, seconds: 8 });
  pool = await MediaWorkerPool.start({ workers: 1, rtcMinPort: 47000, rtcMaxPort: 47999 });
  room = await Room.create('burst', pool, { listenIp: '127.0.0.1' });
  const { rtpPort } = await freeUdpPortPair();
  simulator = startCameraSimulator({ to: `udp://127.0.0.1:${rtpPort}`, file: clip, copy: true });
  ingest = await CameraIngest.start(room, { cameraId: 'burst', name: 'Loading bay 1080p', sourceUrl: `udp://127.0.0.1:${rtpPort}` });
}, 90_000);

afterAll(async () => {
  await ingest?.stop();
  await simulator?.stop();
  room?.close();
  pool?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('keyframe bursts', () => {
  it('a 1080p 4 Mbit/s camera with a 2 s GOP loses < 0.5 % of its packets at a consumer', async () => {
    const deadline = Date.now() + 30_000;
    while (!ingest.producerInfo && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(ingest.producerInfo).toBeDefined();
    const report = await measureConsumerLoss(room, ingest.producerInfo!.producerId, 10_000, { settleMs: 2000 });
    console.log(`keyframe bursts: ${JSON.stringify(report)}`);
    // Ten seconds at ~4 Mbit/s: thousands of packets, five keyframe bursts.
    expect(report.received).toBeGreaterThan(2000);
    expect(report.bitrate).toBeGreaterThan(2_000_000);
    expect(report.loss, JSON.stringify(report)).toBeLessThan(0.005);
    expect(report.producerLost / Math.max(1, report.producerPackets), JSON.stringify(report)).toBeLessThan(0.005);
  }, 60_000);
});
