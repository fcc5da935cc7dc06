/**
 * Stands in for a site camera: streams a looping video file, a still picture (JPEG/PNG) or an ffmpeg
 * test pattern as H.264 in MPEG-TS over UDP (udp://, what many encoders send) or over RTP (rtp://), at real-time speed.
 *
 *   npm run camera:sim -- --to udp://127.0.0.1:5004 [--file farm.mp4] [--seconds 60] [--size 1280x720] [--fps 25]
 *
 * Register the camera with that source URL and Watchpost pulls it from there. Note that ffmpeg's RTP
 * receiver drops the first packets of a stream (source validation), so over rtp:// the first GOP is lost.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { startFfmpeg, type FfmpegProcess } from '../media/ffmpeg.ts';

export interface SimulatorOptions {
  /** rtp://host:port or udp://host:port */
  to: string;
  file?: string;
  seconds?: number;
  width?: number;
  height?: number;
  fps?: number;
  bitrate?: string;
  /** Move the picture gently, as a mounted camera in the wind does: a still picture is then not "frozen". */
  sway?: boolean;
}

export function startCameraSimulator(options: SimulatorOptions): FfmpegProcess {
  const { width = 1280, height = 720, fps = 25 } = options;
  const still = options.file && /\.(jpe?g|png)$/i.test(options.file);
  const input = still
    ? ['-re', '-loop', '1', '-framerate', String(fps), '-i', options.file!]
    : options.file
      ? ['-re', '-stream_loop', '-1', '-i', options.file]
      : ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
  const duration = options.seconds ? ['-t', String(options.seconds)] : [];
  const format = options.to.startsWith('udp://') ? 'mpegts' : 'rtp_mpegts';
  return startFfmpeg([
    ...input,
    ...duration,
    '-an',
    '-vf',
    `${options.sway ? 'crop=iw-48:ih-48:24+24*sin(t/2):24+16*cos(t/3),' : ''}scale=${width}:${height},format=yuv420p`,
    // Real cameras repeat SPS/PPS with every keyframe, so a receiver can join mid-stream.
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'baseline',
    '-x264-params',
    'repeat-headers=1',
    // A still picture needs few bits; at a video's rate each keyframe is a burst of ~130 packets that
    // overflows a default UDP receive buffer (mediasoup 3.12 cannot enlarge its own) and is lost.
    '-b:v',
    options.bitrate ?? (still ? '300k' : '1500k'),
    '-g',
    String(fps),
    '-keyint_min',
    String(fps),
    '-bf',
    '0',
    '-f',
    format,
    `${options.to}${options.to.includes('?') ? '&' : '?'}pkt_size=1316`,
  ]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      to: { type: 'string', default: 'udp://127.0.0.1:5004' },
      file: { type: 'string' },
      seconds: { type: 'string' },
      size: { type: 'string', default: '1280x720' },
      fps: { type: 'string', default: '25' },
    },
  });
  const [width, height] = values.size!.split('x').map(Number);
  const sim = startCameraSimulator({
    to: values.to!,
    file: values.file,
    seconds: values.seconds ? Number(values.seconds) : undefined,
    width,
    height,
    fps: Number(values.fps),
  });
  console.log(`camera simulator streaming ${values.file ?? 'a test pattern'} to ${values.to} (Ctrl+C stops)`);
  process.on('SIGINT', () => void sim.stop().then(() => process.exit(0)));
  const { code } = await sim.exited;
  if (code !== 0 && code !== 255) console.error(sim.stderrTail());
  process.exit(code ?? 0);
}
