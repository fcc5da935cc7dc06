/**
 * Runs a maintenance command where the data is: in the running server when it holds the embedded
 * database (it must not be opened twice), otherwise directly against the configured database.
 */
import { ConfigError, loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/database.ts';
import { runMaintenance, type MaintenanceCommand } from '../server/maintenance/commands.ts';
import { readControlFile } from '../server/maintenance/control-file.ts';
import { createServices } from '../server/services/index.ts';
import { loadSigningKey } from '../server/infra/signing-key.ts';
import { evidenceStoreFor } from '../server/infra/evidence-store.ts';

export async function runMaintenanceCommand(command: MaintenanceCommand, args: Record<string, unknown>): Promise<unknown> {
  const config = loadConfig();
  const running = config.DATABASE_URL ? null : readControlFile(config.dataDir);
  if (running) {
    const res = await fetch(`${running.url}/api/maintenance/${command}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Maintenance ${running.token}` },
      body: JSON.stringify(args),
    });
    const body = (await res.json()) as { error?: { message: string } };
    if (!res.ok) throw new Error(body.error?.message ?? `server answered ${res.status}`);
    return body;
  }
  const database = await openDatabase(config);
  try {
    const signingKey = loadSigningKey(config.signingKeyFile);
    const services = createServices({ db: database.db, sessionTtlMs: 0, signingKey, dataDir: config.dataDir, store: evidenceStoreFor(config) });
    return await runMaintenance({ services, database, dataDir: config.dataDir, databaseUrl: config.DATABASE_URL }, command, args);
  } finally {
    await database.close();
  }
}

export async function cliMain(run: () => Promise<unknown>) {
  try {
    const result = await run();
    console.log(JSON.stringify(result, null, 2));
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(`Error: ${(err as Error).message}`);
    process.exit(1);
  }
}
