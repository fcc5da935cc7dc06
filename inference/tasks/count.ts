/**
 * Livestock counting with models/count.onnx: a heatmap with one peak per animal's body centre. The frame
 * is scaled so its long side is `inputSize` (what the model was trained at); peaks above the threshold
 * are the animals.
 */
import type { ModelSession } from '../backend.ts';
import { resizeSampling, sampleToTensorCHW, type RgbImage } from '../image.ts';

export interface CountResult {
  count: number;
  /** Body centres in the frame's pixels. */
  points: Array<[number, number]>;
  /** Peak heights, same order as points (0..1). */
  scores: number[];
}

export interface CountOptions {
  inputSize?: number;
  threshold?: number;
  /**
   * Counts each frame and its mirror image (left to right) in one batch and takes the mean of the two
   * heatmaps: a body the network half-sees one way is often seen whole the other (twice the inference).
   */
  flipAverage?: boolean;
}

const STRIDE = 4;
const DEFAULT_INPUT = 320;
const DEFAULT_THRESHOLD = 0.35;

/** The size a frame is scaled to. The network takes any size, so nothing is padded but to batch frames of different sizes. */
interface Prepared {
  drawWidth: number;
  drawHeight: number;
}

function prepare(image: RgbImage, inputSize: number, widthStep = 1): Prepared {
  const scale = inputSize / Math.max(image.width, image.height);
  const drawWidth = Math.max(widthStep, Math.round((image.width * scale) / widthStep) * widthStep);
  const drawHeight = Math.max(1, Math.round(image.height * scale));
  return { drawWidth, drawHeight };
}

/** Counts animals in several frames at once; frames of different sizes are padded to the largest. */
export async function countAnimals(session: ModelSession, images: RgbImage[], options: CountOptions = {}): Promise<CountResult[]> {
  const inputSize = options.inputSize ?? DEFAULT_INPUT;
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const flip = options.flipAverage ?? false;
  // Mirrored, a heatmap cell must land on a cell: the picture's width a whole number of cells.
  const prepared = images.map((img) => prepare(img, inputSize, flip ? STRIDE : 1));
  const width = Math.max(...prepared.map((p) => p.drawWidth));
  const height = Math.max(...prepared.map((p) => p.drawHeight));
  const plane = width * height;
  const batch = flip ? images.length * 2 : images.length;
  const data = new Float32Array(batch * 3 * plane);
  images.forEach((img, i) => {
    const p = prepared[i]!;
    const sampling = resizeSampling({ x: 0, y: 0, w: img.width, h: img.height }, p.drawWidth, p.drawHeight);
    const out = { width, height, drawWidth: p.drawWidth, drawHeight: p.drawHeight, data, offset: i * 3 * plane };
    sampleToTensorCHW(img, sampling, out, { mean: [0, 0, 0], std: [1, 1, 1], scale255: false });
    if (!flip) return;
    // The mirror image goes after all the frames, in the same order.
    const from = i * 3 * plane;
    const to = (images.length + i) * 3 * plane;
    for (let row = 0; row < 3 * height; row++) {
      for (let x = 0; x < p.drawWidth; x++) data[to + row * width + x] = data[from + row * width + (p.drawWidth - 1 - x)]!;
    }
  });
  const out = await session.run({ image: { data, dims: [batch, 3, height, width] } });
  const [, , h4, w4] = out.peaks!.dims as [number, number, number, number];
  const peaks = flip ? averagedPeaks(out.heat!.data as Float32Array, images.length, h4, w4, prepared) : out.peaks!.data;
  return images.map((img, i) => {
    const p = prepared[i]!;
    const sx = img.width / p.drawWidth;
    const sy = img.height / p.drawHeight;
    const points: Array<[number, number]> = [];
    const scores: number[] = [];
    const base = i * h4 * w4;
    const validH = Math.ceil(p.drawHeight / STRIDE);
    const validW = Math.ceil(p.drawWidth / STRIDE);
    for (let y = 0; y < validH; y++) {
      for (let x = 0; x < validW; x++) {
        const v = peaks[base + y * w4 + x]!;
        if (v > threshold) {
          points.push([Math.round((x + 0.5) * STRIDE * sx), Math.round((y + 0.5) * STRIDE * sy)]);
          scores.push(Math.round(v * 1000) / 1000);
        }
      }
    }
    return { count: points.length, points, scores };
  });
}

/**
 * The mean of each frame's heatmap and its mirror image's (mirrored back), with the network's own peak
 * rule (a cell that is the largest of its 3x3 neighbourhood; the others zero): `heat` holds the frames'
 * maps, then their mirror images' in the same order.
 */
function averagedPeaks(heat: Float32Array, frames: number, h4: number, w4: number, prepared: Prepared[]): Float32Array {
  const cells = h4 * w4;
  const mean = new Float32Array(frames * cells);
  for (let i = 0; i < frames; i++) {
    const validW = Math.ceil(prepared[i]!.drawWidth / STRIDE);
    const own = i * cells;
    const mirrored = (frames + i) * cells;
    for (let y = 0; y < h4; y++) {
      for (let x = 0; x < w4; x++) {
        const back = x < validW ? validW - 1 - x : x;
        mean[own + y * w4 + x] = (heat[own + y * w4 + x]! + heat[mirrored + y * w4 + back]!) / 2;
      }
    }
  }
  const peaks = new Float32Array(mean.length);
  for (let i = 0; i < frames; i++) {
    const own = i * cells;
    for (let y = 0; y < h4; y++) {
      for (let x = 0; x < w4; x++) {
        const v = mean[own + y * w4 + x]!;
        let top = true;
        for (let dy = -1; dy <= 1 && top; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < h4 && xx >= 0 && xx < w4 && mean[own + yy * w4 + xx]! > v) {
              top = false;
              break;
            }
          }
        }
        if (top) peaks[own + y * w4 + x] = v;
      }
    }
  }
  return peaks;
}
