/** ffmpeg's raw RGB output as frames: the args that produce it, and a splitter that cuts the byte stream. */

/** Output arguments for a file's frames as packed RGB, `width x height`, `fps` a second (ffmpeg's fps filter: frames repeated or dropped to that rate), on stdout. */
export const rawRgbOutput = (fps: number, width: number, height: number) => ['-an', '-vf', `fps=${fps},scale=${width}:${height}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'];

/**
 * A live stream's frames, at most `fps` a second, each as it comes: one is kept when 95 % of 1/fps has
 * passed since the last one kept (timestamps jitter), or when time went back (the camera's stream began
 * again with other timestamps). Not ffmpeg's fps filter: that holds each frame until the next one, and
 * across a timestamp jump it repeated the last frame for hours (a restarted camera was analysed, and
 * alarmed, as frozen) or dropped every frame.
 */
export const liveRgbOutput = (fps: number, width: number, height: number) => [
  '-an',
  '-vf',
  `select=isnan(prev_selected_t)+gte(t-prev_selected_t\\,${(0.95 / fps).toFixed(4)})+lt(t\\,prev_selected_t),scale=${width}:${height}`,
  '-fps_mode',
  'passthrough',
  '-pix_fmt',
  'rgb24',
  '-f',
  'rawvideo',
  'pipe:1',
];

/** Cuts a byte stream into frames of `frameBytes`; every frame is a buffer of its own (callers keep them). */
export class RawFrameSplitter {
  private frame: Buffer;
  private filled = 0;

  constructor(private readonly frameBytes: number) {
    this.frame = Buffer.alloc(frameBytes);
  }

  /** The frames this chunk completed, oldest first. */
  push(chunk: Buffer): Buffer[] {
    const done: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, this.frameBytes - this.filled);
      chunk.copy(this.frame, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameBytes) {
        done.push(this.frame);
        this.frame = Buffer.alloc(this.frameBytes);
        this.filled = 0;
      }
    }
    return done;
  }
}
