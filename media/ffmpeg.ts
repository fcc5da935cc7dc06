/** Starting ffmpeg/ffprobe and describing mediasoup RTP to ffmpeg as SDP. */
import { execFile, type ChildProcess } from 'node:child_process';
import { spawnTied } from './tied-process.ts';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import type { RtpParameters } from 'mediasoup/node/lib/RtpParameters.js';
import { LOOPBACK } from './network.ts';

const execFileAsync = promisify(execFile);
/** Debian's ffmpeg on the PATH (npm run setup installs it); the media plane reads no environment. */
export const FFMPEG = 'ffmpeg';
export const FFPROBE = 'ffprobe';

export interface FfmpegProcess {
  child: ChildProcess;
  /** The last lines ffmpeg wrote to stderr (bounded), for error messages. */
  stderrTail(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Asks ffmpeg to finish its output (SIGINT), then kills it if it does not exit in time. */
  stop(graceMs?: number): Promise<void>;
}

/** Runs ffmpeg tied to this process (it cannot outlive us). `sdp` is passed inline as the input. */
export function startFfmpeg(args: string[], options: { sdp?: string; stdout?: 'pipe' | 'ignore'; lowDelay?: boolean } = {}): FfmpegProcess {
  const input = options.sdp === undefined ? [] : sdpInput(options.sdp, options.lowDelay ?? false);
  const child = spawnTied(FFMPEG, ['-hide_banner', '-nostats', '-nostdin', '-loglevel', 'warning', ...input, ...args], { stdout: options.stdout });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: -1, signal: null }));
  });
  return {
    child,
    stderrTail: () => tail,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** An SDP that tells ffmpeg to receive one RTP stream (as mediasoup sends it) on loopback ports. */
export function sdpForRtp(kind: 'audio' | 'video', rtp: RtpParameters, ports: { rtpPort: number; rtcpPort: number }): string {
  const codec = rtp.codecs[0];
  if (!codec) throw new Error('RTP parameters without a codec');
  const [, name] = codec.mimeType.split('/');
  const channels = kind === 'audio' && codec.channels ? `/${codec.channels}` : '';
  const fmtp = Object.entries(codec.parameters ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
  return [
    'v=0',
    `o=- 0 0 IN IP4 ${LOOPBACK}`,
    's=watchpost',
    `c=IN IP4 ${LOOPBACK}`,
    't=0 0',
    `m=${kind} ${ports.rtpPort} RTP/AVP ${codec.payloadType}`,
    `a=rtcp:${ports.rtcpPort}`,
    `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${channels}`,
    ...(fmtp ? [`a=fmtp:${codec.payloadType} ${fmtp}`] : []),
    'a=recvonly',
    '',
  ].join('\r\n');
}

/** Input options for an SDP given inline (a data: URI), so ffmpeg's stdin stays free. */
function sdpInput(sdp: string, lowDelay: boolean): string[] {
  return [
    '-protocol_whitelist',
    'data,udp,rtp',
    // A decoder for analysis holds nothing back (each held frame is latency for the officer); a recorder
    // keeps ffmpeg's buffering (without it, the start of a recording was lost in a test).
    '-fflags',
    lowDelay ? '+genpts+nobuffer' : '+genpts',
    ...(lowDelay ? ['-flags', 'low_delay'] : []),
    // Loopback does not reorder packets: without a reorder queue nothing waits for a packet that never comes.
    '-reorder_queue_size',
    '0',
    '-f',
    'sdp',
    '-i',
    `data:application/sdp;base64,${Buffer.from(sdp).toString('base64')}`,
  ];
}

export interface ProbeResult {
  durationMs: number;
  streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }>;
}

export async function ffprobe(file: string): Promise<ProbeResult> {
  const { stdout } = await execFileAsync(FFPROBE, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  const parsed = JSON.parse(stdout) as { format?: { duration?: string }; streams?: ProbeResult['streams'] };
  return { durationMs: Math.round(Number(parsed.format?.duration ?? 0) * 1000), streams: parsed.streams ?? [] };
}

/**
 * Resolves once some process has bound the UDP port on loopback (read from /proc/net/udp), so RTP is
 * not sent before ffmpeg listens. Resolves anyway after timeoutMs (packets then may be lost at first).
 */
export async function waitForUdpListener(port: number, timeoutMs = 3000): Promise<boolean> {
  const needle = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const table = await readFile('/proc/net/udp', 'utf8');
      if (table.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(needle.trim()))) return true;
    } catch {
      return false; // not Linux: nothing to wait on
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
