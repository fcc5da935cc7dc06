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
}

const STRIDE = 4;
const DEFAULT_INPUT = 320;
const DEFAULT_THRESHOLD = 0.35;

/** The size a frame is scaled to. The network takes any size, so nothing is padded but to batch frames of different sizes. */
interface Prepared {
  drawWidth: number;
  drawHeight: number;
}

function prepare(image: RgbImage, inputSize: number): Prepared {
  const scale = inputSize / Math.max(image.width, image.height);
  const drawWidth = Math.max(1, Math.round(image.width * scale));
  const drawHeight = Math.max(1, Math.round(image.height * scale));
  return { drawWidth, drawHeight };
}

/** Counts animals in several frames at once; frames of different sizes are padded to the largest. */
export async function countAnimals(session: ModelSession, images: RgbImage[], options: CountOptions = {}): Promise<CountResult[]> {
  const inputSize = options.inputSize ?? DEFAULT_INPUT;
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const prepared = images.map((img) => prepare(img, inputSize));
  const width = Math.max(...prepared.map((p) => p.drawWidth));
  const height = Math.max(...prepared.map((p) => p.drawHeight));
  const data = new Float32Array(images.length * 3 * width * height);
  images.forEach((img, i) => {
    const p = prepared[i]!;
    const sampling = resizeSampling({ x: 0, y: 0, w: img.width, h: img.height }, p.drawWidth, p.drawHeight);
    const out = { width, height, drawWidth: p.drawWidth, drawHeight: p.drawHeight, data, offset: i * 3 * width * height };
    sampleToTensorCHW(img, sampling, out, { mean: [0, 0, 0], std: [1, 1, 1], scale255: false });
  });
  const out = await session.run({ image: { data, dims: [images.length, 3, height, width] } });
  const peaks = out.peaks!;
  const [, , h4, w4] = peaks.dims as [number, number, number, number];
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
        const v = peaks.data[base + y * w4 + x]!;
        if (v > threshold) {
          points.push([Math.round((x + 0.5) * STRIDE * sx), Math.round((y + 0.5) * STRIDE * sy)]);
          scores.push(Math.round(v * 1000) / 1000);
        }
      }
    }
    return { count: points.length, points, scores };
  });
}
