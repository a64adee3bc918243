import { defineConfig } from 'vite';

// The market page at `/`. Built with `npm run build:web` (vite build web) into web/dist, which the
// gateway serves (src/http/web-page.ts). `npx vite web` serves it with live reload against a gateway
// on port 4000.
const gateway = 'http://127.0.0.1:4000';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets', // hashed names: the gateway caches these for a year
    target: 'es2022',
  },
  server: {
    proxy: {
      '/graphql': { target: gateway, ws: true },
      '/readyz': gateway,
    },
  },
});
