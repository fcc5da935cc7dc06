/** `npm run backup -- DIR`: the database and the stored files, consistent with each other, into an empty DIR. */
import path from 'node:path';
import { cliMain, runMaintenanceCommand } from './maintenance.ts';

const target = process.argv[2];
await cliMain(async () => {
  if (!target) throw new Error('usage: npm run backup -- DIR');
  // Resolved here: the command may run inside the server, whose working directory differs.
  return runMaintenanceCommand('backup', { target: path.resolve(target) });
});
