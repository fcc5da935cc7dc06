/**
 * `npm run demo` (with `npm start` running): the demo data of `npm run seed:demo`, and the demo farm's two
 * cameras streaming until Ctrl-C: the ramp camera shows a Hong Kong plate that is not the farm's registered
 * truck (a plate read and a plate_not_registered alarm), the deck camera pigs walking up the ramp (counted
 * live, and across a loading record's line).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_CAMERAS } from '../server/maintenance/seed-demo.ts';
import { startCameraSimulator } from './camera-simulator.ts';
import { cliMain, runMaintenanceCommand } from './maintenance.ts';

const pictures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'fixtures', 'vision');

await cliMain(() => runMaintenanceCommand('seed-demo', {}));
const cameras = DEMO_CAMERAS.map((camera) => ({
  camera,
  stream: startCameraSimulator({ to: `udp://127.0.0.1:${camera.port}`, file: path.join(pictures, camera.picture), width: 960, height: 540, fps: 10, sway: true }),
}));
for (const { camera } of cameras) console.log(`streaming "${camera.name}" to udp://127.0.0.1:${camera.port} (${camera.picture})`);
console.log(
  'Sign in as demo.enterprise to request an inspection of 531620260000012345 (live pigs), as demo.officer to confirm and start it: the farm cameras join the session; or, as demo.officer, open a loading record of it under Loading. Ctrl-C stops the cameras.',
);
const stop = async () => {
  await Promise.all(cameras.map(({ stream }) => stream.stop()));
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
// A camera's ffmpeg that exits by itself (it should not) ends the demo visibly.
await Promise.race(cameras.map(({ camera, stream }) => stream.exited.then((exit) => console.error(`camera "${camera.name}" stopped: ${JSON.stringify(exit)}: ${stream.stderrTail()}`))));
process.exit(1);
