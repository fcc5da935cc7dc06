/**
 * mediasoup's own test suite (the compiled jest tests shipped in its npm package, node/lib/tests) run
 * against the worker our setup builds from source against Debian's libraries, with our patches
 * (scripts/mediasoup-patches). A build that differs from upstream's in a way that breaks the SFU fails
 * here. The tests use jest's globals: vitest provides them (globals: true in this project), `jest` is vi.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, vi } from 'vitest';

const require = createRequire(import.meta.url);
const testsDir = path.join(path.dirname(require.resolve('mediasoup/package.json')), 'node', 'lib', 'tests');
(globalThis as { jest?: unknown }).jest = vi;

for (const file of fs
  .readdirSync(testsDir)
  .filter((f) => /^test-.*\.js$/.test(f))
  .sort()) {
  describe(file.replace(/\.js$/, ''), () => {
    require(path.join(testsDir, file));
  });
}
