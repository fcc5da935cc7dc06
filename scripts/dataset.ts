/**
 * `npm run models:dataset -- export DIR`: writes the officers' corrections (labelled samples) to DIR in the
 * format models/README.md describes ("Labelled samples"): dataset.json, samples.jsonl and images/. Runs in
 * the platform when `npm start` holds the embedded database, otherwise against DATABASE_URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cliMain, runMaintenanceCommand } from './maintenance.ts';

const [command, dir] = process.argv.slice(2);
await cliMain(async () => {
  if (command !== 'export' || !dir) throw new Error('usage: npm run models:dataset -- export DIR');
  const target = path.resolve(dir);
  if (fs.existsSync(path.join(target, 'samples.jsonl'))) throw new Error(`${target} already holds a dataset: export to a new folder`);
  return runMaintenanceCommand('export-samples', { dir: target });
});
