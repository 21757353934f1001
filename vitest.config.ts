import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources: `#protocol` (package.json "imports") resolves to
// server/protocol/*.ts under the cjm-source condition, the same files the server imports relatively,
// so a test process holds one copy of the contract.
const sourceCondition = 'cjm-source';

// Integration tests share one dockerd and one database: run files one at a time so they never race
// on host resources, while tests inside a file may still run concurrently where they say so.
export default defineConfig({
  ssr: { resolve: { conditions: [sourceCondition, ...defaultServerConditions] } },
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
