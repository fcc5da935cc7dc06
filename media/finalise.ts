/**
 * Turns a recording's segments into one playable file (WebM for VP8/Opus, MP4 for H.264, both seekable in
 * a browser) and a poster image, without re-encoding.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ffprobe, startFfmpeg } from './ffmpeg.ts';
import { hashFile } from './files.ts';

export interface FinalisedRecording {
  path: string;
  posterPath: string | null;
  durationMs: number;
  sizeBytes: number;
  sha256: string;
  codec: string;
}

export async function finaliseSegments(segmentPaths: string[], outputBase: string): Promise<FinalisedRecording> {
  const present = segmentPaths.filter((p) => fs.existsSync(p));
  if (present.length === 0) throw new Error('no recorded segments to finalise');
  const probe = await ffprobe(present[0]!);
  const stream = probe.streams[0];
  if (!stream) throw new Error(`no stream in ${present[0]}`);
  const isVideo = stream.codec_type === 'video';
  const ext = stream.codec_name === 'h264' ? 'mp4' : 'webm';
  const output = `${outputBase}.${ext}`;
  const list = `${outputBase}.concat.txt`;
  writeConcatList(list, present);
  const concat = startFfmpeg(['-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', ...(ext === 'mp4' ? ['-movflags', '+faststart'] : []), output]);
  const { code } = await concat.exited;
  fs.rmSync(list, { force: true });
  if (code !== 0) throw new Error(`concatenating segments failed: ${concat.stderrTail().slice(-500)}`);

  let posterPath: string | null = null;
  if (isVideo) {
    const grab = startFfmpeg(['-y', '-i', output, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'], { stdout: 'pipe' });
    const chunks: Buffer[] = [];
    grab.child.stdout!.on('data', (c: Buffer) => chunks.push(c));
    await grab.exited;
    if (chunks.length > 0) {
      posterPath = `${outputBase}.poster.jpg`;
      await sharp(Buffer.concat(chunks)).resize({ width: 640, withoutEnlargement: true }).jpeg({ quality: 80 }).toFile(posterPath);
    }
  }
  const final = await ffprobe(output);
  const { sha256, sizeBytes } = await hashFile(output);
  return { path: output, posterPath, durationMs: final.durationMs, sizeBytes, sha256, codec: stream.codec_name };
}

/**
 * A clip of `durationSec` starting `offsetSec` into the concatenation of `segmentPaths` (an alarm's few
 * seconds before and after), copied without re-encoding (it starts at the keyframe before the offset),
 * MP4 for H.264 and WebM otherwise, hashed.
 */
export async function clipFromSegments(segmentPaths: string[], offsetSec: number, durationSec: number, outputBase: string): Promise<{ path: string; sha256: string; sizeBytes: number }> {
  const present = segmentPaths.filter((p) => fs.existsSync(p));
  if (present.length === 0) throw new Error('no footage for the clip');
  const probe = await ffprobe(present[0]!);
  const ext = probe.streams[0]?.codec_name === 'h264' ? 'mp4' : 'webm';
  const output = `${outputBase}.${ext}`;
  const list = `${outputBase}.concat.txt`;
  fs.mkdirSync(path.dirname(output), { recursive: true });
  writeConcatList(list, present);
  const cut = startFfmpeg([
    '-y',
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    list,
    '-ss',
    offsetSec.toFixed(3),
    '-t',
    durationSec.toFixed(3),
    '-c',
    'copy',
    ...(ext === 'mp4' ? ['-movflags', '+faststart'] : []),
    output,
  ]);
  const { code } = await cut.exited;
  fs.rmSync(list, { force: true });
  if (code !== 0 || !fs.existsSync(output)) throw new Error(`cutting the clip failed: ${cut.stderrTail().slice(-300)}`);
  return { path: output, ...(await hashFile(output)) };
}

/** ffmpeg's concat demuxer list of the files (quoted for its own syntax). */
function writeConcatList(list: string, files: string[]): void {
  fs.writeFileSync(list, files.map((p) => `file '${path.resolve(p).replace(/'/g, "'\\''")}'`).join('\n') + '\n');
}
