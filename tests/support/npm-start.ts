/** `npm start` (server/main.ts) as a child process, for the tests that run what users run. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

/**
 * Starts the platform with `env` and resolves with its URL once it says it is running.
 * `detached`: in a process group of its own, so a SIGKILL of the group takes the whole platform at once.
 */
export function startNpmStart(env: Record<string, string>, options: { detached?: boolean } = {}): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(tsx, ['server/main.ts'], { cwd: root, env, detached: options.detached ?? false });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no start-up line in 60 s:\n${out}`)), 60_000);
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
