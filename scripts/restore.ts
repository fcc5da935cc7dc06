/**
 * `npm run restore -- DIR`: a backup into an empty data dir (DATA_DIR) and, for a PostgreSQL backup, the
 * empty database at DATABASE_URL. The platform must be stopped.
 */
import { loadConfig } from '../server/config.ts';
import { readControlFile } from '../server/maintenance/control-file.ts';
import { restore } from '../server/maintenance/backup.ts';
import { evidenceStoreFor } from '../server/infra/evidence-store.ts';
import { cliMain } from './maintenance.ts';

const source = process.argv[2];
await cliMain(async () => {
  if (!source) throw new Error('usage: npm run restore -- DIR');
  const config = loadConfig();
  if (readControlFile(config.dataDir)) throw new Error('Watchpost is running on this data dir: stop it before restoring');
  return restore({ source, dataDir: config.dataDir, databaseUrl: config.DATABASE_URL, store: evidenceStoreFor(config) });
});
