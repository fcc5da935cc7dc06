/**
 * PaddleOCR v4 text detection (DB) and recognition (CTC) on our own pre- and post-processing.
 * Detection gives text lines as rotated rectangles (from each region's principal axis); recognition
 * reads a batch of them, each cut out upright at height 48.
 */
import fs from 'node:fs';
import type { ModelSession } from '../backend.ts';
import { resizeSampling, sampleToTensorCHW, type AffineSampling, type Box, type RgbImage } from '../image.ts';

/** A text line: centre, length along the text, height across it, angle of the text direction (radians). */
export interface TextLine {
  cx: number;
  cy: number;
  length: number;
  height: number;
  angle: number;
  score: number;
}

export interface TextRead {
  text: string;
  /** Mean probability of the characters read (0..1). */
  confidence: number;
  /** Per character, for format-aware correction. */
  charConfidences: number[];
}

// Paddle's models were trained on BGR input with these statistics.
const DET_NORM = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], bgr: true };
const REC_NORM = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], bgr: true };
const REC_HEIGHT = 48;

export interface DetectOptions {
  maxSide?: number;
  binaryThreshold?: number;
  boxThreshold?: number;
  unclipRatio?: number;
  /** Only look inside this region of the frame. */
  region?: Box;
}

export async function detectText(session: ModelSession, image: RgbImage, options: DetectOptions = {}): Promise<TextLine[]> {
  const region = options.region ?? { x: 0, y: 0, w: image.width, h: image.height };
  const maxSide = options.maxSide ?? 960;
  const scale = Math.min(1, maxSide / Math.max(region.w, region.h));
  const width = Math.max(32, Math.round((region.w * scale) / 32) * 32);
  const height = Math.max(32, Math.round((region.h * scale) / 32) * 32);
  const data = sampleToTensorCHW(image, resizeSampling(region, width, height), { width, height }, DET_NORM);
  const out = await session.run({ x: { data, dims: [1, 3, height, width] } });
  const prob = Object.values(out)[0]!.data;
  const lines = linesFromProbability(prob, width, height, options.binaryThreshold ?? 0.3, options.boxThreshold ?? 0.6, options.unclipRatio ?? 1.6);
  const sx = region.w / width;
  const sy = region.h / height;
  return lines.map((l) => {
    // Back to frame pixels; the scale is nearly isotropic, so the angle carries over.
    const c = Math.cos(l.angle);
    const s = Math.sin(l.angle);
    return {
      cx: region.x + l.cx * sx,
      cy: region.y + l.cy * sy,
      length: l.length * Math.hypot(c * sx, s * sy),
      height: l.height * Math.hypot(s * sx, c * sy),
      angle: Math.atan2(s * sy, c * sx),
      score: l.score,
    };
  });
}

/**
 * Connected regions of the binarised map become rotated rectangles: the principal axis of each region's
 * pixels gives the text direction, the extents along and across it the size, grown by the DB "unclip"
 * margin (the model predicts shrunk text kernels).
 */
export function linesFromProbability(prob: Float32Array, width: number, height: number, binaryThreshold: number, boxThreshold: number, unclipRatio: number): TextLine[] {
  const label = new Int32Array(width * height);
  const stack: number[] = [];
  const lines: TextLine[] = [];
  let next = 0;
  for (let start = 0; start < width * height; start++) {
    if (label[start] !== 0 || prob[start]! <= binaryThreshold) continue;
    next++;
    const pixels: number[] = [];
    label[start] = next;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      pixels.push(p);
      const x = p % width;
      const y = (p - x) / width;
      for (const [dx, dy] of NEIGHBOURS) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const q = ny * width + nx;
        if (label[q] === 0 && prob[q]! > binaryThreshold) {
          label[q] = next;
          stack.push(q);
        }
      }
    }
    if (pixels.length < 6) continue;
    let sum = 0;
    let mx = 0;
    let my = 0;
    for (const p of pixels) {
      sum += prob[p]!;
      mx += p % width;
      my += Math.floor(p / width);
    }
    const score = sum / pixels.length;
    if (score < boxThreshold) continue;
    mx /= pixels.length;
    my /= pixels.length;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (const p of pixels) {
      const dx = (p % width) - mx;
      const dy = Math.floor(p / width) - my;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    }
    let angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
    const ux = Math.cos(angle);
    const uy = Math.sin(angle);
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const p of pixels) {
      const dx = (p % width) - mx;
      const dy = Math.floor(p / width) - my;
      const u = dx * ux + dy * uy;
      const v = -dx * uy + dy * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    let length = maxU - minU + 1;
    let thickness = maxV - minV + 1;
    if (Math.min(length, thickness) < 3) continue;
    const grow = (length * thickness * unclipRatio) / (2 * (length + thickness));
    const cu = (maxU + minU) / 2;
    const cv = (maxV + minV) / 2;
    const cx = mx + cu * ux - cv * uy;
    const cy = my + cu * uy + cv * ux;
    length += 2 * grow;
    thickness += 2 * grow;
    // Text is read within 45 degrees of horizontal: a region that is longer vertically is a short word
    // (one or two characters), read across.
    if (Math.abs(angle) > Math.PI / 4) {
      angle -= Math.sign(angle) * (Math.PI / 2);
      [length, thickness] = [thickness, length];
    }
    // Nearly horizontal text stays exactly horizontal (less resampling blur).
    if (Math.abs(angle) < 0.03) angle = 0;
    lines.push({ cx, cy, length, height: thickness, angle, score });
  }
  return lines;
}

const NEIGHBOURS: ReadonlyArray<readonly [number, number]> = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
];

export class TextRecognizer {
  private readonly dictionary: string[];

  constructor(
    private readonly session: ModelSession,
    dictionaryFile: string,
  ) {
    // Index 0 is the CTC blank; the model's last class is a space.
    this.dictionary = [
      '',
      ...fs
        .readFileSync(dictionaryFile, 'utf8')
        .split(/\r?\n/)
        .filter((l, i, all) => l.length > 0 || i < all.length - 1),
      ' ',
    ];
  }

  /** Reads text lines of `image`; lines are cut out upright (rotated by their angle). */
  async read(image: RgbImage, lines: TextLine[], maxWidth = 640): Promise<TextRead[]> {
    if (lines.length === 0) return [];
    const widths = lines.map((l) => Math.min(maxWidth, Math.max(16, Math.round((REC_HEIGHT * l.length) / Math.max(1, l.height)))));
    const width = Math.max(...widths);
    const plane = 3 * REC_HEIGHT * width;
    const data = new Float32Array(lines.length * plane);
    lines.forEach((l, i) => {
      const drawWidth = widths[i]!;
      sampleToTensorCHW(image, lineSampling(l, drawWidth), { width, height: REC_HEIGHT, drawWidth, drawHeight: REC_HEIGHT, data, offset: i * plane }, REC_NORM);
    });
    const out = await this.session.run({ x: { data, dims: [lines.length, 3, REC_HEIGHT, width] } });
    const probs = Object.values(out)[0]!;
    const [, steps, classes] = probs.dims as [number, number, number];
    return lines.map((_, i) => this.decode(probs.data, i * steps * classes, steps, classes));
  }

  /** Greedy CTC: best class per step, repeats collapsed, blanks removed. */
  private decode(p: Float32Array, base: number, steps: number, classes: number): TextRead {
    let text = '';
    const charConfidences: number[] = [];
    let previous = -1;
    for (let t = 0; t < steps; t++) {
      let best = 0;
      let bestP = -1;
      const row = base + t * classes;
      for (let c = 0; c < classes; c++) {
        const v = p[row + c]!;
        if (v > bestP) {
          bestP = v;
          best = c;
        }
      }
      if (best !== 0 && best !== previous) {
        text += this.dictionary[best] ?? '';
        charConfidences.push(bestP);
      }
      previous = best;
    }
    const confidence = charConfidences.length ? charConfidences.reduce((a, b) => a + b, 0) / charConfidences.length : 0;
    return { text, confidence, charConfidences };
  }
}

/** Sampling that cuts a rotated text line out upright, `drawWidth x 48`. */
function lineSampling(l: TextLine, drawWidth: number): AffineSampling {
  const ux = Math.cos(l.angle);
  const uy = Math.sin(l.angle);
  const sx = l.length / drawWidth;
  const sy = l.height / REC_HEIGHT;
  return {
    originX: l.cx - (l.length / 2) * ux + (l.height / 2) * uy,
    originY: l.cy - (l.length / 2) * uy - (l.height / 2) * ux,
    xAxis: [ux * sx, uy * sx],
    yAxis: [-uy * sy, ux * sy],
  };
}

/** Axis-aligned bounding box of a text line, in whole pixels. */
export function lineBox(l: TextLine): [number, number, number, number] {
  const c = Math.abs(Math.cos(l.angle));
  const s = Math.abs(Math.sin(l.angle));
  const w = l.length * c + l.height * s;
  const h = l.length * s + l.height * c;
  return [Math.round(l.cx - w / 2), Math.round(l.cy - h / 2), Math.round(w), Math.round(h)];
}
