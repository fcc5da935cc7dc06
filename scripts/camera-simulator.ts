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
  /** Stream an H.264 file as it is (no re-encoding): many simulated cameras at little cost. */
  copy?: boolean;
  /** Seconds between keyframes (a real camera's GOP; 1 by default). */
  gopSeconds?: number;
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
  const target = `${options.to}${options.to.includes('?') ? '&' : '?'}pkt_size=1316`;
  if (options.copy && options.file) return startFfmpeg([...input, ...duration, '-an', '-c:v', 'copy', '-f', format, target]);
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
    String(Math.round(fps * (options.gopSeconds ?? 1))),
    '-keyint_min',
    String(Math.round(fps * (options.gopSeconds ?? 1))),
    '-bf',
    '0',
    '-f',
    format,
    target,
  ]);
}

/**
 * Encodes a clip as an IP camera sends it (H.264, constant bit rate, a keyframe every `gopSeconds`), to be
 * streamed with `copy: true` by as many simulated cameras as wanted. Resolves with the file.
 */
export function encodeCameraClip(
  file: string,
  o: {
    width: number;
    height: number;
    fps: number;
    bitrate: string;
    gopSeconds: number;
    seconds: number /** The bare test pattern, its bit rate an average (the load test's light clip). */;
    plain?: boolean;
  },
): Promise<string> {
  const gop = String(Math.round(o.fps * o.gopSeconds));
  const ffmpeg = startFfmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}`,
    '-t',
    String(o.seconds),
    // A little moving grain: frames cost bits as a real scene's do, keyframes most of all.
    ...(o.plain ? [] : ['-vf', 'noise=alls=12:allf=t,format=yuv420p']),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-profile:v',
    'baseline',
    '-x264-params',
    'repeat-headers=1',
    '-b:v',
    o.bitrate,
    // Constant bit rate, as IP cameras send.
    ...(o.plain ? [] : ['-maxrate', o.bitrate, '-bufsize', o.bitrate, '-keyint_min', gop]),
    '-g',
    gop,
    '-bf',
    '0',
    '-y',
    file,
  ]);
  return ffmpeg.exited.then(({ code }) => (code === 0 ? file : Promise.reject(new Error(`ffmpeg could not encode the clip: ${ffmpeg.stderrTail()}`))));
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
