/** `npm start` (server/main.ts) as a child process, for the tests that run what users run. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

/** How long `npm start` may take to say it is running. */
const STARTUP_WAIT_S = 150;

/**
 * Starts the platform with `env` and resolves with its URL once it says it is running.
 * `detached`: in a process group of its own, so a SIGKILL of the group takes the whole platform at once.
 */
export function startNpmStart(env: Record<string, string>, options: { detached?: boolean } = {}): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(tsx, ['server/main.ts'], { cwd: root, env, detached: options.detached ?? false });
  return new Promise((resolve, reject) => {
    let out = '';
    // Compiling the server and opening the embedded database take ~10 s alone, and far longer while the
    // other test files keep both cores busy (seen: over 60 s beside the password-spraying test).
    const timer = setTimeout(() => reject(new Error(`no start-up line in ${STARTUP_WAIT_S} s:\n${out}`)), STARTUP_WAIT_S * 1000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Watchpost is running at (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}
