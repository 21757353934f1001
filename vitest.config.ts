import { defineConfig } from 'vitest/config';

// Integration tests share one dockerd and one database: run files one at a time so they never race
// on host resources, while tests inside a file may still run concurrently where they say so.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
