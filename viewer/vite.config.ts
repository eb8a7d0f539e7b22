// The viewer bundle: `npm run build` (vite build --config viewer/vite.config.ts) and the CLI's
// ensureViewerBuilt() both use this file, so the two builds cannot differ.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  // Relative asset URLs: the view server mounts the bundle at '/', but a saved page still works.
  base: './',
  logLevel: 'warn',
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // pixi.js is most of the bundle; one warning per build about it says nothing new.
    chunkSizeWarningLimit: 4096,
  },
});
