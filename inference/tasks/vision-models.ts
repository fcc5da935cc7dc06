/**
 * The models of one inference worker, loaded on first use, and the single entry that runs a task on a
 * batch of images.
 */
import type { InferenceBackend, ModelSession } from '../backend.ts';
import type { RgbImage } from '../image.ts';
import { modelFiles } from '../models.ts';
import { countModelRun, countModelVersions, OCR_MODEL_VERSION, type CountRun } from '../model-versions.ts';
import { TextRecognizer } from '../ocr/paddle-ocr.ts';
import { countAnimals, type CountResult } from './count.ts';
import { interpretReads, recogniseLines, type CodeRead, type RecognisedLine } from './read-codes.ts';

export const VISION_TASKS = ['count', 'plate', 'seal'] as const;
export type VisionTask = (typeof VISION_TASKS)[number];

/** Every result names the model version that produced it. */
export type CountTaskResult = { task: 'count'; model: string } & CountResult;
/** Reads with the built-in formats, and the lines they came from (a port's own plate formats read them again). */
export type CodeTaskResult = { task: 'plate' | 'seal'; model: string; results: CodeRead[]; lines: RecognisedLine[] };
export type TaskResult = CountTaskResult | CodeTaskResult;

export class VisionModels {
  private readonly loading = new Map<string, Promise<ModelSession>>();
  private recognizer?: Promise<TextRecognizer>;
  /** The counting model in use: the default version until the pool says otherwise. */
  private counting: { version: string; file: string; run: CountRun } = { version: countModelVersions().default, file: modelFiles.count, run: countModelRun(countModelVersions().default) };

  constructor(
    private readonly backend: InferenceBackend,
    private readonly threads = 1,
  ) {}

  private session(file: string): Promise<ModelSession> {
    let s = this.loading.get(file);
    if (!s) {
      s = this.backend.load(file, { threads: this.threads });
      this.loading.set(file, s);
    }
    return s;
  }

  private textRecognizer(): Promise<TextRecognizer> {
    this.recognizer ??= this.session(modelFiles.textRecognition).then((s) => new TextRecognizer(s, modelFiles.textDictionary));
    return this.recognizer;
  }

  /** Counts with another version of the counting model from the next batch on (the old one is released). */
  async switchCountModel(version: string, file: string, run: CountRun): Promise<void> {
    const now = this.counting;
    if (version === now.version && file === now.file && run.threshold === now.run.threshold && run.flipAverage === now.run.flipAverage) return;
    const old = now.file;
    this.counting = { version, file, run };
    await this.session(file);
    // Two versions may run one file in different ways: the session goes only with the file.
    if (old === file) return;
    const session = this.loading.get(old);
    this.loading.delete(old);
    await (await session?.catch(() => null))?.release();
  }

  /** One result per image, same order. Counting runs the batch as one inference. */
  async run(task: VisionTask, images: RgbImage[]): Promise<TaskResult[]> {
    if (task === 'count') {
      const { version, file, run } = this.counting;
      const results = await countAnimals(await this.session(file), images, run);
      return results.map((r) => ({ task, model: version, ...r }));
    }
    const models = { detector: await this.session(modelFiles.textDetection), recognizer: await this.textRecognizer() };
    const out: TaskResult[] = [];
    for (const image of images) {
      const lines = await recogniseLines(models, image);
      out.push({ task, model: OCR_MODEL_VERSION, results: interpretReads(task, lines), lines });
    }
    return out;
  }

  async release(): Promise<void> {
    const sessions = await Promise.allSettled(this.loading.values());
    for (const s of sessions) if (s.status === 'fulfilled') await s.value.release();
    this.loading.clear();
  }
}
