import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'server/**/*.spec.ts', 'media/**/*.spec.ts', 'inference/**/*.spec.ts'],
    // Real PostgreSQL and Redis servers, started once for the run (see tests/support/global-setup.ts).
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more parallel files only make each slower.
    maxWorkers: 2,
  },
});
