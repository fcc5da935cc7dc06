/** onnxruntime-node (CPU). On a CUDA host, `executionProviders: ['cuda', 'cpu']` runs the same ONNX files. */
import ort from 'onnxruntime-node';
import type { BackendOptions, InferenceBackend, ModelSession, Tensor } from './backend.ts';

export const onnxRuntimeBackend: InferenceBackend = {
  name: 'onnxruntime-node',
  async load(modelPath: string, options: BackendOptions): Promise<ModelSession> {
    const session = await ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      async run(feeds: Record<string, Tensor>) {
        const input: Record<string, ort.Tensor> = {};
        for (const [name, t] of Object.entries(feeds)) input[name] = new ort.Tensor('float32', t.data, t.dims);
        const output = await session.run(input);
        const result: Record<string, Tensor> = {};
        for (const [name, t] of Object.entries(output)) result[name] = { data: t.data as Float32Array, dims: t.dims };
        return result;
      },
      release: () => session.release(),
    };
  },
};
