import { defineConfig } from 'vitest/config';

// Browser tests: Debian's chromium (playwright-core) against a real
// `switchboard serve`. Slow steps (start, server start-up), so long timeouts,
// and one file at a time so two Switchboards never compete for the 2 cores.
export default defineConfig({
  test: {
    include: ['tests/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
