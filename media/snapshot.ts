/** One still image of a producer, as a JPEG: ffmpeg decodes the next keyframe, sharp encodes it. */
import sharp from 'sharp';
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
    const png = Buffer.concat(chunks);
    if (png.length === 0) throw new Error(`no frame arrived within ${timeoutMs} ms`);
    const image = sharp(png);
    const { width = 0, height = 0 } = await image.metadata();
    return { jpeg: await image.jpeg({ quality: 90, mozjpeg: true }).toBuffer(), width, height };
  } finally {
    clearInterval(keyframes);
    clearTimeout(timer);
    transport.close();
  }
}
