/** `npm start`: the whole platform on this machine, configured from the environment. */
import { ConfigError, loadConfig } from './config.ts';
import { startPlatform } from './platform.ts';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const platform = await startPlatform(config);
  platform.logger.info({ url: platform.url }, 'Watchpost is running');
  console.log(`\nWatchpost is running at ${platform.url}  (API docs: ${platform.url}/api/openapi.json)\n`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    platform.logger.info({ signal }, 'stopping');
    await platform.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error('Watchpost failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
