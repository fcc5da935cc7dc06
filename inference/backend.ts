/**
 * The one seam between Watchpost's vision code and a runtime. Tasks only see `ModelSession.run`; a GPU
 * execution provider or another runtime is a new `InferenceBackend`, nothing else changes.
 */
export interface Tensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  release(): Promise<void>;
}

export interface BackendOptions {
  /** Threads one model may use for one inference (intra-op). */
  threads: number;
}

export interface InferenceBackend {
  readonly name: string;
  load(modelPath: string, options: BackendOptions): Promise<ModelSession>;
}
