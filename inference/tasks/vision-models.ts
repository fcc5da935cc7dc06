/**
 * The models of one inference worker, loaded on first use, and the single entry that runs a task on a
 * batch of images.
 */
import type { InferenceBackend, ModelSession } from '../backend.ts';
import type { RgbImage } from '../image.ts';
import { modelFiles } from '../models.ts';
import { TextRecognizer } from '../ocr/paddle-ocr.ts';
import { countAnimals, type CountResult } from './count.ts';
import { interpretReads, recogniseLines, type CodeRead, type RecognisedLine } from './read-codes.ts';

export const VISION_TASKS = ['count', 'plate', 'seal'] as const;
export type VisionTask = (typeof VISION_TASKS)[number];

export type CountTaskResult = { task: 'count' } & CountResult;
/** Reads with the built-in formats, and the lines they came from (a port's own plate formats read them again). */
export type CodeTaskResult = { task: 'plate' | 'seal'; results: CodeRead[]; lines: RecognisedLine[] };
export type TaskResult = CountTaskResult | CodeTaskResult;

export class VisionModels {
  private readonly loading = new Map<string, Promise<ModelSession>>();
  private recognizer?: Promise<TextRecognizer>;

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

  /** One result per image, same order. Counting runs the batch as one inference. */
  async run(task: VisionTask, images: RgbImage[]): Promise<TaskResult[]> {
    if (task === 'count') {
      const results = await countAnimals(await this.session(modelFiles.count), images);
      return results.map((r) => ({ task, ...r }));
    }
    const models = { detector: await this.session(modelFiles.textDetection), recognizer: await this.textRecognizer() };
    const out: TaskResult[] = [];
    for (const image of images) {
      const lines = await recogniseLines(models, image);
      out.push({ task, results: interpretReads(task, lines), lines });
    }
    return out;
  }

  async release(): Promise<void> {
    const sessions = await Promise.allSettled(this.loading.values());
    for (const s of sessions) if (s.status === 'fulfilled') await s.value.release();
    this.loading.clear();
  }
}
