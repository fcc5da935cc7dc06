/**
 * One inference worker: a child process (native inference code that crashes takes only this process
 * down) holding the models, running one job at a time for the pool.
 */
import { onnxRuntimeBackend } from '../onnx-backend.ts';
import { VisionModels } from '../tasks/vision-models.ts';
import type { ToPool, ToWorker } from './protocol.ts';

const threads = Math.max(1, Number(process.env.WATCHPOST_INFER_THREADS ?? 1));
const models = new VisionModels(onnxRuntimeBackend, threads);
const send = (message: ToPool) => process.send?.(message);

process.on('message', (message: ToWorker) => {
  void handle(message);
});
// The pool went away: nothing left to work for.
process.on('disconnect', () => process.exit(0));
// Ctrl-C signals the terminal's whole process group: the pool stops its workers itself (SIGTERM) once what is
// in flight is settled, and a worker whose pool dies goes with the disconnect above.
process.on('SIGINT', () => {});

async function handle(message: ToWorker): Promise<void> {
  if (message.type === 'count-model') {
    // Jobs are run one at a time: the next one counts with the new version.
    await models.switchCountModel(message.version, message.file, message.run).catch((err) => console.error(`cannot load counting model ${message.version}: ${err}`));
    return;
  }
  if (message.type === 'warm') {
    try {
      for (const task of message.tasks) await models.run(task, [{ data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 }]);
      send({ type: 'warmed' });
    } catch (err) {
      send({ type: 'warmed', error: String(err) });
    }
    return;
  }
  const started = performance.now();
  try {
    const results = await models.run(message.task, message.images);
    send({ type: 'result', jobId: message.jobId, results, ms: performance.now() - started });
  } catch (err) {
    send({ type: 'error', jobId: message.jobId, message: err instanceof Error ? err.message : String(err) });
  }
}

send({ type: 'ready', pid: process.pid });
