/** `npm start`: the whole platform on this machine, configured from the environment. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.ts';
import { rebuildWebIfStale } from './infra/web-build.ts';
import { startPlatform } from './platform.ts';

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  // The checkout's own web app (WEB_DIST names one built elsewhere) follows its sources.
  if (!config.WEB_DIST) await rebuildWebIfStale(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), (line) => console.log(line));
  const platform = await startPlatform(config);
  platform.logger.info({ url: platform.url }, 'Watchpost is running');
  console.log(`\nWatchpost is running at ${platform.url}  (API docs: ${platform.url}/api/openapi.json)\n`);
  // SIGTERM or SIGINT: stop taking work and close everything in order. A second signal, or the deadline,
  // exits at once: a stop must never hang (child processes are tied to us and go with us).
  // Ctrl-C reaches us more than once (the terminal signals the whole process group, and npm and tsx pass
  // it on): a signal within 2 s of the first is that same one, not a second request.
  let stoppingSince: number | null = null;
  const shutdown = (signal: string) => {
    if (stoppingSince !== null) {
      if (Date.now() - stoppingSince < 2000) return;
      platform.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    // A node alone may let its sessions go on for DRAIN_SECONDS first.
    const deadlineSeconds = config.SHUTDOWN_TIMEOUT_SECONDS + config.DRAIN_SECONDS;
    platform.logger.info({ signal, deadlineSeconds }, 'stopping');
    const deadline = setTimeout(() => {
      platform.logger.error({ deadlineSeconds }, 'stop did not finish in time: exiting anyway');
      process.exit(1);
    }, deadlineSeconds * 1000);
    deadline.unref();
    platform.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        platform.logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error('Watchpost failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
