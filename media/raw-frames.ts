/** ffmpeg's raw RGB output as frames: the args that produce it, and a splitter that cuts the byte stream. */

/** Output arguments for a file's frames as packed RGB, `width x height`, `fps` a second (ffmpeg's fps filter: frames repeated or dropped to that rate), on stdout. */
export const rawRgbOutput = (fps: number, width: number, height: number) => ['-an', '-vf', `fps=${fps},scale=${width}:${height}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'];

/**
 * A live stream's every frame as it comes, `width x height`, on stdout; the reader keeps what it needs
 * (`RawFrameSplitter`'s `keep`). Not thinned by ffmpeg: with a filter that drops frames (select, framestep,
 * fps) ffmpeg 5.1 hands each kept frame on as many frames late as it dropped between two kept ones — a
 * 25 fps camera counted at 5 fps was analysed 290 ms after it left the camera instead of 125 ms (measured
 * with frames that carry the time they were painted).
 */
export const liveRgbOutput = (width: number, height: number) => [
  '-an',
  '-vf',
  `scale=${width}:${height}`,
  // Each frame once, as decoded: raw video's default is a constant rate, which across a restarted camera's
  // timestamp jump repeats the last frame (the analysis saw one picture) or drops every frame.
  '-fps_mode',
  'passthrough',
  '-pix_fmt',
  'rgb24',
  '-f',
  'rawvideo',
  'pipe:1',
];

/**
 * Keeps frames at `fps` on average out of a faster stream, judged by their arrival: a frame is kept when
 * it comes no earlier than a fifth of a period before the next is due, and the next is then due a period
 * later (so arrival jitter neither lowers the rate nor bunches frames). After a gap, the next frame is kept
 * and the count starts again from it.
 */
export class RateGate {
  private due = Number.NEGATIVE_INFINITY;
  private readonly period: number;

  constructor(
    fps: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.period = 1000 / fps;
  }

  keep(): boolean {
    const now = this.now();
    if (now < this.due - this.period / 5) return false;
    this.due = now - this.due > this.period ? now + this.period : this.due + this.period;
    return true;
  }
}

/** Cuts a byte stream into frames of `frameBytes`; every frame is a buffer of its own (callers keep them). */
export class RawFrameSplitter {
  private frame: Buffer;
  private filled = 0;

  constructor(private readonly frameBytes: number) {
    this.frame = Buffer.alloc(frameBytes);
  }

  /**
   * The frames this chunk completed, oldest first. `keep` is asked as each frame completes; a frame it
   * refuses is not handed out and its buffer is filled again (nothing allocated for frames let go).
   */
  push(chunk: Buffer, keep: () => boolean = () => true): Buffer[] {
    const done: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, this.frameBytes - this.filled);
      chunk.copy(this.frame, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameBytes) {
        this.filled = 0;
        if (!keep()) continue;
        done.push(this.frame);
        this.frame = Buffer.alloc(this.frameBytes);
      }
    }
    return done;
  }
}
