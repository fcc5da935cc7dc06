/**
 * Plates and seal numbers: the text detector finds candidate lines (and pairs of lines that sit side by
 * side, as "AB 1234" can be two), the recogniser reads them all in one batch, and the format rules keep
 * what is a plate (or a seal) and correct it. Results are best first.
 */
import type { ModelSession } from '../backend.ts';
import type { Box, RgbImage } from '../image.ts';
import { detectText, lineBox, type TextRecognizer, type TextLine } from '../ocr/paddle-ocr.ts';
import { BUILTIN_PLATE_FORMATS, parsePlate, parseSeal, type CodeFit, type PlateFormatSpec } from './code-formats.ts';

export type CodeKind = 'plate' | 'seal';

export interface CodeRead {
  text: string;
  confidence: number;
  /** [x, y, w, h] in the frame's pixels. */
  box: [number, number, number, number];
  format: string;
  /** What the recogniser read before format correction. */
  raw: string;
}

export interface CodeReaderModels {
  detector: ModelSession;
  recognizer: TextRecognizer;
}

const CORRECTION_PENALTY = 0.85;
const MAX_CANDIDATES = 24;

/** A line of text as the recogniser read it, before any format is applied. */
export interface RecognisedLine {
  raw: string;
  confidence: number;
  box: [number, number, number, number];
}

export async function readCodes(
  models: CodeReaderModels,
  image: RgbImage,
  kind: CodeKind,
  options: { region?: Box; maxSide?: number; formats?: readonly PlateFormatSpec[] } = {},
): Promise<CodeRead[]> {
  return interpretReads(kind, await recogniseLines(models, image, options), options.formats);
}

/** The candidate lines of text in the picture, read (the likeliest plates or seals first, at most 24). */
export async function recogniseLines(models: CodeReaderModels, image: RgbImage, options: { region?: Box; maxSide?: number } = {}): Promise<RecognisedLine[]> {
  const lines = await detectText(models.detector, image, { region: options.region, maxSide: options.maxSide });
  const candidates = withNeighbourPairs(lines)
    .filter(plausibleLine)
    .sort((a, b) => b.score * b.length * b.height - a.score * a.length * a.height)
    .slice(0, MAX_CANDIDATES);
  const reads = await models.recognizer.read(image, candidates);
  return reads.map((read, i) => ({ raw: read.text, confidence: read.confidence, box: lineBox(candidates[i]!) }));
}

/**
 * What of the lines is a plate (with the port's formats, the built-in ones by default) or a seal number,
 * corrected, best first. Pure: a port's new format applies to the next frame's lines.
 */
export function interpretReads(kind: CodeKind, lines: RecognisedLine[], formats: readonly PlateFormatSpec[] = BUILTIN_PLATE_FORMATS): CodeRead[] {
  const parse: (raw: string) => CodeFit<string> | null = kind === 'plate' ? (raw) => parsePlate(raw, formats) : parseSeal;
  const results: CodeRead[] = [];
  for (const line of lines) {
    const fit = parse(line.raw);
    if (!fit) continue;
    const confidence = line.confidence * CORRECTION_PENALTY ** fit.corrections;
    results.push({ text: fit.text, confidence: Math.round(confidence * 1000) / 1000, box: line.box, format: fit.format, raw: line.raw });
  }
  // The same code read from a single line and from a pair: keep the more confident.
  const best = new Map<string, CodeRead>();
  for (const r of results) if (!best.has(r.text) || best.get(r.text)!.confidence < r.confidence) best.set(r.text, r);
  return [...best.values()].sort((a, b) => b.confidence - a.confidence);
}

function plausibleLine(l: TextLine): boolean {
  const aspect = l.length / Math.max(1, l.height);
  return l.height >= 8 && aspect >= 0.8 && aspect <= 20;
}

/** Adds, for lines on the same baseline with a small gap (or overlapping), one line spanning both. */
function withNeighbourPairs(lines: TextLine[]): TextLine[] {
  const out = [...lines];
  for (const a of lines) {
    for (const b of lines) {
      if (a === b || b.cx <= a.cx) continue;
      const h = Math.max(a.height, b.height);
      if (Math.min(a.height, b.height) / h < 0.6 || Math.abs(a.cy - b.cy) > h * 0.4) continue;
      const gap = b.cx - b.length / 2 - (a.cx + a.length / 2);
      if (gap > h * 1.2) continue;
      const left = a.cx - a.length / 2;
      const right = b.cx + b.length / 2;
      // A lone character's orientation is unreliable: the longer line's angle holds for both.
      const angle = a.length >= b.length ? a.angle : b.angle;
      out.push({ cx: (left + right) / 2, cy: (a.cy + b.cy) / 2, length: right - left, height: h, angle, score: Math.min(a.score, b.score) });
    }
  }
  return out;
}
