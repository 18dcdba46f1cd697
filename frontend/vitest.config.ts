import { defineConfig } from 'vitest/config';

// Unit tests: pure logic (API client, schema form, paste parsing), no browser.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  test: { include: ['tests/unit/**/*.test.ts'], environment: 'node' },
});
