/**
 * The README's curl walk-through, run as written against a platform with the demo seeded, twice in a row:
 * each run books a fresh slot and goes from booking to a verified evidence package.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../server/maintenance/seed-demo.ts';
import type { Platform } from '../server/platform.ts';
import { startTestPlatform } from './support/platform.ts';

const root = path.resolve(import.meta.dirname, '..');
let platform: Platform;

beforeAll(async () => {
  platform = await startTestPlatform();
  await seedDemo(platform.services);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
});

/** The first shell block after the README's "Try it with curl" heading. */
function curlWalkThrough(): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Try it with curl'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('no shell block under "Try it with curl"');
  return block[1]!;
}

describe("the README's curl walk-through", () => {
  it('goes from booking to a verified evidence package, and again on a second run', async () => {
    const script = curlWalkThrough();
    for (const run of [1, 2]) {
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
        cwd: root,
        env: { ...process.env, U: platform.url },
        timeout: 90_000,
      }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`run ${run} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
      });
      expect(stdout, `run ${run}`).toContain('verified: true');
      const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { ok: boolean };
      expect(report.ok, `run ${run}: ${stdout}`).toBe(true);
    }
  }, 200_000);
});
