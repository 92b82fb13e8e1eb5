/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import { fileURLToPath } from 'node:url'

// The editor is embedded in the Go binary (frontend/dist) and served by the
// same handler as the REST API, so every URL it uses is relative. The widget
// JSON Schemas in ../schema are imported at build time: one source of truth
// with Flow Validate.
export default defineConfig({
  plugins: [react()],
  base: './',
  resolve: {
    alias: { '@schema': fileURLToPath(new URL('../schema', import.meta.url)) },
  },
  server: { fs: { allow: ['..'] } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
})
