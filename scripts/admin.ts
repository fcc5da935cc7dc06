/**
 * Administration from the command line.
 *   npm run admin -- create-admin --username NAME [--name "Display name"]
 * The password is read from WATCHPOST_ADMIN_PASSWORD, or --password (visible in the process list).
 */
import { parseArgs } from 'node:util';
import { cliMain, runMaintenanceCommand } from './maintenance.ts';

const usage = 'usage: npm run admin -- create-admin --username NAME [--name "Display name"] (password in WATCHPOST_ADMIN_PASSWORD or --password)';

await cliMain(async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { username: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
  });
  if (positionals[0] !== 'create-admin' || !values.username) throw new Error(usage);
  const password = values.password ?? process.env.WATCHPOST_ADMIN_PASSWORD;
  if (!password) throw new Error(`no password given\n${usage}`);
  return runMaintenanceCommand('create-admin', { username: values.username, password, displayName: values.name ?? 'Administrator' });
});
