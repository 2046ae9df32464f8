// Builds the browser UI into build/app: hashed files under assets/, .vite/manifest.json for the server.
// The page links assets/app-HASH.js (+ .css); scripts/gzip.mjs then writes a .gz copy of each JS/CSS file.
import { defineConfig } from "vite";

export default defineConfig({
  // Relative base: chunks and the SharedWorker resolve against the entry's own URL, whatever the app's root.
  base: "./",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "build/app",
    emptyOutDir: true,
    manifest: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rollupOptions: {
      input: { app: "src/app/main.tsx" },
      output: {
        entryFileNames: "assets/[name]-[hash].js",
        chunkFileNames: "assets/[name]-[hash].js",
        assetFileNames: "assets/[name]-[hash][extname]",
      },
    },
  },
  worker: {
    format: "es",
    rollupOptions: { output: { entryFileNames: "assets/[name]-[hash].js" } },
  },
});
