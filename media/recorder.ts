/**
 * Records one producer without the browser's help: a plain-RTP consumer feeds ffmpeg, which copies the
 * stream into short Matroska segments. Each finished segment is hashed and announced at once, so evidence
 * written before a crash is kept. If ffmpeg dies it is restarted and the gap is reported, not hidden.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { Consumer } from 'mediasoup/node/lib/Consumer.js';
import type { PlainTransport } from 'mediasoup/node/lib/PlainTransport.js';
import { ffprobe, sdpForRtp, startFfmpeg, waitForUdpListener, type FfmpegProcess } from './ffmpeg.ts';
import { hashFile } from './files.ts';
import { freeUdpPortPair } from './network.ts';
import type { ProducerInfo, Room } from './room.ts';

export interface RecordedSegment {
  seq: number;
  path: string;
  startedAt: Date;
  durationMs: number;
  sizeBytes: number;
  sha256: string;
  /** Time not recorded before this segment because the recorder had to restart. */
  gapBeforeMs: number;
}

export interface RecorderEvents {
  segment: [RecordedSegment];
  restarted: [{ gapMs: number; reason: string }];
  failed: [Error];
}

export interface RecorderOptions {
  dir: string;
  segmentSeconds?: number;
  /** Restart ffmpeg at most this many times in a row before giving up. */
  maxRestarts?: number;
}

export const segmentFileName = (seq: number, extension = 'mkv') => `segment-${String(seq).padStart(5, '0')}.${extension}`;

/**
 * A segment file that ffmpeg did not finish (stopped, crashed, or the whole platform killed) has no index:
 * remuxed (copy) into a proper file in place, probed and hashed. Null when there is nothing to keep.
 */
export async function salvageSegmentFile(file: string): Promise<{ durationMs: number; sizeBytes: number; sha256: string } | null> {
  if (!fs.existsSync(file) || fs.statSync(file).size === 0) return null;
  const repaired = `${file}.repaired${path.extname(file)}`;
  const remux = startFfmpeg(['-y', '-i', file, '-c', 'copy', '-f', 'matroska', repaired]);
  const { code } = await remux.exited;
  if (code !== 0 || !fs.existsSync(repaired)) {
    fs.rmSync(repaired, { force: true });
    return null;
  }
  fs.renameSync(repaired, file);
  const { durationMs } = await ffprobe(file);
  const { sha256, sizeBytes } = await hashFile(file);
  return { durationMs, sizeBytes, sha256 };
}

/**
 * The segment files in `dir` from `fromSeq` on that were written but never announced (the process died):
 * each repaired, hashed and given its start as the previous one's end, beginning at `startedAtMs`.
 */
export async function* unannouncedSegments(dir: string, fromSeq: number, startedAtMs: number): AsyncGenerator<RecordedSegment> {
  let startedAt = startedAtMs;
  for (let seq = fromSeq; fs.existsSync(path.join(dir, segmentFileName(seq))); seq += 1) {
    const file = path.join(dir, segmentFileName(seq));
    const segment = await salvageSegmentFile(file);
    if (!segment) continue;
    yield { seq, path: file, startedAt: new Date(startedAt), gapBeforeMs: 0, ...segment };
    startedAt += segment.durationMs;
  }
}

export class Recorder extends EventEmitter<RecorderEvents> {
  readonly segments: RecordedSegment[] = [];
  private ffmpeg?: FfmpegProcess;
  private run = 0;
  private runStartedAt = new Date();
  private nextSeq = 0;
  private listOffset = 0;
  private stopping = false;
  private restarts = 0;
  private pendingGapMs = 0;
  private poll?: NodeJS.Timeout;
  private keyframeTimers: NodeJS.Timeout[] = [];
  private processing: Promise<void> = Promise.resolve();

  private constructor(
    readonly info: ProducerInfo,
    private readonly consumer: Consumer,
    private readonly transport: PlainTransport,
    private readonly ports: { rtpPort: number; rtcpPort: number },
    private readonly options: Required<RecorderOptions>,
  ) {
    super();
  }

  static async start(room: Room, info: ProducerInfo, options: RecorderOptions): Promise<Recorder> {
    fs.mkdirSync(options.dir, { recursive: true });
    const ports = await freeUdpPortPair();
    const { transport, consumer } = await room.createPlainEgress(info.producerId, ports);
    const recorder = new Recorder(info, consumer, transport, ports, { segmentSeconds: 10, maxRestarts: 20, ...options });
    // The producer went away: finish what was recorded.
    consumer.observer.once('close', () => void recorder.stop());
    recorder.spawn();
    await waitForUdpListener(ports.rtpPort);
    await consumer.resume();
    return recorder;
  }

  get extension(): string {
    return 'mkv';
  }

  /** Stops recording, waits for the last segment to be closed and hashed, and returns all segments. */
  async stop(): Promise<RecordedSegment[]> {
    if (this.stopping) {
      await this.processing;
      return this.segments;
    }
    this.stopping = true;
    this.clearTimers();
    // ffmpeg blocked on a silent RTP input may not finish its segment on SIGINT; whatever it left open
    // is repaired below.
    await this.ffmpeg?.stop(1500);
    this.collect();
    await this.processing;
    await this.salvageOpenSegment();
    this.transport.close();
    return this.segments;
  }

  /** For tests and operations: the ffmpeg process currently writing. */
  get pid(): number | undefined {
    return this.ffmpeg?.child.pid;
  }

  private spawn(): void {
    this.run += 1;
    this.runStartedAt = new Date();
    this.listOffset = 0;
    const run = this.run;
    const sdp = sdpForRtp(this.info.kind, this.consumer.rtpParameters, this.ports);
    this.ffmpeg = startFfmpeg(
      [
        '-map',
        '0',
        '-c',
        'copy',
        '-f',
        'segment',
        '-segment_time',
        String(this.options.segmentSeconds),
        '-segment_format',
        'matroska',
        // Small clusters reach the disk at once, so a killed ffmpeg loses at most half a second.
        '-segment_format_options',
        'cluster_time_limit=100:flush_packets=1',
        '-segment_start_number',
        String(this.nextSeq),
        '-segment_list',
        this.listPath(run),
        '-segment_list_type',
        'csv',
        '-segment_list_flags',
        '+live',
        '-reset_timestamps',
        '1',
        path.join(this.options.dir, `segment-%05d.${this.extension}`),
      ],
      { sdp },
    );
    // A video decoder needs a keyframe to start; ask a few times while ffmpeg binds its ports.
    if (this.info.kind === 'video') {
      for (const ms of [300, 1000, 2500]) this.keyframeTimers.push(setTimeout(() => void this.consumer.requestKeyFrame().catch(() => {}), ms));
    }
    this.poll = setInterval(() => this.collect(), 500);
    void this.ffmpeg.exited.then(async ({ code, signal }) => {
      if (this.stopping || run !== this.run) return;
      this.clearTimers();
      this.collect();
      await this.processing;
      await this.salvageOpenSegment();
      this.restartAfterCrash(`ffmpeg exited (code ${code}, signal ${signal}): ${this.ffmpeg?.stderrTail().slice(-300)}`);
    });
  }

  private restartAfterCrash(reason: string): void {
    if (this.restarts >= this.options.maxRestarts) {
      this.emit('failed', new Error(`recorder gave up after ${this.restarts} restarts: ${reason}`));
      return;
    }
    this.restarts += 1;
    const lastEnd = this.segments.at(-1);
    const recordedUntil = lastEnd ? lastEnd.startedAt.getTime() + lastEnd.durationMs : this.runStartedAt.getTime();
    setTimeout(
      () => {
        if (this.stopping) return;
        this.pendingGapMs = Math.max(0, Date.now() - recordedUntil);
        this.emit('restarted', { gapMs: this.pendingGapMs, reason });
        this.spawn();
        void this.consumer.requestKeyFrame().catch(() => {});
      },
      Math.min(5000, 250 * this.restarts),
    );
  }

  /**
   * The segment ffmpeg was writing when it stopped or died has no index: remux it (copy) into a proper
   * file and keep it, so what was written before a crash or a hard stop is not lost.
   */
  private async salvageOpenSegment(): Promise<void> {
    const file = path.join(this.options.dir, segmentFileName(this.nextSeq, this.extension));
    const salvaged = await salvageSegmentFile(file);
    if (!salvaged) return;
    const previous = this.segments.at(-1);
    const startedAt = new Date(previous ? previous.startedAt.getTime() + previous.durationMs : this.runStartedAt.getTime());
    const segment: RecordedSegment = { seq: this.nextSeq, path: file, startedAt, ...salvaged, gapBeforeMs: this.pendingGapMs };
    this.pendingGapMs = 0;
    this.nextSeq += 1;
    this.segments.push(segment);
    this.emit('segment', segment);
  }

  private clearTimers(): void {
    if (this.poll) clearInterval(this.poll);
    for (const t of this.keyframeTimers) clearTimeout(t);
    this.keyframeTimers = [];
  }

  private listPath(run: number): string {
    return path.join(this.options.dir, `segments-run${run}.csv`);
  }

  /** Reads new lines of ffmpeg's segment list: each is a segment ffmpeg has finished writing. */
  private collect(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.listPath(this.run), 'utf8');
    } catch {
      return;
    }
    const fresh = text.slice(this.listOffset);
    const lastNewline = fresh.lastIndexOf('\n');
    if (lastNewline < 0) return;
    this.listOffset += lastNewline + 1;
    const runStartedAt = this.runStartedAt.getTime();
    for (const line of fresh.slice(0, lastNewline).split('\n')) {
      const [file, start, end] = line.trim().split(',');
      if (!file || start === undefined || end === undefined) continue;
      const startSec = Number(start);
      const durationMs = Math.round((Number(end) - startSec) * 1000);
      const seq = Number(/(\d+)\.\w+$/.exec(file)?.[1] ?? -1);
      this.nextSeq = Math.max(this.nextSeq, seq + 1);
      const gapBeforeMs = this.pendingGapMs;
      this.pendingGapMs = 0;
      const filePath = path.join(this.options.dir, path.basename(file));
      this.processing = this.processing.then(async () => {
        const { sha256, sizeBytes } = await hashFile(filePath);
        const segment: RecordedSegment = {
          seq,
          path: filePath,
          startedAt: new Date(runStartedAt + Math.round(startSec * 1000)),
          durationMs,
          sizeBytes,
          sha256,
          gapBeforeMs,
        };
        this.segments.push(segment);
        this.emit('segment', segment);
      });
    }
  }
}
