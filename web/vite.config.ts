import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// During `vite dev`, the API runs separately (orcha serve); proxy it so the page talks to one origin.
const api = process.env.ORCHA_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  // Everything is bundled: no CDN, no runtime fetch of third-party code.
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: {
      '/api': api,
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
  logLevel: 'warn',
});
