import { defineConfig } from 'vite';

// The panel is served by Switchboard at /ui/, so every asset URL is under it.
// JSX goes through esbuild with Preact's runtime: no Babel preset needed.
export default defineConfig({
  base: '/ui/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle: the panel is loaded from localhost, and the Go
    // binary embeds whatever lands here.
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev` against a running Switchboard on the default address.
    proxy: { '/api': { target: 'http://127.0.0.1:7410', ws: true } },
  },
});
