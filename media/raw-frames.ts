/** ffmpeg's raw RGB output as frames: the args that produce it, and a splitter that cuts the byte stream. */

/** Output arguments for packed RGB frames of `width x height` at `fps` on stdout. */
export const rawRgbOutput = (fps: number, width: number, height: number) => ['-an', '-vf', `fps=${fps},scale=${width}:${height}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'];

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
