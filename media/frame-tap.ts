/**
 * Decoded frames of a producer for analysis: a plain-RTP consumer feeds an ffmpeg decoder that scales to
 * the requested size and writes every frame as raw RGB; the tap keeps them at the requested rate, each as
 * it comes. Only the newest frame is kept: a slow reader skips frames (counted in `dropped`), it never
 * makes anything queue up.
 */
import { EventEmitter } from 'node:events';
import type { Consumer } from 'mediasoup/node/lib/Consumer.js';
import type { PlainTransport } from 'mediasoup/node/lib/PlainTransport.js';
import { sdpForRtp, startFfmpeg, waitForUdpListener, type FfmpegProcess } from './ffmpeg.ts';
import { freeUdpPortPair } from './network.ts';
import { liveRgbOutput, RateGate, RawFrameSplitter } from './raw-frames.ts';
import type { ProducerInfo, Room } from './room.ts';

export interface Frame {
  /** Packed RGB, width * height * 3 bytes. */
  data: Buffer;
  width: number;
  height: number;
  /** Wall-clock time the frame left the decoder. */
  capturedAt: number;
  seq: number;
}

export interface FrameTapOptions {
  width: number;
  height: number;
  fps: number;
}

export class FrameTap extends EventEmitter<{ frame: [Frame]; ended: [string] }> {
  private latestFrame: Frame | null = null;
  private lastRead = -1;
  private produced = 0;
  private readonly splitter: RawFrameSplitter;
  private waiters: Array<(frame: Frame | null) => void> = [];
  private ffmpeg?: FfmpegProcess;
  private keyframeTimer?: NodeJS.Timeout;
  closed = false;
  /** Frames decoded but replaced by a newer one before anybody read them. */
  dropped = 0;

  private constructor(
    readonly info: ProducerInfo,
    readonly options: FrameTapOptions,
    private readonly consumer: Consumer,
    private readonly transport: PlainTransport,
  ) {
    super();
    this.splitter = new RawFrameSplitter(options.width * options.height * 3);
  }

  static async open(room: Room, info: ProducerInfo, options: FrameTapOptions): Promise<FrameTap> {
    if (info.kind !== 'video') throw new Error('frames can only be tapped from video');
    if (options.width < 16 || options.height < 16 || options.width > 3840 || options.height > 2160 || options.width % 2 || options.height % 2) {
      throw new Error('frame size must be even and between 16x16 and 3840x2160');
    }
    if (!(options.fps > 0 && options.fps <= 30)) throw new Error('frame rate must be in (0, 30]');
    const ports = await freeUdpPortPair();
    const { transport, consumer } = await room.createPlainEgress(info.producerId, ports);
    const tap = new FrameTap(info, options, consumer, transport);
    tap.start(sdpForRtp('video', consumer.rtpParameters, ports));
    consumer.observer.once('close', () => tap.close('producer closed'));
    await waitForUdpListener(ports.rtpPort);
    await consumer.resume();
    return tap;
  }

  /** The newest frame, or null before the first one. */
  latest(): Frame | null {
    return this.latestFrame;
  }

  /** Resolves with the next frame newer than the last one read (null if the tap closes or time runs out). */
  next(timeoutMs = 10_000): Promise<Frame | null> {
    if (this.latestFrame && this.latestFrame.seq > this.lastRead) return Promise.resolve(this.take(this.latestFrame));
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter = (frame: Frame | null) => {
        clearTimeout(timer);
        resolve(frame ? this.take(frame) : null);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(null);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  get framesDecoded(): number {
    return this.produced;
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keyframeTimer);
    void this.ffmpeg?.stop(1000);
    this.transport.close();
    for (const w of this.waiters.splice(0)) w(null);
    this.emit('ended', reason);
  }

  private take(frame: Frame): Frame {
    this.lastRead = frame.seq;
    return frame;
  }

  private start(sdp: string): void {
    const { width, height, fps } = this.options;
    this.ffmpeg = startFfmpeg(liveRgbOutput(width, height), { sdp, stdout: 'pipe', lowDelay: true });
    const gate = new RateGate(fps);
    const keep = () => gate.keep();
    this.ffmpeg.child.stdout!.on('data', (chunk: Buffer) => {
      for (const data of this.splitter.push(chunk, keep)) this.publish(data);
    });
    void this.ffmpeg.exited.then(() => this.close('decoder exited'));
    // Until the first frame, keep asking for a keyframe (the decoder cannot start without one).
    this.keyframeTimer = setInterval(() => {
      if (this.produced > 0) clearInterval(this.keyframeTimer);
      else void this.consumer.requestKeyFrame().catch(() => {});
    }, 500);
  }

  private publish(data: Buffer): void {
    if (this.latestFrame && this.latestFrame.seq > this.lastRead) this.dropped += 1;
    const frame: Frame = { data, width: this.options.width, height: this.options.height, capturedAt: Date.now(), seq: this.produced++ };
    this.latestFrame = frame;
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w(frame);
    this.emit('frame', frame);
  }
}
