import path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/** Unit tests: modules imported directly, no server, so one file runs in seconds. */
const UNIT_TESTS = 'tests/unit/**/*.test.ts';

export default defineConfig({
  resolve: {
    alias: {
      '@': path.resolve(__dirname),
      // Next resolves this marker to an empty module on the server; so do the tests.
      'server-only': path.resolve(__dirname, 'node_modules/server-only/empty.js'),
    },
  },
  test: {
    testTimeout: 30_000,
    // The app's JSON log lines (and anything else a test prints) are shown for a failing test
    // only: a passing run says which tests passed, not what the modules under test logged.
    silent: 'passed-only',
    hookTimeout: 120_000,
    // Each file starts its own emulator (and maybe a Next server); two cores run two at a time.
    fileParallelism: true,
    maxWorkers: 2,
    // The AWS SDKs' own switches for their notices (scripts/lifecycle.mjs), in every test process.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
      NEXT_TELEMETRY_DISABLED: '1',
    },
    // `vitest run` runs both; `--project unit` (npm run test:unit) skips the Next build.
    // A project's globalSetup runs only when one of its files is selected.
    projects: [
      { extends: true, test: { name: 'unit', include: [UNIT_TESTS] } },
      {
        extends: true,
        test: {
          name: 'app',
          include: ['tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, UNIT_TESTS],
          globalSetup: ['tests/support/build-once.ts'],
        },
      },
    ],
  },
});
