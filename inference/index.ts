/**
 * The inference plane: what the server, the CLI and the benchmarks may use.
 * - `InferencePool`: worker processes with the models; live streams (newest frame only, motion gating,
 *   batching) and one-off images. `RemoteInferencePool`: the same streams, analysed elsewhere.
 * - `LineCrossingCounter`: counts animals crossing a line over a video, from per-frame points.
 * - Alarm rules: pure functions from results (and what was declared) to alarms.
 * - `InferenceBackend`: the seam for another runtime or execution provider.
 */
export { InferencePool, InferenceError, InferenceStream, type InferencePoolOptions, type StreamFrame, type StreamOptions, type StreamResultMeta, type StreamStats } from './pool/inference-pool.ts';
export { RemoteInferencePool, type SendFrame } from './pool/remote-pool.ts';
export { VISION_TASKS, type CodeTaskResult, type CountTaskResult, type TaskResult, type VisionTask } from './tasks/vision-models.ts';
export type { CountResult } from './tasks/count.ts';
export { interpretReads, type CodeRead, type RecognisedLine } from './tasks/read-codes.ts';
export { BUILTIN_PLATE_FORMATS, cleanRead, parsePlate, parseSeal, isContainerNumber, plateRegex, type PlateFormat, type PlateFormatSpec } from './tasks/code-formats.ts';
export { readImageFile, encodeJpeg, type RgbImage, type Box } from './image.ts';
export type { InferenceBackend, ModelSession, Tensor } from './backend.ts';
export { countModelVersions, DEFAULT_COUNT_RUN, OCR_MODEL_VERSION, type CountRun, type ModelCard } from './model-versions.ts';
export { LineCrossingCounter, crossingOptionsFor, type CountingLine, type Crossing } from './tracking/line-crossing.ts';
export {
  AlarmCooldown,
  RepeatedRead,
  cameraFrozen,
  cameraOffline,
  countMismatch,
  isolationOccupied,
  matchDeclared,
  matchKnown,
  DEFAULT_PLATE_MATCH_DISTANCE,
  normaliseCode,
  plateCheck,
  sealCheck,
  vehicleWithoutRecord,
  type AlarmCandidate,
  type AlarmRule,
} from './alarms/rules.ts';
