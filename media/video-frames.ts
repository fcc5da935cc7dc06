/**
 * Decodes a stored video file into packed RGB frames at a fixed rate, for analysis. A generator: the next
 * frame is decoded only while the caller works on this one (backpressure through ffmpeg's pipe), so a long
 * video never piles up in memory.
 */
import { ffprobe, startFfmpeg } from './ffmpeg.ts';
import { rawRgbOutput, RawFrameSplitter } from './raw-frames.ts';

export interface VideoFrame {
  data: Buffer;
  width: number;
  height: number;
  /** Position in the video, ms. */
  atMs: number;
}

export async function* decodeVideoFrames(file: string, options: { fps: number; width: number }): AsyncGenerator<VideoFrame> {
  const probe = await ffprobe(file);
  const video = probe.streams.find((s) => s.codec_type === 'video');
  if (!video?.width || !video.height) throw new Error('no video stream');
  const width = Math.min(options.width, video.width) & ~1;
  const height = Math.max(2, Math.round((video.height * width) / video.width / 2) * 2);
  const ffmpeg = startFfmpeg(['-i', file, ...rawRgbOutput(options.fps, width, height)], { stdout: 'pipe' });
  const splitter = new RawFrameSplitter(width * height * 3);
  let index = 0;
  try {
    for await (const chunk of ffmpeg.child.stdout!) {
      for (const data of splitter.push(chunk as Buffer)) yield { data, width, height, atMs: Math.round((index++ * 1000) / options.fps) };
    }
    const { code } = await ffmpeg.exited;
    if (code !== 0) throw new Error(`cannot decode ${file}: ${ffmpeg.stderrTail().slice(-300)}`);
  } finally {
    await ffmpeg.stop(500);
  }
}
