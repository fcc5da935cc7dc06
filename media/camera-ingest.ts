/**
 * Brings a site camera into a room: ffmpeg pulls the source (RTSP, RTP, UDP, SRT or a file) and sends
 * RTP to a plain transport. H.264 in a profile browsers decode is copied; anything else is transcoded
 * to VP8. ffmpeg is restarted with back-off when the camera drops; a camera that sends nothing for
 * `offlineAfterMs` is reported offline (and online again when packets return).
 */
import { EventEmitter } from 'node:events';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PlainTransport } from 'mediasoup/node/lib/PlainTransport.js';
import type { RtpParameters } from 'mediasoup/node/lib/RtpParameters.js';
import { copyableH264Profiles, INGEST_PAYLOAD } from './codecs.ts';
import { FFPROBE, startFfmpeg, type FfmpegProcess } from './ffmpeg.ts';
import { freeUdpPortPair, LOOPBACK } from './network.ts';
import type { ProducerInfo, Room } from './room.ts';
import { ffmpegInput, maskCredentials } from './camera-source.ts';

const execFileAsync = promisify(execFile);

/** ffmpeg needs a moment to connect and probe before the first packet: not yet a silent camera. */
const STARTUP_GRACE_MS = 3000;

export interface CameraSource {
  cameraId: string;
  name: string;
  sourceUrl: string;
  /** Which of the camera's streams this is: the main one (recorded, full size) or its sub-stream (analysis, tiles). */
  input?: CameraInput;
  /** RTSP only: media interleaved in the RTSP connection (the default) or over UDP. */
  rtspTransport?: 'tcp' | 'udp';
}

export type CameraInput = 'main' | 'sub';

export interface CameraIngestOptions {
  offlineAfterMs?: number;
  /** Probe timeout for the source's codec. */
  probeTimeoutMs?: number;
  maxBackoffMs?: number;
  /** Video bitrate when transcoding. */
  transcodeBitrate?: string;
  /** Skip probing when the stream is known (e.g. a configured camera model); probed when absent. */
  plan?: IngestPlan;
}

export interface CameraIngestEvents {
  producer: [ProducerInfo];
  offline: [{ silentMs: number }];
  online: [];
  restarting: [{ inMs: number; reason: string }];
}

/**
 * `listenUs`: how long the probe had to listen to learn the stream (copying, the ingest listens as long
 * before it sends: its RTP output needs the picture's size, known only from a keyframe).
 */
export type IngestPlan = { mode: 'copy'; profileLevelId: string; listenUs?: number } | { mode: 'vp8'; unheard?: boolean };
type Plan = IngestPlan;

export class CameraIngest extends EventEmitter<CameraIngestEvents> {
  private ffmpeg?: FfmpegProcess;
  private stopped = false;
  private failures = 0;
  private watchdog?: NodeJS.Timeout;
  private lastBytes = 0;
  private lastChangeAt = Date.now();
  online = false;
  /** Reported offline and not back since (a holder arriving later learns it here, not from the event). */
  reportedOffline = false;
  producerInfo?: ProducerInfo;
  private readonly startedAt = Date.now();

  private constructor(
    readonly camera: CameraSource,
    private readonly transport: PlainTransport,
    private readonly ports: { rtpPort: number; rtcpPort: number },
    /**
     * The ports ffmpeg sends from, the same for every run: the plain transport learns its sender's address
     * from the first packet (comedia) and ignores any other, so a restarted ffmpeg sending from new ports
     * would never be heard again.
     */
    private readonly sourcePorts: { rtpPort: number; rtcpPort: number },
    private readonly plan: Plan,
    private readonly ssrc: number,
    private readonly options: Required<Omit<CameraIngestOptions, 'plan'>>,
  ) {
    super();
  }

  static async start(room: Room, camera: CameraSource, options: CameraIngestOptions = {}): Promise<CameraIngest> {
    const { plan: knownPlan, ...rest } = options;
    const opts = { offlineAfterMs: 5000, probeTimeoutMs: 8000, maxBackoffMs: 30_000, transcodeBitrate: '1500k', ...rest };
    const plan = knownPlan ?? (await planFor(camera, opts.probeTimeoutMs));
    const ingest = await room.createPlainIngest(camera.cameraId, camera.name, camera.input ?? 'main');
    const ssrc = 10_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const rtpParameters: RtpParameters =
      plan.mode === 'copy'
        ? {
            codecs: [{ mimeType: 'video/H264', payloadType: INGEST_PAYLOAD.h264, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': plan.profileLevelId } }],
            encodings: [{ ssrc }],
          }
        : { codecs: [{ mimeType: 'video/VP8', payloadType: INGEST_PAYLOAD.vp8, clockRate: 90000 }], encodings: [{ ssrc }] };
    const { info } = await ingest.produce('video', rtpParameters);
    const cameraIngest = new CameraIngest(camera, ingest.transport, { rtpPort: ingest.rtpPort, rtcpPort: ingest.rtcpPort }, await freeUdpPortPair(), plan, ssrc, opts);
    cameraIngest.producerInfo = info;
    cameraIngest.emit('producer', info);
    cameraIngest.spawn();
    cameraIngest.watch();
    ingest.transport.observer.once('close', () => cameraIngest.stop());
    return cameraIngest;
  }

  /** How long the camera has sent nothing (since it started, if it never did). */
  silentMs(): number {
    return Date.now() - (Number.isFinite(this.lastChangeAt) ? this.lastChangeAt : this.startedAt);
  }

  /** For tests and operations: the ffmpeg process pulling the camera now. */
  get pid(): number | undefined {
    return this.ffmpeg?.child.pid;
  }

  get mode(): Plan['mode'] {
    return this.plan.mode;
  }

  /**
   * Transcoding only because the source sent nothing while it was probed (a pushed camera not yet up):
   * once it sends, an ingest started afresh may find it can copy.
   */
  get probedSilent(): boolean {
    return this.plan.mode === 'vp8' && this.plan.unheard === true;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.watchdog);
    await this.ffmpeg?.stop(2000);
    this.transport.close();
  }

  private spawn(): void {
    const input = inputArgs(this.camera, this.plan.mode === 'copy' ? this.plan.listenUs : undefined);
    const payloadType = this.plan.mode === 'copy' ? INGEST_PAYLOAD.h264 : INGEST_PAYLOAD.vp8;
    const codec =
      this.plan.mode === 'copy'
        ? // The parameter sets (SPS/PPS) go with every keyframe: an MP4 keeps them only in its header, and
          // the recorder and frame tap join mid-stream without them could decode nothing.
          ['-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb,dump_extra=freq=keyframe']
        : ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', this.options.transcodeBitrate, '-g', '50', '-keyint_min', '25', '-error-resilient', '1', '-pix_fmt', 'yuv420p'];
    const output = `rtp://${LOOPBACK}:${this.ports.rtpPort}?rtcpport=${this.ports.rtcpPort}&localrtpport=${this.sourcePorts.rtpPort}&localrtcpport=${this.sourcePorts.rtcpPort}&pkt_size=1200`;
    const startedAt = Date.now();
    const ffmpeg = startFfmpeg([...input, '-map', '0:v:0', '-an', ...codec, '-f', 'rtp', '-payload_type', String(payloadType), '-ssrc', String(this.ssrc), output]);
    this.ffmpeg = ffmpeg;
    void ffmpeg.exited.then(({ code }) => {
      if (this.stopped) return;
      // A run that lasted a while was healthy: start the back-off again from the bottom.
      if (Date.now() - startedAt > 30_000) this.failures = 0;
      this.failures += 1;
      const inMs = Math.min(this.options.maxBackoffMs, 500 * 2 ** (this.failures - 1));
      this.emit('restarting', { inMs, reason: maskCredentials(`ffmpeg exited with ${code}: ${ffmpeg.stderrTail().slice(-200)}`) });
      setTimeout(() => {
        if (!this.stopped) this.spawn();
      }, inMs);
    });
  }

  /** Watches the bytes the transport receives: silence for offlineAfterMs means the camera is offline. */
  private watch(): void {
    this.watchdog = setInterval(async () => {
      try {
        const [stats] = await this.transport.getStats();
        const bytes = stats?.bytesReceived ?? 0;
        const now = Date.now();
        if (bytes !== this.lastBytes) {
          this.lastBytes = bytes;
          this.lastChangeAt = now;
          if (!this.online) {
            this.online = true;
            this.reportedOffline = false;
            this.emit('online');
          }
        } else if (this.online && now - this.lastChangeAt >= this.options.offlineAfterMs) {
          this.online = false;
          this.reportedOffline = true;
          this.emit('offline', { silentMs: now - this.lastChangeAt });
        } else if (!this.online && this.lastBytes === 0 && now - this.lastChangeAt >= this.options.offlineAfterMs + STARTUP_GRACE_MS) {
          // Never came up at all: report it once.
          this.lastChangeAt = Number.POSITIVE_INFINITY;
          this.reportedOffline = true;
          this.emit('offline', { silentMs: this.options.offlineAfterMs + STARTUP_GRACE_MS });
        }
      } catch {
        // The transport closed; stop() follows.
      }
    }, 1000);
  }
}

/** A source the camera sends to (rtp://, udp://, srt://) rather than one fetched from it: it is received once. */
export function isPushedSource(sourceUrl: string): boolean {
  return /^(rtp|udp|srt):\/\//.test(sourceUrl);
}

/** ffmpeg's input arguments for a camera source (files loop at their own pace, as a camera would send). */
function inputArgs({ sourceUrl, rtspTransport = 'tcp' }: Pick<CameraSource, 'sourceUrl' | 'rtspTransport'>, listenUs = 1_000_000): string[] {
  const { whitelist, input } = ffmpegInput(sourceUrl);
  if (sourceUrl.startsWith('file://')) return [...whitelist, '-re', '-stream_loop', '-1', '-i', input];
  // Over UDP the RTP packets come on ports of their own; a keyframe's burst needs a receive buffer to match.
  if (/^rtsps?:\/\//.test(sourceUrl)) return [...whitelist, '-rtsp_transport', rtspTransport, ...(rtspTransport === 'udp' ? ['-buffer_size', '4194304'] : []), '-timeout', '5000000', '-i', input];
  // rtp:// (MPEG-TS over RTP), udp://, srt://: pushed to us; while it is silent ffmpeg waits and the
  // watchdog reports the camera offline.
  // A short probe: joining a live stream mid-GOP, ffmpeg's default (5 s) delays the picture by as much;
  // but one that ends before the next keyframe leaves the picture's size unknown and ffmpeg exits.
  return [...whitelist, '-fflags', '+genpts', '-analyzeduration', String(listenUs), '-probesize', String(listenUs * 2), '-i', input];
}

/** The same source read once and as fast as it comes (probing, a test picture): no pacing, no looping. */
export function oneShotInputArgs(source: Pick<CameraSource, 'sourceUrl' | 'rtspTransport'>): string[] {
  return inputArgs(source).filter((a) => a !== '-re' && a !== '-stream_loop' && a !== '-1');
}

/**
 * How long each probe listens. A stream joined mid-GOP shows its profile only with the next keyframe's
 * parameter sets (an MPEG-TS camera pushing to us, unlike RTSP's SDP), and a probe that ends before it
 * would make a copyable camera a transcoded one: a core's quarter per camera for nothing. So a probe that
 * finds H.264 without its profile listens once more, longer (IP cameras' GOPs run to several seconds).
 */
const PROBE_WINDOWS_US = [2_000_000, 6_000_000];

/** Copy H.264 when the browser can decode its profile; transcode anything else (or anything unprobeable). */
async function planFor(source: CameraSource, timeoutMs: number): Promise<Plan> {
  const input = oneShotInputArgs(source);
  for (const windowUs of PROBE_WINDOWS_US) {
    try {
      const { stdout } = await execFileAsync(
        FFPROBE,
        [
          '-v',
          'error',
          // After the input's own options, which are for the live ingest (a short probe: a prompt picture).
          ...input.slice(0, -2),
          ...['-analyzeduration', String(windowUs), '-probesize', String(windowUs * 2)],
          ...['-select_streams', 'v:0', '-show_entries', 'stream=codec_name,profile', '-of', 'json', input.at(-1)!],
        ],
        // ffprobe listens for the whole window (and a silent source for ever): the timeout is past the window.
        { timeout: Math.max(timeoutMs, windowUs / 1000 + 5000) },
      );
      const stream = (JSON.parse(stdout) as { streams?: Array<{ codec_name?: string; profile?: string }> }).streams?.[0];
      const profileLevelId = stream?.codec_name === 'h264' && stream.profile ? copyableH264Profiles[stream.profile] : undefined;
      if (profileLevelId) return { mode: 'copy', profileLevelId, listenUs: windowUs };
      if (stream?.codec_name !== 'h264' || stream.profile) return { mode: 'vp8' };
    } catch (err) {
      // Killed by the timeout: nothing came (a pushed camera not sending yet).
      return { mode: 'vp8', unheard: (err as { killed?: boolean }).killed === true };
    }
  }
  return { mode: 'vp8' };
}
