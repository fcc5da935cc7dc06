import { defineConfig } from 'vitest/config';

/** Test files that open a database: they run on both backends. */
const databaseTests = [
  'tests/auth.test.ts',
  'tests/bookings-roles.test.ts',
  'tests/live-session.test.ts',
  'tests/live-vision.test.ts',
  'tests/malformed-requests.test.ts',
  'tests/realtime.test.ts',
  'tests/web-api.test.ts',
  'tests/security.test.ts',
  'tests/access-rule.test.ts',
  'tests/alarm-incidents.test.ts',
  'tests/readme-curl.test.ts',
  'tests/administration.test.ts',
  'tests/supervision.test.ts',
  'tests/loading-records.test.ts',
  'tests/storage.test.ts',
  'tests/loading-concurrency.test.ts',
  'tests/farm-forms.test.ts',
  'tests/desk.test.ts',
  'tests/supervision-plan.test.ts',
  'tests/notifications.test.ts',
  'tests/integration-api.test.ts',
  'tests/faults/**/*.test.ts',
  'server/**/*.spec.ts',
];

export default defineConfig({
  test: {
    // Real PostgreSQL and Redis servers, started once for the run (see tests/support/global-setup.ts).
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more parallel files only make each slower.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['tests/**/*.test.ts', 'server/**/*.spec.ts', 'media/**/*.spec.ts', 'inference/**/*.spec.ts'],
          exclude: ['tests/mediasoup/**', 'tests/e2e/**', '**/node_modules/**'],
          env: { WATCHPOST_TEST_DB: 'postgres' },
        },
      },
      {
        // Chromium decoding live video needs the CPU: the browser tests run alone, after everything else
        // (beside the farm-camera tests, which analyse video continuously, its players starved).
        extends: true,
        // One file at a time: the cluster file alone runs three platform processes beside two browsers.
        test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], env: { WATCHPOST_TEST_DB: 'postgres' }, sequence: { groupOrder: 1 }, fileParallelism: false },
      },
      {
        // mediasoup's own suite against the worker we build (jest globals: describe, test, expect, ...).
        extends: true,
        test: { name: 'mediasoup', include: ['tests/mediasoup/*.test.ts'], globals: true, testTimeout: 20_000 },
      },
      {
        // What `npm start` runs: the embedded database (one connection, one query at a time).
        extends: true,
        test: { name: 'pglite', include: databaseTests, env: { WATCHPOST_TEST_DB: 'pglite' } },
      },
    ],
  },
});
