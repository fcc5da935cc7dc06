/**
 * The media plane without a browser: a simulated camera enters a room as a producer, is recorded into
 * segments that finalise into one playable file, and the frame tap yields frames of the requested size.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSimulator } from '../scripts/camera-simulator.ts';
import { CameraIngest } from './camera-ingest.ts';
import { ffprobe, startFfmpeg } from './ffmpeg.ts';
import { finaliseSegments } from './finalise.ts';
import { FrameTap } from './frame-tap.ts';
import { freeUdpPortPair } from './network.ts';
import { Recorder } from './recorder.ts';
import { Room } from './room.ts';
import { grabCameraStill, grabStill } from './snapshot.ts';
import { MediaWorkerPool } from './worker-pool.ts';

let pool: MediaWorkerPool;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-media-'));

beforeAll(async () => {
  pool = await MediaWorkerPool.start({ workers: 2, rtcMinPort: 41000, rtcMaxPort: 41999 });
});
afterAll(() => {
  pool?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A room and a free loopback address for a simulated camera to stream to. */
async function roomAndCameraUrl(roomId: string) {
  const room = await Room.create(roomId, pool, { listenIp: '127.0.0.1' });
  const { rtpPort } = await freeUdpPortPair();
  return { room, url: `udp://127.0.0.1:${rtpPort}` };
}

/** What the simulator sends, so the ingest need not probe (and recording can start before the camera). */
const SIMULATOR_STREAM = { plan: { mode: 'copy', profileLevelId: '42e01f' } } as const;

describe('camera → room → recorder, frame tap, snapshot', () => {
  it('probes a camera and copies H.264 it can forward as is', async () => {
    const { room, url } = await roomAndCameraUrl('session-probe');
    const simulator = startCameraSimulator({ to: url, seconds: 10, width: 320, height: 240 });
    const ingest = await CameraIngest.start(room, { cameraId: 'cam-p', name: 'Probe', sourceUrl: url });
    expect(ingest.mode).toBe('copy');
    await ingest.stop();
    await simulator.stop();
    room.close();
  }, 30_000);

  it('copies H.264 from a camera joined mid-GOP, its profile shown only at the next keyframe seconds later', async () => {
    const { room, url } = await roomAndCameraUrl('session-probe-gop');
    // A keyframe every 5 s; joined a second in, the first 2 s probe hears no parameter sets.
    const simulator = startCameraSimulator({ to: url, seconds: 45, width: 320, height: 240, gopSeconds: 5 });
    await sleep(1000);
    const ingest = await CameraIngest.start(room, { cameraId: 'cam-g', name: 'Long GOP', sourceUrl: url });
    expect(ingest.mode).toBe('copy');
    let restarts = 0;
    ingest.on('restarting', () => restarts++);
    // And the copied stream is decodable from the room (the next keyframe carries the parameter sets).
    const tap = await FrameTap.open(room, ingest.producerInfo!, { width: 160, height: 120, fps: 5 });
    expect(await tap.next(20_000)).not.toBeNull();
    tap.close();
    // Its ffmpeg listened long enough to learn the picture's size, the first time.
    expect(restarts).toBe(0);
    await ingest.stop();
    await simulator.stop();
    room.close();
  }, 60_000);

  it("takes a still straight from a camera joined mid-GOP (the administrator's preview)", async () => {
    const url = `udp://127.0.0.1:${(await freeUdpPortPair()).rtpPort}`;
    const simulator = startCameraSimulator({ to: url, seconds: 20, width: 320, height: 240, gopSeconds: 5 });
    await sleep(1000);
    const still = await grabCameraStill(url);
    expect([still.width, still.height]).toEqual([320, 240]);
    expect(still.jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    await simulator.stop();
  }, 30_000);

  it('records what the camera streamed, segment by segment, into a file of the right length', async () => {
    const { room, url: cameraUrl } = await roomAndCameraUrl('session-a');
    const ingest = await CameraIngest.start(room, { cameraId: 'cam-1', name: 'Ramp', sourceUrl: cameraUrl }, SIMULATOR_STREAM);
    const info = ingest.producerInfo!;
    expect(info).toMatchObject({ kind: 'video', source: 'camera:cam-1', label: 'Ramp' });

    // Recording is on before the camera sends its first packet, as for a producer that just started.
    const recorder = await Recorder.start(room, info, { dir: path.join(dir, 'rec'), segmentSeconds: 4 });
    const segmentsSeen: number[] = [];
    recorder.on('segment', (s) => segmentsSeen.push(s.seq));
    const STREAM_SECONDS = 14;
    const simulator = startCameraSimulator({ to: cameraUrl, seconds: STREAM_SECONDS, width: 640, height: 360, fps: 25 });

    const tap = await FrameTap.open(room, info, { width: 320, height: 180, fps: 5 });
    const frame = await tap.next(10_000);
    expect(frame).not.toBeNull();
    expect(frame!.data.length).toBe(320 * 180 * 3);
    expect([frame!.width, frame!.height]).toEqual([320, 180]);
    // The test pattern is colourful: a decoded frame is not a flat image.
    const distinct = new Set<number>();
    for (let i = 0; i < frame!.data.length; i += 3 * 97) distinct.add(frame!.data[i]!);
    expect(distinct.size).toBeGreaterThan(10);

    const still = await grabStill(room, info);
    expect(still.jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect([still.width, still.height]).toEqual([640, 360]);

    await simulator.exited;
    await sleep(1000);
    // Segments are closed and hashed while recording goes on.
    expect(segmentsSeen.length).toBeGreaterThanOrEqual(2);
    const segments = await recorder.stop();
    tap.close();
    await ingest.stop();

    expect(segments.map((s) => s.seq)).toEqual(segments.map((_, i) => i));
    for (const s of segments) {
      expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(s.sizeBytes).toBe(fs.statSync(s.path).size);
    }
    const final = await finaliseSegments(
      segments.map((s) => s.path),
      path.join(dir, 'final'),
    );
    const probe = await ffprobe(final.path);
    expect(probe.streams[0]).toMatchObject({ codec_type: 'video', codec_name: 'h264', width: 640, height: 360 });
    expect(final.path).toMatch(/\.mp4$/);
    console.log(`streamed ${STREAM_SECONDS} s, recorded ${segments.length} segments, file lasts ${final.durationMs} ms`);
    // Within a second, and a GOP (1 s here): recording starts at a keyframe, and on a loaded machine the
    // camera's first packets can come before the ingest's ffmpeg listens (a real camera is already streaming).
    expect(Math.abs(final.durationMs - STREAM_SECONDS * 1000)).toBeLessThan(2000);
    expect(final.posterPath && fs.statSync(final.posterPath).size).toBeGreaterThan(1000);
    room.close();
  }, 60_000);

  it('records a camera that is an MP4 file (H.264 whose parameter sets are only in the file header)', async () => {
    const mp4 = path.join(dir, 'camera.mp4');
    const encode = startFfmpeg([
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=15:duration=6',
      '-c:v',
      'libx264',
      '-profile:v',
      'baseline',
      '-g',
      '15',
      '-bf',
      '0',
      '-movflags',
      '+faststart',
      mp4,
    ]);
    expect((await encode.exited).code).toBe(0);
    const room = await Room.create('session-mp4', pool, { listenIp: '127.0.0.1' });
    const ingest = await CameraIngest.start(room, { cameraId: 'cam-mp4', name: 'File', sourceUrl: `file://${mp4}` });
    expect(ingest.mode).toBe('copy');
    const recorder = await Recorder.start(room, ingest.producerInfo!, { dir: path.join(dir, 'rec-mp4'), segmentSeconds: 2 });
    await sleep(7000);
    const segments = await recorder.stop();
    await ingest.stop();
    room.close();
    const recordedMs = segments.reduce((total, s) => total + s.durationMs, 0);
    expect(recordedMs).toBeGreaterThan(3000);
  }, 40_000);

  it('restarts a crashed recorder, keeps what it had written and reports the gap', async () => {
    const { room, url } = await roomAndCameraUrl('session-crash');
    const ingest = await CameraIngest.start(room, { cameraId: 'cam-c', name: 'Deck', sourceUrl: url }, SIMULATOR_STREAM);
    const recorder = await Recorder.start(room, ingest.producerInfo!, { dir: path.join(dir, 'crash'), segmentSeconds: 2 });
    const simulator = startCameraSimulator({ to: url, seconds: 14, width: 320, height: 240 });
    const gaps: number[] = [];
    recorder.on('restarted', ({ gapMs }) => gaps.push(gapMs));
    await sleep(5000);
    process.kill(recorder.pid!, 'SIGKILL');
    await sleep(6000);
    const segments = await recorder.stop();
    await simulator.stop();
    await ingest.stop();
    room.close();
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toBeGreaterThan(0);
    // Segments before and after the crash, in order, the first after the crash carrying the gap.
    const afterCrash = segments.filter((s) => s.gapBeforeMs > 0);
    expect(afterCrash).toHaveLength(1);
    expect(segments.indexOf(afterCrash[0]!)).toBeGreaterThan(0);
    expect(segments.at(-1)!.startedAt.getTime()).toBeGreaterThan(afterCrash[0]!.startedAt.getTime() - 1);
    expect(new Set(segments.map((s) => s.seq)).size).toBe(segments.length);
    // Recording went on both before the crash (~5 s) and after it (~6 s, less the restart).
    const crashIndex = segments.indexOf(afterCrash[0]!);
    const before = segments.slice(0, crashIndex).reduce((n, s) => n + s.durationMs, 0);
    const after = segments.slice(crashIndex).reduce((n, s) => n + s.durationMs, 0);
    expect(before).toBeGreaterThan(2000);
    expect(after).toBeGreaterThan(2000);
  }, 40_000);

  it('keeps only the newest frame for a slow reader and counts the rest as dropped', async () => {
    const { room, url } = await roomAndCameraUrl('session-b');
    const simulator = startCameraSimulator({ to: url, seconds: 15, width: 320, height: 240, fps: 25 });
    const ingest = await CameraIngest.start(room, { cameraId: 'cam-2', name: 'Pen', sourceUrl: url });
    const tap = await FrameTap.open(room, ingest.producerInfo!, { width: 160, height: 120, fps: 10 });
    const first = await tap.next();
    expect(first).not.toBeNull();
    await sleep(3000); // read nothing for a while
    const newest = await tap.next();
    expect(newest!.seq).toBeGreaterThan(first!.seq + 10);
    // Every frame between the two reads was discarded, none is waiting: the next read is fresh.
    expect(tap.dropped).toBe(newest!.seq - first!.seq - 1);
    const following = await tap.next();
    expect(following!.seq).toBe(newest!.seq + 1);
    tap.close();
    await ingest.stop();
    await simulator.stop();
    room.close();
  }, 60_000);
});
