/**
 * The installed versions of the counting model (models/versions.json: each file with its hash and its
 * card — how it was trained, its held-out figures, how it was chosen). One is active at a time; the text
 * reader (plates, seals) has one version. Every result names the version that produced it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const modelsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'models');

export const OCR_MODEL_VERSION = 'paddleocr-v4';

export const modelCard = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/),
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  parameters: z.string(),
  trained: z.string(),
  heldOutMape: z.number().nullable(),
  secondHeldOutMape: z.number().nullable(),
  /** MAPE (5-60) on renderer B's held-out scenes (models/synth/pigs3d.py), the second, independent generator. */
  otherRendererMape: z.number().nullable(),
  lineCrossing: z.string().nullable(),
  chosenBy: z.string(),
  /** How the file is run: the peak height that is an animal, and whether the frame's mirror image is counted too. */
  threshold: z.number().min(0.05).max(0.95).default(0.35),
  flipAverage: z.boolean().default(false),
});
export type ModelCard = z.infer<typeof modelCard>;
/** How a counting model file is run (a version is a file and these). */
export type CountRun = Pick<ModelCard, 'threshold' | 'flipAverage'>;
export const DEFAULT_COUNT_RUN: CountRun = { threshold: 0.35, flipAverage: false };
const registry = z.object({ count: z.object({ default: z.string(), versions: z.array(modelCard).min(1) }) });

let loaded: z.infer<typeof registry> | null = null;

/** The counting model's versions, newest default first (read once). */
export function countModelVersions(): { default: string; versions: ModelCard[] } {
  loaded ??= registry.parse(JSON.parse(fs.readFileSync(path.join(modelsDir, 'versions.json'), 'utf8')));
  return loaded.count;
}

/** How a listed version is run (the defaults for one not listed: a candidate file). */
export function countModelRun(versionId: string): CountRun {
  const version = countModelVersions().versions.find((v) => v.id === versionId);
  return version ? { threshold: version.threshold, flipAverage: version.flipAverage } : DEFAULT_COUNT_RUN;
}

/** A version's file, checked against its hash (a model file changed by hand is not that version). */
export function countModelFile(versionId: string): string {
  const version = countModelVersions().versions.find((v) => v.id === versionId);
  if (!version) throw new Error(`No counting model version ${versionId}`);
  const file = path.join(modelsDir, version.file);
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  if (sha256 !== version.sha256) throw new Error(`${version.file} is not version ${versionId} (its hash differs)`);
  return file;
}
