/** One still image of a producer or a camera source, as a JPEG: ffmpeg decodes a frame, sharp encodes it. */
import sharp from 'sharp';
import { oneShotInputArgs, type CameraSource } from './camera-ingest.ts';
import { sdpForRtp, startFfmpeg, waitForUdpListener } from './ffmpeg.ts';
import { freeUdpPortPair } from './network.ts';
import type { ProducerInfo, Room } from './room.ts';

export async function grabStill(room: Room, info: ProducerInfo, timeoutMs = 8000): Promise<{ jpeg: Buffer; width: number; height: number }> {
  if (info.kind !== 'video') throw new Error('snapshots are taken of video');
  const ports = await freeUdpPortPair();
  const { transport, consumer } = await room.createPlainEgress(info.producerId, ports);
  const ffmpeg = startFfmpeg(['-an', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'], {
    sdp: sdpForRtp('video', consumer.rtpParameters, ports),
    stdout: 'pipe',
  });
  const chunks: Buffer[] = [];
  ffmpeg.child.stdout!.on('data', (c: Buffer) => chunks.push(c));
  const keyframes = setInterval(() => void consumer.requestKeyFrame().catch(() => {}), 400);
  const timer = setTimeout(() => void ffmpeg.stop(500), timeoutMs);
  try {
    await waitForUdpListener(ports.rtpPort);
    await consumer.resume();
    await ffmpeg.exited;
    return await pngToJpeg(Buffer.concat(chunks), timeoutMs);
  } finally {
    clearInterval(keyframes);
    clearTimeout(timer);
    transport.close();
  }
}

/**
 * One frame straight from a camera's source URL (the administrator's preview test). A camera that
 * pushes to a port a live session is already receiving on cannot be opened twice: that fails here.
 */
export async function grabCameraStill(source: string | Pick<CameraSource, 'sourceUrl' | 'rtspTransport'>, timeoutMs = 10_000): Promise<{ jpeg: Buffer; width: number; height: number }> {
  const input = oneShotInputArgs(typeof source === 'string' ? { sourceUrl: source } : source);
  const ffmpeg = startFfmpeg([...input, '-an', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'], { stdout: 'pipe' });
  const chunks: Buffer[] = [];
  ffmpeg.child.stdout!.on('data', (c: Buffer) => chunks.push(c));
  // Silent UDP sources make ffmpeg ignore SIGINT: stop() escalates to SIGKILL after its grace.
  const timer = setTimeout(() => void ffmpeg.stop(500), timeoutMs);
  try {
    await ffmpeg.exited;
    return await pngToJpeg(Buffer.concat(chunks), timeoutMs, ffmpeg.stderrTail());
  } finally {
    clearTimeout(timer);
  }
}

async function pngToJpeg(png: Buffer, timeoutMs: number, why = ''): Promise<{ jpeg: Buffer; width: number; height: number }> {
  if (png.length === 0) throw new Error(`no frame arrived within ${timeoutMs} ms${why ? `: ${why.trim().split('\n').pop()}` : ''}`);
  const image = sharp(png);
  const { width = 0, height = 0 } = await image.metadata();
  return { jpeg: await image.jpeg({ quality: 90, mozjpeg: true }).toBuffer(), width, height };
}
