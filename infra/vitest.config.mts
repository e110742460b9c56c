import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each synthesis copies the bundles into a temporary cloud assembly; two cores, two at a time.
    maxWorkers: 2,
  },
});
