/**
 * The web app that `npm start` serves from this checkout (web/dist), built again when its sources changed
 * after it was built: a checkout updated without `npm run setup` would otherwise serve old pages, with
 * nothing to say so.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
/** A web app has a few hundred source files; a walk that finds more stops (a stray folder is not searched whole). */
const MAX_FILES = 5000;

/** A source of the web app changed after web/dist was built (or it was never built): the first such file found. */
export function staleWebSource(repoRoot: string): string | null {
  const built = path.join(repoRoot, 'web', 'dist', 'index.html');
  if (!fs.existsSync(built)) return built;
  const builtAt = fs.statSync(built).mtimeMs;
  const pending = ['index.html', 'vite.config.ts', 'src', 'public'].map((p) => path.join(repoRoot, 'web', p));
  let seen = 0;
  while (pending.length > 0 && seen < MAX_FILES) {
    const file = pending.pop()!;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      continue; // not there (public/ is optional)
    }
    seen++;
    if (stat.isDirectory()) for (const name of fs.readdirSync(file)) pending.push(path.join(file, name));
    else if (stat.mtimeMs > builtAt) return file;
  }
  return null;
}

/** Builds web/dist again when it is older than its sources; a failed build leaves the old one served. */
export async function rebuildWebIfStale(repoRoot: string, log: (message: string) => void): Promise<void> {
  const changed = staleWebSource(repoRoot);
  if (!changed) return;
  log(`Building the web app (${path.relative(repoRoot, changed)} is newer than web/dist)…`);
  const started = Date.now();
  try {
    await execFileAsync(process.execPath, [path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'error'], {
      cwd: repoRoot,
      timeout: 180_000,
      maxBuffer: 4 * 1024 * 1024,
    });
    log(`Web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    log(`The web app could not be built, the previous build is served (npm run build:web shows why): ${(err as Error).message.split('\n')[0]}`);
  }
}
