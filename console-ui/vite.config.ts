/**
 * The console's build: a static single-page app served by `credplane up` under
 * `/credplane/console/` (docs/console.md). JSX is compiled for Preact by Vite's own transformer.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/credplane/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.join(here, '..', 'dist', 'console-ui'),
    emptyOutDir: true,
    // The server's CSP is default-src 'self': no inline module preload polyfill, no data: URLs.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    // The graph chunk (Cytoscape + ELK, ~1.9 MB) is loaded only by the graph screen.
    chunkSizeWarningLimit: 2000,
    // Rolldown's timing report on a 2-core machine is noise in `npm run build`.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
