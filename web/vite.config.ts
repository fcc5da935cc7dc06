/**
 * The web app build. `npm run build:web` writes web/dist, which the server serves; `npm run dev:web`
 * serves it with hot reload and forwards the API and socket.io to a platform on :8080 (`npm start`).
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const platform = process.env.WATCHPOST_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1500 },
  server: {
    proxy: {
      '/api': platform,
      '/socket.io': { target: platform, ws: true },
    },
  },
});
