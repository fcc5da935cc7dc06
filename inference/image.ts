/** Packed RGB images as the vision code sees them, and the few pixel operations it needs. */
import sharp from 'sharp';

export interface RgbImage {
  /** Packed RGB, width * height * 3 bytes. */
  data: Uint8Array;
  width: number;
  height: number;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Decodes any image sharp reads (JPEG, PNG, WebP, ...), a file or its bytes, to packed RGB. */
export async function readImageFile(file: string | Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(file).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

export async function encodeJpeg(image: RgbImage, quality = 85): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

export interface Normalisation {
  /** Per channel as fed to the model (after any BGR swap). */
  mean: readonly number[];
  std: readonly number[];
  bgr?: boolean;
  /** Divide by 255 first (default true). */
  scale255?: boolean;
}

/**
 * Where each destination pixel samples the source: source = origin + x * xAxis + y * yAxis for the
 * destination pixel centre (x, y). An axis-aligned resize and a rotated crop are both this.
 */
export interface AffineSampling {
  originX: number;
  originY: number;
  xAxis: [number, number];
  yAxis: [number, number];
}

export const resizeSampling = (region: Box, drawWidth: number, drawHeight: number): AffineSampling => ({
  originX: region.x,
  originY: region.y,
  xAxis: [region.w / drawWidth, 0],
  yAxis: [0, region.h / drawHeight],
});

/**
 * Bilinear sampling of `src` into a float tensor laid out as CHW with `(v / 255 - mean) / std` per channel.
 * Only `drawWidth x drawHeight` is sampled; the rest of the `width x height` plane is padding (`pad`,
 * already normalised). Writes into `out.data` at `out.offset` when given (for batches).
 */
export function sampleToTensorCHW(
  src: RgbImage,
  sampling: AffineSampling,
  out: { width: number; height: number; drawWidth?: number; drawHeight?: number; data?: Float32Array; offset?: number },
  norm: Normalisation,
  pad = 0,
): Float32Array {
  const W = out.width;
  const H = out.height;
  const dw = out.drawWidth ?? W;
  const dh = out.drawHeight ?? H;
  const plane = W * H;
  const dst = out.data ?? new Float32Array(3 * plane);
  const base = out.offset ?? 0;
  const order = norm.bgr ? [2, 1, 0] : [0, 1, 2];
  const div = norm.scale255 === false ? 1 : 255;
  const mul = [0, 1, 2].map((k) => 1 / div / norm.std[k]!);
  const add = [0, 1, 2].map((k) => -norm.mean[k]! / norm.std[k]!);
  dst.fill(pad, base, base + 3 * plane);
  const { data, width: sw, height: sh } = src;
  const { originX, originY, xAxis, yAxis } = sampling;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const px = originX + (x + 0.5) * xAxis[0] + (y + 0.5) * yAxis[0] - 0.5;
      const py = originY + (x + 0.5) * xAxis[1] + (y + 0.5) * yAxis[1] - 0.5;
      const fx = Math.min(sw - 1, Math.max(0, px));
      const fy = Math.min(sh - 1, Math.max(0, py));
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const x1 = Math.min(sw - 1, x0 + 1);
      const y1 = Math.min(sh - 1, y0 + 1);
      const wx = fx - x0;
      const wy = fy - y0;
      const i00 = (y0 * sw + x0) * 3;
      const i01 = (y0 * sw + x1) * 3;
      const i10 = (y1 * sw + x0) * 3;
      const i11 = (y1 * sw + x1) * 3;
      const o = base + y * W + x;
      for (let k = 0; k < 3; k++) {
        const ch = order[k]!;
        const top = data[i00 + ch]! + (data[i01 + ch]! - data[i00 + ch]!) * wx;
        const bottom = data[i10 + ch]! + (data[i11 + ch]! - data[i10 + ch]!) * wx;
        dst[o + k * plane] = (top + (bottom - top) * wy) * mul[k]! + add[k]!;
      }
    }
  }
  return dst;
}

/** Mean absolute difference of two grey thumbnails (0-255). */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** A small grey thumbnail by point sampling: cheap enough to run on every frame for motion gating. */
export function greyThumbnail(src: RgbImage, width = 48, height = 27): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(src.height - 1, Math.floor(((y + 0.5) * src.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(src.width - 1, Math.floor(((x + 0.5) * src.width) / width));
      const i = (sy * src.width + sx) * 3;
      out[y * width + x] = (src.data[i]! * 77 + src.data[i + 1]! * 150 + src.data[i + 2]! * 29) >> 8;
    }
  }
  return out;
}
